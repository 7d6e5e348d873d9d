package org.powerquant.calibrate;

/**
 * Preprocessed images for calibration, readable by index: each image is a float array in the
 * network's input layout (channels, height, width), already scaled and normalised as the network
 * expects.
 */
public interface CalibrationImages {

    /**
     * Returns how many images there are.
     *
     * @return how many images there are
     */
    int size();

    /**
     * Returns the shape of one image: {@code {channels, height, width}}.
     *
     * @return the shape of one image: {@code {channels, height, width}}
     */
    int[] imageShape();

    /**
     * Reads one preprocessed image.
     *
     * @param index from 0 to {@code size() - 1}
     * @return the image, row-major in {@link #imageShape()}
     */
    float[] image(int index);

    /**
     * Returns a short description for reports and messages (e.g. the file it reads).
     *
     * @return a short description for reports and messages (e.g. the file it reads)
     */
    String description();
}
