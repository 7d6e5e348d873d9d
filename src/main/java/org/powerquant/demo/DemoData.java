package org.powerquant.demo;

import java.io.IOException;
import java.io.InputStream;
import org.powerquant.data.IdxDataset;

/**
 * The Fashion-MNIST test set bundled in the jar: 10,000 grey-scale 28x28 images with labels 0-9
 * (Zalando Research, MIT licence; the files of Debian's {@code dataset-fashion-mnist} package,
 * unchanged).
 *
 * <p>{@link #testSet()} reads it as an {@link IdxDataset}; {@link #openTestImages()} and {@link
 * #openTestLabels()} give the raw gzip-compressed IDX streams.
 */
public final class DemoData {

    /** Classpath location of the gzip-compressed IDX test images. */
    public static final String TEST_IMAGES_RESOURCE =
            "/org/powerquant/demo/t10k-images-idx3-ubyte.gz";

    /** Classpath location of the gzip-compressed IDX test labels. */
    public static final String TEST_LABELS_RESOURCE =
            "/org/powerquant/demo/t10k-labels-idx1-ubyte.gz";

    private DemoData() {}

    /**
     * Reads the bundled test set; error messages name the resource at fault.
     *
     * @return the 10,000 test images and labels
     * @throws IOException if a bundled resource cannot be read
     * @throws IllegalStateException if a resource is missing from the classpath
     * @throws IllegalArgumentException if a resource is not a valid IDX file
     */
    public static IdxDataset testSet() throws IOException {
        try (InputStream images = openTestImages();
                InputStream labels = openTestLabels()) {
            return IdxDataset.read(images, TEST_IMAGES_RESOURCE, labels, TEST_LABELS_RESOURCE);
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

    private static InputStream open(String resource) {
        InputStream in = DemoData.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(
                    resource + ": bundled demo resource missing from the classpath");
        }
        return in;
    }
}
