package org.powerquant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.eval.Fixtures;

class IdxDatasetTest {

    @TempDir Path dir;

    private static byte[] randomBytes(Random random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    @Test
    void readsRawAndGzipFilesPixelForPixel() throws IOException {
        Random random = new Random(1);
        int n = 17;
        int rows = 5;
        int cols = 3;
        byte[] pixels = randomBytes(random, n * rows * cols);
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            labels[i] = (byte) random.nextInt(10);
        }
        for (boolean gzip : new boolean[] {false, true}) {
            Path images = dir.resolve("images" + gzip);
            Path labelFile = dir.resolve("labels" + gzip);
            Fixtures.writeIdx(images, new int[] {n, rows, cols}, pixels, gzip);
            Fixtures.writeIdx(labelFile, new int[] {n}, labels, !gzip);
            IdxDataset data = IdxDataset.open(images, labelFile);
            assertEquals(n, data.size());
            assertEquals(rows, data.rows());
            assertEquals(cols, data.cols());
            int maxLabel = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(labels[i], data.label(i));
                maxLabel = Math.max(maxLabel, labels[i]);
                DecodedImage image = data.image(i);
                assertEquals(1, image.channels());
                for (int p = 0; p < rows * cols; p++) {
                    assertEquals((pixels[i * rows * cols + p] & 0xff) / 255f, image.pixels()[p]);
                }
            }
            assertEquals(maxLabel + 1, data.classNames().size());
        }
    }

    @Test
    void rejectsALabelFileWhoseCountDiffers() throws IOException {
        Path images = dir.resolve("img.idx");
        Path labels = dir.resolve("lab.idx");
        Fixtures.writeIdx(images, new int[] {4, 2, 2}, new byte[16], false);
        Fixtures.writeIdx(labels, new int[] {3}, new byte[3], false);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> IdxDataset.open(images, labels));
        assertTrue(e.getMessage().contains(labels.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("3 labels") && e.getMessage().contains("4 images"));
    }

    @Test
    void rejectsMissingTruncatedSwappedAndEmptyFiles() throws IOException {
        Path images = dir.resolve("img.idx");
        Path labels = dir.resolve("lab.idx");
        Fixtures.writeIdx(images, new int[] {4, 2, 2}, new byte[16], false);
        Fixtures.writeIdx(labels, new int[] {4}, new byte[4], false);
        Path missing = dir.resolve("nope.gz");
        assertMessageNames(missing, () -> IdxDataset.open(missing, labels));
        // images and labels swapped: wrong number of dimensions
        assertMessageNames(labels, () -> IdxDataset.open(labels, images));
        Path truncated = dir.resolve("short.idx");
        Fixtures.writeIdx(truncated, new int[] {4, 2, 2}, new byte[10], false);
        assertMessageNames(truncated, () -> IdxDataset.open(truncated, labels));
        Path empty = dir.resolve("empty.idx");
        Path noLabels = dir.resolve("nolabels.idx");
        Fixtures.writeIdx(empty, new int[] {0, 2, 2}, new byte[0], false);
        Fixtures.writeIdx(noLabels, new int[] {0}, new byte[0], false);
        assertMessageNames(empty, () -> IdxDataset.open(empty, noLabels));
        Path garbage = dir.resolve("garbage.txt");
        Files.writeString(garbage, "hello");
        assertMessageNames(garbage, () -> IdxDataset.open(garbage, labels));
    }

    @Test
    void readsAnyWellFormedPairOfStreams() throws IOException {
        Random random = new Random(3);
        for (int trial = 0; trial < 30; trial++) {
            int n = 1 + random.nextInt(20);
            int rows = 1 + random.nextInt(9);
            int cols = 1 + random.nextInt(9);
            byte[] pixels = randomBytes(random, n * rows * cols);
            byte[] labels = randomBytes(random, n);
            Path images = dir.resolve("s-images");
            Path labelFile = dir.resolve("s-labels");
            Fixtures.writeIdx(images, new int[] {n, rows, cols}, pixels, random.nextBoolean());
            Fixtures.writeIdx(labelFile, new int[] {n}, labels, random.nextBoolean());
            IdxDataset data =
                    IdxDataset.read(
                            Files.newInputStream(images), "images stream",
                            Files.newInputStream(labelFile), "labels stream");
            assertEquals(n, data.size());
            assertEquals(rows, data.rows());
            assertEquals(cols, data.cols());
            for (int i = 0; i < n; i++) {
                assertEquals(labels[i] & 0xff, data.label(i));
                float[] image = data.image(i).pixels();
                for (int p = 0; p < rows * cols; p++) {
                    assertEquals((pixels[i * rows * cols + p] & 0xff) / 255f, image[p]);
                }
            }
            assertTrue(data.description().contains("images stream"), data.description());
        }
    }

    @Test
    void namesTheMalformedStreamAndClosesBothStreams() throws IOException {
        Path images = dir.resolve("img.idx");
        Path labels = dir.resolve("lab.idx");
        Path truncated = dir.resolve("short.idx");
        Path fewLabels = dir.resolve("few.idx");
        Fixtures.writeIdx(images, new int[] {4, 2, 2}, new byte[16], true);
        Fixtures.writeIdx(labels, new int[] {4}, new byte[4], true);
        Fixtures.writeIdx(truncated, new int[] {4, 2, 2}, new byte[10], true);
        Fixtures.writeIdx(fewLabels, new int[] {3}, new byte[3], true);
        Path[][] cases = {{truncated, labels}, {labels, images}, {images, fewLabels}};
        String[] culprit = {"image resource", "image resource", "label resource"};
        for (int c = 0; c < cases.length; c++) {
            ClosingStream in = new ClosingStream(Files.readAllBytes(cases[c][0]));
            ClosingStream lin = new ClosingStream(Files.readAllBytes(cases[c][1]));
            IllegalArgumentException ex =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> IdxDataset.read(in, "image resource", lin, "label resource"));
            assertTrue(ex.getMessage().contains(culprit[c]), ex.getMessage());
            assertTrue(!ex.getMessage().contains("\n"), "one-line message");
            assertTrue(in.closed && lin.closed, "both streams closed after " + ex.getMessage());
        }
    }

    /** A byte stream that records whether it was closed. */
    private static final class ClosingStream extends ByteArrayInputStream {
        boolean closed;

        ClosingStream(byte[] bytes) {
            super(bytes);
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static void assertMessageNames(Path file, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(file.toString()), ex.getMessage());
        assertTrue(!ex.getMessage().contains("\n"), "one-line message");
    }

    @Test
    void readsTheFashionMnistTestSet() throws IOException {
        Path data = Fixtures.shared().resolve("data/fashion-mnist");
        Assumptions.assumeTrue(
                Files.isDirectory(data), "../shared absent: skipping Fashion-MNIST IDX test");
        LabelledImageDataset test =
                DatasetSpec.parse(
                                "idx:"
                                        + data.resolve("t10k-images-idx3-ubyte.gz")
                                        + ","
                                        + data.resolve("t10k-labels-idx1-ubyte.gz"))
                        .open();
        assertEquals(10_000, test.size());
        assertEquals(10, test.classNames().size());
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        for (int count : perClass) {
            assertEquals(1000, count); // Fashion-MNIST's test set is balanced
        }
        DecodedImage first = test.image(0);
        assertEquals(28, first.height());
        assertEquals(28, first.width());
    }

    @Test
    void aGzipFileWhoseChecksumFailsIsRefusedNamingIt() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {3, 2, 2}, new byte[12], true);
        Fixtures.writeIdx(labels, new int[] {3}, new byte[] {0, 1, 2}, true);
        assertEquals(3, IdxDataset.open(images, labels).size());
        for (Path file : new Path[] {images, labels}) {
            byte[] bytes = Files.readAllBytes(file);
            byte[] corrupt = bytes.clone();
            corrupt[corrupt.length - 8] ^= 0x5a; // the CRC-32 in the gzip trailer
            Files.write(file, corrupt);
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class, () -> IdxDataset.open(images, labels));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
            Files.write(file, bytes);
        }
    }

    @Test
    void bytesBeyondWhatTheHeaderDescribesAreRefused() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        Fixtures.writeIdx(images, new int[] {1, 2, 2}, new byte[5], false);
        Fixtures.writeIdx(labels, new int[] {1}, new byte[1], false);
        assertMessageNames(images, () -> IdxDataset.open(images, labels));
    }

    @Test
    void aFileCutInsideItsHeaderOrWithCorruptDeflateDataIsRefusedNamingIt() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(labels, new int[] {40}, new byte[40], true);
        // the magic number and the image count, without the rows and columns
        Path cut = dir.resolve("cut");
        Files.write(cut, new byte[] {0, 0, 8, 3, 0, 0, 0, 40});
        assertMessageNames(cut, () -> IdxDataset.open(cut, labels));
        Random random = new Random(5);
        Fixtures.writeIdx(images, new int[] {40, 28, 28}, randomBytes(random, 40 * 28 * 28), true);
        byte[] bytes = Files.readAllBytes(images);
        for (int i = 20; i < 60; i++) {
            bytes[i] ^= 0x55; // the deflate data of the header itself
        }
        Files.write(images, bytes);
        assertMessageNames(images, () -> IdxDataset.open(images, labels));
        Path notGzip = dir.resolve("notgzip.gz");
        Files.write(notGzip, new byte[] {0x1f, (byte) 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
        assertMessageNames(notGzip, () -> IdxDataset.open(notGzip, labels));
    }

    @Test
    void aHeaderClaimingMoreImagesThanTheFileHoldsTakesNoMemoryForThem() throws IOException {
        Path images = dir.resolve("images");
        Path labels = dir.resolve("labels");
        // two million 28 x 28 images claimed (1.5 GB), one held
        Fixtures.writeIdx(images, new int[] {2_000_000, 28, 28}, new byte[784], false);
        Fixtures.writeIdx(labels, new int[] {2_000_000}, new byte[1], false);
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean)
                        java.lang.management.ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        assertMessageNames(images, () -> IdxDataset.open(images, labels));
        long allocated = threads.getThreadAllocatedBytes(thread) - before;
        assertTrue(allocated < 64L << 20, allocated + " bytes allocated for a 800-byte file");
    }
}
