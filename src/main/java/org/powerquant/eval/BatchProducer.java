package org.powerquant.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.powerquant.data.DecodedImage;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.data.SkippedImage;

/**
 * Decodes and preprocesses images into batches on its own thread (helped by a pool of decoder
 * threads when asked for more than one), handing them over in data set order through a bounded
 * queue. Unreadable images are skipped and recorded; any other failure ends the stream with an end
 * marker carrying the exception.
 */
final class BatchProducer implements Runnable {

    private final LabelledImageDataset dataset;
    private final Preprocessing preprocessing;
    private final int total;
    private final int batchSize;
    private final BlockingQueue<Batch> queue;
    private final int decoderThreads;
    private final List<SkippedImage> skipped = Collections.synchronizedList(new ArrayList<>());

    BatchProducer(
            LabelledImageDataset dataset,
            Preprocessing preprocessing,
            int total,
            int batchSize,
            BlockingQueue<Batch> queue,
            int decoderThreads) {
        this.dataset = dataset;
        this.preprocessing = preprocessing;
        this.total = total;
        this.batchSize = batchSize;
        this.queue = queue;
        this.decoderThreads = decoderThreads;
    }

    /** {@inheritDoc} */
    @Override
    public void run() {
        ExecutorService pool =
                decoderThreads > 1
                        ? Executors.newFixedThreadPool(
                                decoderThreads,
                                r -> {
                                    Thread t = new Thread(r, "powerquant-eval-decoder-pool");
                                    t.setDaemon(true);
                                    return t;
                                })
                        : null;
        try {
            produce(pool);
            queue.put(Batch.end(null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            try {
                queue.put(Batch.end(e));
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    List<SkippedImage> skipped() {
        synchronized (skipped) {
            return new ArrayList<>(skipped);
        }
    }

    private void produce(ExecutorService pool) throws InterruptedException {
        int[] shape = null; // (C, H, W) of the first readable image
        String first = null;
        Batch batch = null;
        Object[] chunk = new Object[0];
        int chunkStart = 0;
        for (int i = 0; i < total; i++) {
            if (Thread.currentThread().isInterrupted()) {
                throw new InterruptedException();
            }
            if (i == chunkStart + chunk.length) {
                chunkStart = i;
                chunk = decode(pool, i, Math.min(total, i + batchSize));
            }
            Object decoded = chunk[i - chunkStart];
            if (decoded instanceof Exception failure) {
                skipped.add(new SkippedImage(dataset.describe(i), oneLine(failure)));
                continue;
            }
            DecodedImage image = (DecodedImage) decoded;
            if (shape == null) {
                shape = new int[] {image.channels(), image.height(), image.width()};
                first = dataset.describe(i);
            } else if (image.channels() != shape[0]
                    || image.height() != shape[1]
                    || image.width() != shape[2]) {
                throw new IllegalArgumentException(
                        String.format(
                                "image %s preprocesses to (%d, %d, %d) but %s to (%d, %d, %d):"
                                        + " set an image size or a centre crop",
                                dataset.describe(i),
                                image.channels(),
                                image.height(),
                                image.width(),
                                first,
                                shape[0],
                                shape[1],
                                shape[2]));
            }
            if (batch == null) {
                batch = new Batch(batchSize, shape[0], shape[1], shape[2]);
            }
            batch.add(image.pixels(), dataset.label(i));
            if (batch.count() == batchSize) {
                queue.put(batch);
                batch = null;
            }
        }
        if (batch != null) {
            queue.put(batch);
        }
    }

    /**
     * Decodes and preprocesses images [from, to): each entry is a {@link DecodedImage} or the
     * {@link IOException} that makes the image unreadable; other failures are thrown.
     */
    private Object[] decode(ExecutorService pool, int from, int to) throws InterruptedException {
        Object[] out = new Object[to - from];
        if (pool == null) {
            for (int i = from; i < to; i++) {
                out[i - from] = decodeOne(i);
            }
            return out;
        }
        List<Future<Object>> futures = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int index = i;
            futures.add(pool.submit(() -> decodeOne(index)));
        }
        for (int i = 0; i < futures.size(); i++) {
            try {
                out[i] = futures.get(i).get();
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RuntimeException runtime) {
                    throw runtime;
                }
                if (cause instanceof Error error) {
                    throw error;
                }
                throw new IllegalStateException(cause);
            }
        }
        return out;
    }

    private Object decodeOne(int index) {
        try {
            return preprocessing.apply(dataset.image(index));
        } catch (IOException | UncheckedIOException e) {
            return e;
        }
    }

    private static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }

    /** A batch of preprocessed images in (N, C, H, W) order, or the end-of-stream marker. */
    static final class Batch {

        private final float[] data;
        private final int[] labels;
        private final int channels;
        private final int height;
        private final int width;
        private final RuntimeException failure;
        private final Error error;
        private final boolean end;
        private int count;

        private Batch(int capacity, int channels, int height, int width) {
            this.data = new float[capacity * channels * height * width];
            this.labels = new int[capacity];
            this.channels = channels;
            this.height = height;
            this.width = width;
            this.failure = null;
            this.error = null;
            this.end = false;
        }

        private Batch(Throwable t) {
            data = null;
            labels = null;
            channels = 0;
            height = 0;
            width = 0;
            failure = t instanceof RuntimeException runtime ? runtime : null;
            error = t instanceof Error e ? e : null;
            end = true;
        }

        static Batch end(Throwable failure) {
            return new Batch(failure);
        }

        void add(float[] pixels, int label) {
            System.arraycopy(pixels, 0, data, count * pixels.length, pixels.length);
            labels[count++] = label;
        }

        boolean isEnd() {
            return end;
        }

        void rethrow() {
            if (failure != null) {
                throw failure;
            }
            if (error != null) {
                throw error;
            }
        }

        float[] data() {
            return data;
        }

        int[] labels() {
            return labels;
        }

        int count() {
            return count;
        }

        int channels() {
            return channels;
        }

        int height() {
            return height;
        }

        int width() {
            return width;
        }

        int imageLength() {
            return channels * height * width;
        }
    }
}
