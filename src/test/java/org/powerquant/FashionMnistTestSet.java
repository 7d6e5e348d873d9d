package org.powerquant;

import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import ai.djl.translate.TranslateException;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The Fashion-MNIST test set from {@code ../shared}, preprocessed in batches as the shared
 * ResNet-18 expects, and the top-1 accuracy of a model on its first images.
 */
public final class FashionMnistTestSet {

    private final byte[] pixels;
    private final byte[] labels;

    private FashionMnistTestSet(byte[] pixels, byte[] labels) {
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Reads the 10,000 test images and labels.
     *
     * @param dir the folder of the IDX files
     * @return the test set
     * @throws IOException if they cannot be read
     */
    public static FashionMnistTestSet read(Path dir) throws IOException {
        byte[] pixels = idx(dir.resolve("t10k-images-idx3-ubyte.gz"), 4);
        byte[] labels = idx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 2);
        return new FashionMnistTestSet(pixels, labels);
    }

    private static byte[] idx(Path file, int headerInts) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file));
                DataInputStream data = new DataInputStream(in)) {
            for (int i = 0; i < headerInts; i++) {
                data.readInt();
            }
            return data.readAllBytes();
        }
    }

    /**
     * Returns the number of images.
     *
     * @return the number of images
     */
    public int size() {
        return labels.length;
    }

    /**
     * Preprocesses images {@code [from, from + count)}: /255, bilinear resize to 64, normalise, 3
     * channels.
     *
     * @param manager where the batch lives
     * @param from the first image
     * @param count how many
     * @return a (count, 3, 64, 64) batch
     */
    public NDArray batch(NDManager manager, int from, int count) {
        float[] values = new float[count * 28 * 28];
        for (int i = 0; i < values.length; i++) {
            values[i] = (pixels[from * 28 * 28 + i] & 0xff) / 255f;
        }
        NDArray x = manager.create(values, new Shape(count, 28, 28, 1));
        NDArray resized = NDImageUtils.resize(x, 64, 64, Image.Interpolation.BILINEAR);
        return resized.sub(0.2860f).div(0.3530f).transpose(0, 3, 1, 2).repeat(1, 3);
    }

    /**
     * The top-1 accuracy of a model (NDList in, logits out) on the first images.
     *
     * @param model the model
     * @param count how many images
     * @return the accuracy in percent
     * @throws TranslateException if inference fails
     */
    public double accuracy(Model model, int count) throws TranslateException {
        int correct = 0;
        int batchSize = 250;
        try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                NDManager manager = NDManager.newBaseManager()) {
            for (int from = 0; from < count; from += batchSize) {
                int n = Math.min(batchSize, count - from);
                try (NDManager scope = manager.newSubManager()) {
                    NDArray logits =
                            predictor.predict(new NDList(batch(scope, from, n))).singletonOrThrow();
                    long[] predicted = logits.argMax(1).toLongArray();
                    for (int i = 0; i < n; i++) {
                        if (predicted[i] == labels[from + i]) {
                            correct++;
                        }
                    }
                    logits.close();
                }
            }
        }
        return 100.0 * correct / count;
    }
}
