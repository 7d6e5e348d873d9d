package org.powerquant.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.powerquant.data.IdxDataset;

/** The bundled Fashion-MNIST test set. */
class DemoDataTest {

    @Test
    void bundledTestSetIsTenThousandBalancedGreyImages() throws IOException {
        IdxDataset data = DemoData.testSet();
        assertEquals(10_000, data.size());
        assertEquals(28, data.rows());
        assertEquals(28, data.cols());
        assertEquals(10, data.classNames().size());
        int[] perClass = new int[10];
        for (int i = 0; i < data.size(); i++) {
            int label = data.label(i);
            assertTrue(label >= 0 && label < 10, "label " + label);
            perClass[label]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(
                thousand, perClass, "Fashion-MNIST's test set has 1,000 images of each class");
        assertTrue(data.description().contains(DemoData.TEST_IMAGES_RESOURCE), data.description());
    }

    @Test
    void bundledFilesAreTheSharedFixtureFilesByteForByte() throws IOException {
        Path shared =
                Paths.get(
                        System.getProperty("powerquant.shared", "../shared"),
                        "data",
                        "fashion-mnist");
        Assumptions.assumeTrue(
                Files.isDirectory(shared),
                "../shared absent: skipping byte comparison of the bundled "
                        + "Fashion-MNIST test set");
        try (InputStream images = DemoData.openTestImages();
                InputStream labels = DemoData.openTestLabels()) {
            assertArrayEquals(
                    Files.readAllBytes(shared.resolve("t10k-images-idx3-ubyte.gz")),
                    images.readAllBytes());
            assertArrayEquals(
                    Files.readAllBytes(shared.resolve("t10k-labels-idx1-ubyte.gz")),
                    labels.readAllBytes());
        }
    }
}
