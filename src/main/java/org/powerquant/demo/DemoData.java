package org.powerquant.demo;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * The Fashion-MNIST test set bundled in the jar: 10,000 grey-scale 28x28 images with labels 0-9 (Zalando Research,
 * MIT licence; the files of Debian's {@code dataset-fashion-mnist} package, unchanged).
 *
 * <p>Instances are immutable: accessors return copies. {@link #openTestImages()} and {@link #openTestLabels()}
 * give the raw gzip-compressed IDX streams for readers of their own.
 */
public final class DemoData {

    /** Classpath location of the gzip-compressed IDX test images. */
    public static final String TEST_IMAGES_RESOURCE = "/org/powerquant/demo/t10k-images-idx3-ubyte.gz";

    /** Classpath location of the gzip-compressed IDX test labels. */
    public static final String TEST_LABELS_RESOURCE = "/org/powerquant/demo/t10k-labels-idx1-ubyte.gz";

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private final byte[] pixels;
    private final int[] labels;
    private final int rows;
    private final int cols;

    private DemoData(byte[] pixels, int[] labels, int rows, int cols) {
        this.pixels = pixels;
        this.labels = labels;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * Reads the bundled test set.
     *
     * @return the 10,000 test images and labels
     * @throws IOException if a bundled file cannot be read or is not a valid IDX file
     */
    public static DemoData testSet() throws IOException {
        try (InputStream images = openTestImages();
                InputStream labels = openTestLabels()) {
            return parse(images, TEST_IMAGES_RESOURCE, labels, TEST_LABELS_RESOURCE);
        }
    }

    /**
     * Opens the bundled test images as the raw gzip-compressed IDX stream; the caller closes it.
     *
     * @return a new stream
     * @throws IllegalStateException if the resource is missing from the classpath
     */
    public static InputStream openTestImages() {
        return open(TEST_IMAGES_RESOURCE);
    }

    /**
     * Opens the bundled test labels as the raw gzip-compressed IDX stream; the caller closes it.
     *
     * @return a new stream
     * @throws IllegalStateException if the resource is missing from the classpath
     */
    public static InputStream openTestLabels() {
        return open(TEST_LABELS_RESOURCE);
    }

    /**
     * Returns the number of images.
     *
     * @return the number of images (and labels)
     */
    public int size() {
        return labels.length;
    }

    /**
     * Returns the image height.
     *
     * @return rows per image
     */
    public int rows() {
        return rows;
    }

    /**
     * Returns the image width.
     *
     * @return columns per image
     */
    public int cols() {
        return cols;
    }

    /**
     * Returns all pixels, image after image, row-major, as unsigned bytes (0 = black background).
     *
     * @return a copy of {@code size() * rows() * cols()} bytes
     */
    public byte[] pixels() {
        return pixels.clone();
    }

    /**
     * Returns the pixels of images {@code [from, to)}, as {@link #pixels()} lays them out.
     *
     * @param from the first image, inclusive
     * @param to the last image, exclusive
     * @return a copy of {@code (to - from) * rows() * cols()} bytes
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, size()]}
     */
    public byte[] pixels(int from, int to) {
        checkRange(from, to);
        int perImage = rows * cols;
        return Arrays.copyOfRange(pixels, from * perImage, to * perImage);
    }

    /**
     * Returns all labels.
     *
     * @return a copy of the {@code size()} labels, each in 0-9
     */
    public int[] labels() {
        return labels.clone();
    }

    /**
     * Returns the labels of images {@code [from, to)}.
     *
     * @param from the first image, inclusive
     * @param to the last image, exclusive
     * @return a copy of {@code to - from} labels
     * @throws IndexOutOfBoundsException if the range is not within {@code [0, size()]}
     */
    public int[] labels(int from, int to) {
        checkRange(from, to);
        return Arrays.copyOfRange(labels, from, to);
    }

    /**
     * Parses a pair of gzip-compressed IDX streams (unsigned-byte images with 3 dimensions, labels with 1).
     *
     * @param images the image stream, not closed
     * @param imagesName the name to report for the image stream in error messages
     * @param labels the label stream, not closed
     * @param labelsName the name to report for the label stream in error messages
     * @return the parsed data
     * @throws IOException if a stream cannot be read, is not an IDX file of the expected kind, or the counts differ
     */
    static DemoData parse(InputStream images, String imagesName, InputStream labels, String labelsName)
            throws IOException {
        DataInputStream in = new DataInputStream(new GZIPInputStream(images));
        int[] imageDims = header(in, imagesName, IMAGES_MAGIC, 3);
        byte[] pixels = payload(in, imagesName, (long) imageDims[0] * imageDims[1] * imageDims[2]);
        DataInputStream lin = new DataInputStream(new GZIPInputStream(labels));
        int[] labelDims = header(lin, labelsName, LABELS_MAGIC, 1);
        byte[] rawLabels = payload(lin, labelsName, labelDims[0]);
        if (imageDims[0] != labelDims[0]) {
            throw new IOException(labelsName + ": " + labelDims[0] + " labels for " + imageDims[0] + " images in "
                    + imagesName);
        }
        int[] values = new int[rawLabels.length];
        for (int i = 0; i < values.length; i++) {
            values[i] = rawLabels[i] & 0xFF;
        }
        return new DemoData(pixels, values, imageDims[1], imageDims[2]);
    }

    private static int[] header(DataInputStream in, String name, int magic, int dimensions) throws IOException {
        int found = in.readInt();
        if (found != magic) {
            throw new IOException(String.format("%s: IDX magic 0x%08x, expected 0x%08x (unsigned bytes, %d dims)",
                    name, found, magic, dimensions));
        }
        int[] dims = new int[dimensions];
        for (int i = 0; i < dimensions; i++) {
            dims[i] = in.readInt();
            if (dims[i] < 0) {
                throw new IOException(name + ": negative IDX dimension " + dims[i]);
            }
        }
        return dims;
    }

    private static byte[] payload(DataInputStream in, String name, long length) throws IOException {
        if (length > Integer.MAX_VALUE - 16) {
            throw new IOException(name + ": IDX payload of " + length + " bytes is too large");
        }
        byte[] bytes = new byte[(int) length];
        int read = in.readNBytes(bytes, 0, bytes.length);
        if (read != bytes.length) {
            throw new IOException(name + ": IDX file truncated, " + read + " of " + length + " payload bytes");
        }
        return bytes;
    }

    private static InputStream open(String resource) {
        InputStream in = DemoData.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(resource + ": bundled demo resource missing from the classpath");
        }
        return in;
    }

    private void checkRange(int from, int to) {
        if (from < 0 || to > labels.length || from > to) {
            throw new IndexOutOfBoundsException("images [" + from + ", " + to + ") not within [0, " + labels.length
                    + ")");
        }
    }
}
