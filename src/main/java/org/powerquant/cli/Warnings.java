package org.powerquant.cli;

import java.util.List;
import java.util.Locale;
import org.powerquant.calibrate.CalibrationWarning;
import org.powerquant.data.SkippedImage;

/** The library's typed warnings, worded with the command line's flags. */
final class Warnings {

    /** How many skipped images are named. */
    static final int NAMED_SKIPS = 3;

    private Warnings() {}

    static String message(CalibrationWarning w) {
        switch (w.kind()) {
            case FEWER_IMAGES:
                return String.format(
                        Locale.ROOT,
                        "--calibration-images: asked for %d but %s holds %d images; using %d",
                        w.requested(),
                        w.images(),
                        w.available(),
                        w.used());
            case NOT_DATA_FREE:
            default:
                return String.format(
                        Locale.ROOT,
                        "activation ranges were calibrated on %d real images from --calibration %s:"
                                + " this result is not data-free (weights are)",
                        w.used(),
                        w.images());
        }
    }

    /**
     * Returns e.g. "2 unreadable images skipped: a.png (reason), b.png (reason)".
     *
     * @return e.g. "2 unreadable images skipped: a.png (reason), b.png (reason)"
     */
    static String skipped(List<SkippedImage> skipped) {
        StringBuilder sb = new StringBuilder(skipped.size() + " unreadable images skipped: ");
        for (int i = 0; i < Math.min(NAMED_SKIPS, skipped.size()); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(skipped.get(i));
        }
        if (skipped.size() > NAMED_SKIPS) {
            sb.append(", ...");
        }
        return sb.toString();
    }
}
