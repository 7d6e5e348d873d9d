package org.powerquant.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** The bundled Fashion-MNIST test set and its IDX parsing. */
class DemoDataTest {

    @Test
    void bundledTestSetIsTenThousandBalancedGreyImages() throws IOException {
        DemoData data = DemoData.testSet();
        assertEquals(10_000, data.size());
        assertEquals(28, data.rows());
        assertEquals(28, data.cols());
        assertEquals(10_000 * 28 * 28, data.pixels().length);
        int[] perClass = new int[10];
        for (int label : data.labels()) {
            assertTrue(label >= 0 && label < 10, "label " + label);
            perClass[label]++;
        }
        int[] thousand = new int[10];
        Arrays.fill(thousand, 1000);
        assertArrayEquals(thousand, perClass, "Fashion-MNIST's test set has 1,000 images of each class");
    }

    @Test
    void rangesAreSlicesOfTheWhole() throws IOException {
        DemoData data = DemoData.testSet();
        byte[] all = data.pixels();
        int[] labels = data.labels();
        Random random = new Random(11);
        for (int trial = 0; trial < 50; trial++) {
            int from = random.nextInt(data.size() + 1);
            int to = from + random.nextInt(data.size() - from + 1);
            assertArrayEquals(Arrays.copyOfRange(all, from * 784, to * 784), data.pixels(from, to));
            assertArrayEquals(Arrays.copyOfRange(labels, from, to), data.labels(from, to));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> data.pixels(5, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> data.labels(0, data.size() + 1));
    }

    @Test
    void bundledFilesAreTheSharedFixtureFilesByteForByte() throws IOException {
        Path shared = Paths.get(System.getProperty("powerquant.shared", "../shared"), "data", "fashion-mnist");
        Assumptions.assumeTrue(Files.isDirectory(shared), "../shared absent: skipping byte comparison of the bundled "
                + "Fashion-MNIST test set");
        try (InputStream images = DemoData.openTestImages();
                InputStream labels = DemoData.openTestLabels()) {
            assertArrayEquals(Files.readAllBytes(shared.resolve("t10k-images-idx3-ubyte.gz")), images.readAllBytes());
            assertArrayEquals(Files.readAllBytes(shared.resolve("t10k-labels-idx1-ubyte.gz")), labels.readAllBytes());
        }
    }

    @Test
    void parsesAnyWellFormedIdxPair() throws IOException {
        Random random = new Random(3);
        for (int trial = 0; trial < 30; trial++) {
            int n = random.nextInt(20);
            int rows = 1 + random.nextInt(9);
            int cols = 1 + random.nextInt(9);
            byte[] pixels = new byte[n * rows * cols];
            random.nextBytes(pixels);
            byte[] labels = new byte[n];
            int[] expectedLabels = new int[n];
            for (int i = 0; i < n; i++) {
                expectedLabels[i] = random.nextInt(256);
                labels[i] = (byte) expectedLabels[i];
            }
            DemoData data = DemoData.parse(idx(0x803, pixels, n, rows, cols), "images", idx(0x801, labels, n),
                    "labels");
            assertEquals(n, data.size());
            assertEquals(rows, data.rows());
            assertEquals(cols, data.cols());
            assertArrayEquals(pixels, data.pixels());
            assertArrayEquals(expectedLabels, data.labels());
        }
    }

    @Test
    void rejectsWrongMagicTruncationAndCountMismatchNamingTheStream() {
        byte[] pixels = new byte[2 * 4];
        IOException magic = assertThrows(IOException.class, () -> DemoData.parse(
                idx(0x801, pixels, 8), "bad-images.gz", idx(0x801, new byte[2], 2), "labels.gz"));
        assertTrue(magic.getMessage().startsWith("bad-images.gz: IDX magic"), magic.getMessage());
        IOException truncated = assertThrows(IOException.class, () -> DemoData.parse(
                idx(0x803, pixels, 3, 2, 2), "short-images.gz", idx(0x801, new byte[3], 3), "labels.gz"));
        assertTrue(truncated.getMessage().startsWith("short-images.gz: IDX file truncated"),
                truncated.getMessage());
        IOException counts = assertThrows(IOException.class, () -> DemoData.parse(
                idx(0x803, pixels, 2, 2, 2), "images.gz", idx(0x801, new byte[3], 3), "few-labels.gz"));
        assertTrue(counts.getMessage().startsWith("few-labels.gz: 3 labels for 2 images"), counts.getMessage());
    }

    private static InputStream idx(int magic, byte[] payload, int... dims) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(bytes))) {
            out.writeInt(magic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(payload);
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
