package org.powerquant.calibrate;

import java.util.Locale;

/**
 * Something a user of a calibration should be told, as data: the kind, the calibration images'
 * description and the image counts. {@link #message()} words it without naming any flag; the
 * command line words it its own way.
 *
 * @param kind what happened
 * @param images the calibration images' description
 * @param requested how many images were asked for
 * @param available how many the data set holds
 * @param used how many were used
 */
public record CalibrationWarning(Kind kind, String images, int requested, int available, int used) {

    /** The kinds of calibration warning. */
    public enum Kind {
        /** Activation ranges were fitted on real images: the result is not data-free. */
        NOT_DATA_FREE,
        /** Fewer calibration images were available than asked for; all of them were used. */
        FEWER_IMAGES
    }

    /**
     * Returns the warning in words, naming roles, never flags.
     *
     * @return the warning in words, naming roles, never flags
     */
    public String message() {
        if (kind == Kind.FEWER_IMAGES) {
            return String.format(
                    Locale.ROOT,
                    "asked for %d calibration images but %s holds %d: using %d",
                    requested,
                    images,
                    available,
                    used);
        }
        return String.format(
                Locale.ROOT,
                "activation ranges calibrated on %d real images of %s: the result is no longer"
                        + " data-free (weights are)",
                used,
                images);
    }
}
