package org.powerquant;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.GZIPInputStream;

/**
 * The real fixtures in {@code ../shared} (a trained ResNet-18 and Fashion-MNIST); tests that need
 * them are skipped with a message when the folder is absent, as on a fresh clone.
 */
public final class SharedFixtures {

    private SharedFixtures() {}

    /**
     * Returns the shared folder, from the system property {@code powerquant.shared} or {@code
     * ../shared}.
     *
     * @return the shared folder, from the system property {@code powerquant.shared} or {@code
     *     ../shared}
     */
    public static Path root() {
        return Paths.get(System.getProperty("powerquant.shared", "../shared"));
    }

    /**
     * Returns the shared TorchScript ResNet-18 trained on Fashion-MNIST, or skips the test.
     *
     * @return the shared TorchScript ResNet-18 trained on Fashion-MNIST, or skips the test
     */
    public static Path resnet18() {
        Path model = root().resolve("models/fmnist_resnet18.pt");
        assumeTrue(
                Files.isRegularFile(model),
                "../shared absent (" + model + "): skipping a test on the shared ResNet-18");
        return model;
    }

    /**
     * Returns the shared TorchScript MobileNetV2 trained on Fashion-MNIST, or skips the test.
     *
     * @return the shared TorchScript MobileNetV2 trained on Fashion-MNIST, or skips the test
     */
    public static Path mobileNetV2() {
        Path model = root().resolve("models/fmnist_mobilenet_v2.pt");
        assumeTrue(
                Files.isRegularFile(model),
                "../shared absent (" + model + "): skipping a test on the shared MobileNetV2");
        return model;
    }

    /**
     * Returns the shared Fashion-MNIST folder, or skips the test.
     *
     * @return the shared Fashion-MNIST folder, or skips the test
     */
    public static Path fashionMnist() {
        Path dir = root().resolve("data/fashion-mnist");
        assumeTrue(
                Files.isDirectory(dir),
                "../shared absent (" + dir + "): skipping a test on Fashion-MNIST");
        return dir;
    }

    /**
     * The first test images, preprocessed exactly as the shared ResNet-18 expects: scaled to [0,
     * 1], resized bilinearly to 64x64, normalised with mean 0.2860 and std 0.3530, repeated to 3
     * channels.
     *
     * @param manager where the batch lives
     * @param count how many images
     * @return a (count, 3, 64, 64) float32 batch
     * @throws IOException if the data cannot be read
     */
    public static NDArray testBatch(NDManager manager, int count) throws IOException {
        Path images = fashionMnist().resolve("t10k-images-idx3-ubyte.gz");
        byte[] pixels = new byte[count * 28 * 28];
        try (InputStream in = new GZIPInputStream(Files.newInputStream(images));
                DataInputStream data = new DataInputStream(in)) {
            data.readInt();
            data.readInt();
            data.readInt();
            data.readInt();
            data.readFully(pixels);
        }
        float[] values = new float[pixels.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = (pixels[i] & 0xff) / 255f;
        }
        NDArray x = manager.create(values, new Shape(count, 28, 28, 1));
        NDArray resized = NDImageUtils.resize(x, 64, 64, Image.Interpolation.BILINEAR);
        NDArray normalised = resized.sub(0.2860f).div(0.3530f).transpose(0, 3, 1, 2);
        return normalised.repeat(1, 3);
    }
}
