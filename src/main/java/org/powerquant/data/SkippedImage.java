package org.powerquant.data;

import java.util.Objects;

/** An image left out of an evaluation because it could not be read or decoded. */
public final class SkippedImage {

    private final String image;
    private final String reason;

    /**
     * Records a skipped image.
     *
     * @param image the image's name (usually its path)
     * @param reason why it was skipped, one line
     */
    public SkippedImage(String image, String reason) {
        this.image = Objects.requireNonNull(image, "image");
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Returns the image's name.
     *
     * @return the image's path or record name
     */
    public String image() {
        return image;
    }

    /**
     * Returns why the image was skipped.
     *
     * @return a one-line reason
     */
    public String reason() {
        return reason;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return image + ": " + reason;
    }
}
