package org.powerquant.data;

import java.io.IOException;
import java.util.List;

/**
 * A finite, ordered collection of labelled images, read lazily one image at a time.
 *
 * <p>Implementations must allow {@link #image(int)} to be called from a thread other than the one
 * that opened the data set (the evaluator decodes on a producer thread).
 */
public interface LabelledImageDataset {

    /**
     * Returns the number of images.
     *
     * @return the number of images, at least 1
     */
    int size();

    /**
     * Returns the class names in class-index order; the number of classes is their count.
     *
     * @return the class names
     */
    List<String> classNames();

    /**
     * Returns the class index of an image.
     *
     * @param index the image index, in [0, size)
     * @return the class index, in [0, classNames().size())
     */
    int label(int index);

    /**
     * Decodes an image.
     *
     * @param index the image index, in [0, size)
     * @return the pixels in [0, 1]
     * @throws IOException when the image cannot be read or decoded, saying why (the image is named
     *     by {@link #describe(int)}, which callers put before the reason)
     */
    DecodedImage image(int index) throws IOException;

    /**
     * Names an image for messages: its file, or the IDX file and record number.
     *
     * @param index the image index
     * @return a human-readable name of the image
     */
    String describe(int index);

    /**
     * Describes the data set for reports, e.g. {@code imagenet:/data/val}.
     *
     * @return a short description naming the data set's location
     */
    String description();
}
