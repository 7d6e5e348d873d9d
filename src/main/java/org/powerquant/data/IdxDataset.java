package org.powerquant.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * A data set in the IDX format of MNIST and Fashion-MNIST: an unsigned-byte image file of shape (N,
 * rows, cols) and an unsigned-byte label file of shape (N), each raw or gzip-compressed.
 *
 * <p>Both files are read fully into memory when opened (Fashion-MNIST's test set takes 7.8 MB). The
 * classes are named "0" to the largest label.
 */
public final class IdxDataset implements LabelledImageDataset {

    private static final int UNSIGNED_BYTE = 0x08;

    private final String imagesFile;
    private final String labelsFile;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;
    private final List<String> classNames;

    private IdxDataset(
            InputStream imagesIn, String imagesFile, InputStream labelsIn, String labelsFile)
            throws IOException {
        this.imagesFile = imagesFile;
        this.labelsFile = labelsFile;
        int[] imageDims = new int[3];
        pixels = readFile(imagesIn, imagesFile, imageDims, dims -> {});
        count = imageDims[0];
        rows = imageDims[1];
        cols = imageDims[2];
        labels =
                readFile(
                        labelsIn,
                        labelsFile,
                        new int[1],
                        dims -> {
                            if (dims[0] != count) {
                                throw new IllegalArgumentException(
                                        "label file "
                                                + labelsFile
                                                + " holds "
                                                + dims[0]
                                                + " labels but image file "
                                                + imagesFile
                                                + " holds "
                                                + count
                                                + " images");
                            }
                        });
        if (count == 0) {
            throw new IllegalArgumentException(
                    "empty data set: " + imagesFile + " holds no images");
        }
        int max = 0;
        for (byte b : labels) {
            max = Math.max(max, b & 0xff);
        }
        List<String> names = new ArrayList<>(max + 1);
        for (int i = 0; i <= max; i++) {
            names.add(Integer.toString(i));
        }
        classNames = Collections.unmodifiableList(names);
    }

    /**
     * Reads an IDX image file and its label file.
     *
     * @param images the image file, (N, rows, cols) unsigned bytes, raw or gzip
     * @param labels the label file, (N) unsigned bytes, raw or gzip
     * @return the data set
     * @throws IOException when a file cannot be read
     * @throws IllegalArgumentException naming the file at fault when a file is missing, malformed,
     *     empty, or the counts differ
     */
    public static IdxDataset open(Path images, Path labels) throws IOException {
        checkFile(images);
        checkFile(labels);
        try (InputStream imagesIn = Files.newInputStream(images);
                InputStream labelsIn = Files.newInputStream(labels)) {
            return new IdxDataset(imagesIn, images.toString(), labelsIn, labels.toString());
        }
    }

    /**
     * Reads IDX images and labels from streams (e.g. class-path resources); both streams are
     * closed, also on error.
     *
     * @param images the image stream, (N, rows, cols) unsigned bytes, raw or gzip
     * @param imagesName the name messages give the image stream
     * @param labels the label stream, (N) unsigned bytes, raw or gzip
     * @param labelsName the name messages give the label stream
     * @return the data set
     * @throws IOException when a stream cannot be read
     * @throws IllegalArgumentException naming the stream at fault when it is malformed, empty, or
     *     the counts differ
     */
    public static IdxDataset read(
            InputStream images, String imagesName, InputStream labels, String labelsName)
            throws IOException {
        try (images;
                labels) {
            return new IdxDataset(images, imagesName, labels, labelsName);
        }
    }

    /**
     * Returns the image height.
     *
     * @return the number of rows of every image
     */
    public int rows() {
        return rows;
    }

    /**
     * Returns the image width.
     *
     * @return the number of columns of every image
     */
    public int cols() {
        return cols;
    }

    /** {@inheritDoc} */
    @Override
    public int size() {
        return count;
    }

    /** {@inheritDoc} */
    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** {@inheritDoc} */
    @Override
    public int label(int index) {
        return labels[index] & 0xff;
    }

    /** {@inheritDoc} */
    @Override
    public DecodedImage image(int index) {
        int plane = rows * cols;
        float[] out = new float[plane];
        int base = index * plane;
        for (int i = 0; i < plane; i++) {
            out[i] = (pixels[base + i] & 0xff) / 255f;
        }
        return new DecodedImage(1, rows, cols, out);
    }

    /** {@inheritDoc} */
    @Override
    public String describe(int index) {
        return imagesFile + "#" + index;
    }

    /** {@inheritDoc} */
    @Override
    public String description() {
        return "idx:" + imagesFile + "," + labelsFile;
    }

    private static void checkFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("IDX file not found: " + file);
        }
    }

    /**
     * Reads one IDX file, header and body, filling {@code shape} (whose length is the number of
     * dimensions expected); every way the bytes can fail (too short, a gzip stream that is not one,
     * corrupt or cut short) is an {@link IllegalArgumentException} naming the file. The header is
     * given to {@code headerCheck} before the body is read.
     */
    private static byte[] readFile(
            InputStream raw, String file, int[] shape, Consumer<int[]> headerCheck)
            throws IOException {
        try (DataInputStream in = decode(raw)) {
            int[] dims = header(in, file, shape.length);
            System.arraycopy(dims, 0, shape, 0, dims.length);
            headerCheck.accept(dims);
            long length = 1;
            for (int d : dims) {
                // capped: three dimensions of a corrupt header can overflow a long
                length = Math.min(length * d, Integer.MAX_VALUE);
            }
            return readBody(in, file, length);
        } catch (EOFException e) {
            throw new IllegalArgumentException(
                    "truncated IDX file: " + file + " (it ends inside its header)", e);
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(
                    "corrupt gzip file " + file + ": " + e.getMessage(), e);
        }
    }

    private static DataInputStream decode(InputStream raw) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return new DataInputStream(in);
    }

    private static int[] header(DataInputStream in, String file, int expectedDims)
            throws IOException {
        int magic;
        try {
            magic = in.readInt();
        } catch (EOFException e) {
            throw new IllegalArgumentException("not an IDX file (too short): " + file, e);
        }
        int type = (magic >>> 8) & 0xff;
        int dims = magic & 0xff;
        if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || dims != expectedDims) {
            throw new IllegalArgumentException(
                    String.format(
                            "not an unsigned-byte IDX file with %d dimension(s): %s (magic 0x%08x)",
                            expectedDims, file, magic));
        }
        int[] shape = new int[dims];
        for (int i = 0; i < dims; i++) {
            shape[i] = in.readInt();
            if (shape[i] < 0 || (i > 0 && shape[i] == 0)) {
                throw new IllegalArgumentException("bad IDX dimension " + shape[i] + ": " + file);
            }
        }
        return shape;
    }

    private static byte[] readBody(DataInputStream in, String file, long length)
            throws IOException {
        if (length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("IDX file too large: " + file);
        }
        // grown as bytes arrive: a header claiming more than the file holds costs no memory
        byte[] body = new byte[(int) Math.min(length, 1 << 20)];
        try {
            for (int filled = 0; filled < length; ) {
                if (filled == body.length) {
                    body = Arrays.copyOf(body, (int) Math.min(length, 2L * body.length));
                }
                int n = in.read(body, filled, body.length - filled);
                if (n < 0) {
                    throw new EOFException();
                }
                filled += n;
            }
            // read to the end: a gzip stream checks its CRC and length only at its trailer
            long extra = 0;
            byte[] rest = new byte[8192];
            for (int n; (n = in.read(rest)) >= 0; ) {
                extra += n;
            }
            if (extra > 0) {
                throw new IllegalArgumentException(
                        "IDX file "
                                + file
                                + " holds "
                                + extra
                                + " bytes more than its header describes");
            }
        } catch (EOFException e) {
            throw new IllegalArgumentException(
                    "truncated IDX file: " + file + " (expected " + length + " data bytes)", e);
        } catch (java.util.zip.ZipException e) {
            throw new IllegalArgumentException(
                    "corrupt gzip file " + file + ": " + e.getMessage() + " (checksum or length)",
                    e);
        }
        return body;
    }
}
