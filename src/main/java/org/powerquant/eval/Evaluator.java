package org.powerquant.eval;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.data.SkippedImage;

/**
 * Measures top-1 and top-5 accuracy of a classifier on a {@link LabelledImageDataset}.
 *
 * <p>The model's block must take one float32 (N, C, H, W) array and return (N, K) logits with K at
 * least the data set's number of classes. A producer thread (helped by {@code decoderThreads}
 * threads if set) decodes and preprocesses images in pure Java, without native memory, into a
 * bounded queue of ready batches while the calling thread turns each batch into an {@link NDArray}
 * on the chosen device and runs the forward pass, so decoding overlaps with inference.
 *
 * <pre>{@code
 * EvaluationResult r = Evaluator.builder()
 *         .preprocessing(Preprocessing.builder().imageSize(64).mean(0.2860f).std(0.3530f).build())
 *         .batchSize(64).device(Devices.resolve("auto")).progress(System.err).build()
 *         .evaluate(model, DatasetSpec.parse("idx:t10k-images.gz,t10k-labels.gz").open());
 * }</pre>
 */
public final class Evaluator {

    private final Preprocessing preprocessing;
    private final int batchSize;
    private final Device device;
    private final int limit;
    private final int prefetch;
    private final int decoderThreads;
    private final PrintStream progress;
    private final long progressIntervalNanos;

    private Evaluator(Builder builder) {
        preprocessing = builder.preprocessing;
        batchSize = builder.batchSize;
        device = builder.device;
        limit = builder.limit;
        prefetch = builder.prefetch;
        decoderThreads = builder.decoderThreads;
        progress = builder.progress;
        progressIntervalNanos = builder.progressInterval.toNanos();
    }

    /**
     * Returns a builder: ImageNet preprocessing, batch 64, CPU, whole data set, no progress.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Evaluates a model's block; the model is not modified.
     *
     * @param model the model (float or quantized, TorchScript or DJL-native)
     * @param dataset the labelled images
     * @return accuracy, timing and skipped images (unreadable images are skipped, not fatal)
     * @throws IllegalArgumentException when no image is readable, images preprocess to different
     *     sizes, or the model's output is narrower than the number of classes
     */
    public EvaluationResult evaluate(Model model, LabelledImageDataset dataset) {
        try (NDManager manager = model.getNDManager().newSubManager(device)) {
            return evaluate(model.getBlock(), manager, dataset, model.getName());
        }
    }

    /**
     * Evaluates a block with arrays created on a given manager (and its device).
     *
     * @param block the classifier block, already initialised
     * @param manager the manager for the batches and the parameter copies
     * @param dataset the labelled images
     * @param modelName a name for error messages
     * @return accuracy, timing and skipped images
     * @throws IllegalArgumentException see {@link #evaluate(Model, LabelledImageDataset)}
     */
    public EvaluationResult evaluate(
            Block block, NDManager manager, LabelledImageDataset dataset, String modelName) {
        int total = limit > 0 ? Math.min(limit, dataset.size()) : dataset.size();
        int classes = dataset.classNames().size();
        int batchSize = effectiveBatchSize(dataset);
        long start = System.nanoTime();
        ProgressPrinter printer =
                new ProgressPrinter(progress, total, progressIntervalNanos, start);
        TopKScorer scorer = new TopKScorer();
        BlockingQueue<BatchProducer.Batch> queue = new ArrayBlockingQueue<>(prefetch);
        BatchProducer producer =
                new BatchProducer(dataset, preprocessing, total, batchSize, queue, decoderThreads);
        ExecutorService executor =
                Executors.newSingleThreadExecutor(
                        r -> {
                            Thread t = new Thread(r, "powerquant-eval-decoder");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            executor.execute(producer);
            ParameterStore parameters = new ParameterStore(manager, false);
            while (true) {
                BatchProducer.Batch batch = take(queue);
                if (batch.isEnd()) {
                    batch.rethrow();
                    break;
                }
                float[] logits;
                int width;
                try (NDManager batchManager = manager.newSubManager()) {
                    FloatBuffer pixels =
                            FloatBuffer.wrap(batch.data(), 0, batch.count() * batch.imageLength());
                    Shape inputShape =
                            new Shape(
                                    batch.count(), batch.channels(), batch.height(), batch.width());
                    NDArray x = batchManager.create(pixels, inputShape);
                    NDList out;
                    try {
                        out = block.forward(parameters, new NDList(x), false);
                    } catch (ai.djl.engine.EngineException e) {
                        throw new InvalidInputException(
                                Role.MODEL,
                                modelName
                                        + " rejects input of shape "
                                        + inputShape
                                        + ": "
                                        + engineReason(e.getMessage()),
                                e);
                    }
                    NDArray y = out.get(0);
                    Shape shape = y.getShape();
                    if (shape.dimension() != 2 || shape.get(0) != batch.count()) {
                        throw new IllegalArgumentException(
                                "model "
                                        + modelName
                                        + " returned shape "
                                        + shape
                                        + " for input "
                                        + x.getShape()
                                        + ", expected (N, classes) logits");
                    }
                    width = (int) shape.get(1);
                    if (width < classes) {
                        throw new InvalidInputException(
                                Role.DATASET,
                                dataset.description()
                                        + " has "
                                        + classes
                                        + " classes (labels 0 to "
                                        + (classes - 1)
                                        + "): labels from "
                                        + width
                                        + " up are out of range for model "
                                        + modelName
                                        + ", which outputs "
                                        + width
                                        + " logits");
                    }
                    logits = y.toType(DataType.FLOAT32, false).toFloatArray();
                }
                scorer.score(logits, width, batch.labels(), batch.count());
                printer.update(scorer.images(), scorer.top1(), System.nanoTime());
            }
        } finally {
            executor.shutdownNow();
        }
        long end = System.nanoTime();
        printer.finish(scorer.images(), scorer.top1(), end);
        List<SkippedImage> skipped = producer.skipped();
        if (scorer.images() == 0) {
            throw new IllegalArgumentException(
                    "no readable image in "
                            + dataset.description()
                            + ": "
                            + skipped.size()
                            + " skipped, first "
                            + skipped.get(0));
        }
        return new EvaluationResult(
                dataset.description(),
                scorer.images(),
                scorer.top1(),
                scorer.top5(),
                (end - start) / 1e9,
                skipped,
                scorer.top1Hits());
    }

    /**
     * The batch size this evaluator uses on a data set: the one asked for, at most the number of
     * images evaluated, and at most what fits in an eighth of the Java heap with the prefetched
     * batches (so that no batch size can exhaust memory).
     *
     * @param dataset the data set
     * @return the batch size, at least 1
     */
    public int effectiveBatchSize(LabelledImageDataset dataset) {
        int total = limit > 0 ? Math.min(limit, dataset.size()) : dataset.size();
        int batch = Math.max(1, Math.min(batchSize, total));
        long imageBytes = 4L * imageValues(dataset);
        long budget = Runtime.getRuntime().maxMemory() / 8 / (prefetch + 3);
        long fits = Math.max(1, budget / Math.max(1, imageBytes));
        return (int) Math.min(batch, fits);
    }

    private long imageValues(LabelledImageDataset dataset) {
        int[] size = preprocessing.outputSize();
        if (size != null) {
            return (long) preprocessing.channels() * size[0] * size[1];
        }
        for (int i = 0; i < Math.min(dataset.size(), 8); i++) {
            try {
                return preprocessing.apply(dataset.image(i)).pixels().length;
            } catch (java.io.IOException | RuntimeException e) {
                // an unreadable image is skipped by the evaluation; try the next
            }
        }
        return (long) preprocessing.channels() * 224 * 224;
    }

    /**
     * Returns the preprocessing applied to every image.
     *
     * @return the preprocessing applied to every image
     */
    public Preprocessing preprocessing() {
        return preprocessing;
    }

    /**
     * Returns the batch size asked for (see {@link #effectiveBatchSize}).
     *
     * @return the batch size asked for (see {@link #effectiveBatchSize})
     */
    public int batchSize() {
        return batchSize;
    }

    /** The line of a native error that says what went wrong. */
    static String engineReason(String message) {
        if (message == null || message.isBlank()) {
            return "the engine refused it";
        }
        String reason = null;
        for (String line : message.lines().toList()) {
            String t = line.strip();
            if (t.startsWith("RuntimeError: ")) {
                reason = t.substring("RuntimeError: ".length());
            }
        }
        if (reason != null) {
            return reason;
        }
        for (String line : message.lines().toList()) {
            if (!line.isBlank()) {
                return line.strip();
            }
        }
        return "the engine refused it";
    }

    private static BatchProducer.Batch take(BlockingQueue<BatchProducer.Batch> queue) {
        try {
            return queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("evaluation interrupted", e);
        }
    }

    /** Options of an {@link Evaluator}; each setter returns this builder. */
    public static final class Builder {

        private Preprocessing preprocessing = Preprocessing.imageNet();
        private int batchSize = 64;
        private Device device = Device.cpu();
        private int limit;
        private int prefetch = 4;
        private int decoderThreads = 1;
        private PrintStream progress;
        private Duration progressInterval = Duration.ofSeconds(2);

        Builder() {}

        /**
         * Sets the preprocessing (default: {@link Preprocessing#imageNet()}).
         *
         * @param preprocessing the transforms applied to every image
         * @return this builder
         */
        public Builder preprocessing(Preprocessing preprocessing) {
            this.preprocessing = Objects.requireNonNull(preprocessing, "preprocessing");
            return this;
        }

        /**
         * Sets the number of images per forward pass (default 64).
         *
         * @param batchSize at least 1
         * @return this builder
         */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new InvalidInputException(
                        Role.BATCH_SIZE, "must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /**
         * Sets the device the batches are created on (default CPU); see {@link Devices}.
         *
         * @param device the device
         * @return this builder
         */
        public Builder device(Device device) {
            this.device = Objects.requireNonNull(device, "device");
            return this;
        }

        /**
         * Evaluates only the first {@code limit} images in the data set's order.
         *
         * @param limit the number of images, 0 for all
         * @return this builder
         */
        public Builder limit(int limit) {
            if (limit < 0) {
                throw new InvalidInputException(
                        Role.LIMIT, "must be at least 1 (or 0 for all), got " + limit);
            }
            this.limit = limit;
            return this;
        }

        /**
         * Sets how many ready batches the decoder may queue ahead of the model (default 4).
         *
         * @param batches at least 1
         * @return this builder
         */
        public Builder prefetch(int batches) {
            if (batches < 1) {
                throw new InvalidInputException(
                        Role.PREFETCH, "must be at least 1, got " + batches);
            }
            this.prefetch = batches;
            return this;
        }

        /**
         * Sets how many threads decode and preprocess images (default 1: one producer thread beside
         * the model). More help when decoding large JPEGs cannot keep up with the model, e.g.
         * ImageNet on a GPU; the order of the data set is kept either way.
         *
         * @param threads at least 1
         * @return this builder
         */
        public Builder decoderThreads(int threads) {
            if (threads < 1) {
                throw new InvalidInputException(
                        Role.DECODER_THREADS, "must be at least 1, got " + threads);
            }
            this.decoderThreads = threads;
            return this;
        }

        /**
         * Prints progress lines to a stream (typically {@code System.err}) when the evaluation
         * takes longer than the progress interval.
         *
         * @param out the stream, or null for silence (default)
         * @return this builder
         */
        public Builder progress(PrintStream out) {
            this.progress = out;
            return this;
        }

        /**
         * Sets the time between progress lines (default 2 s).
         *
         * @param interval a positive duration
         * @return this builder
         */
        public Builder progressInterval(Duration interval) {
            if (interval.isNegative()) {
                throw new IllegalArgumentException("progress interval must not be negative");
            }
            this.progressInterval = interval;
            return this;
        }

        /**
         * Builds the evaluator.
         *
         * @return the evaluator
         */
        public Evaluator build() {
            return new Evaluator(this);
        }
    }
}
