package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.powerquant.calibrate.CalibrationWarning;
import org.powerquant.data.SkippedImage;

/** Typed warnings become lines naming flags and files. */
class WarningsTest {

    @Test
    void skippedImagesAreNamedTheFirstFewOfThem() {
        List<SkippedImage> skipped = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            skipped.add(new SkippedImage("a/" + i + ".jpg", "not an image"));
            String line = Warnings.skipped(skipped);
            assertTrue(line.startsWith((i + 1) + " unreadable images skipped: a/0.jpg"), line);
            for (int k = 0; k <= Math.min(i, Warnings.NAMED_SKIPS - 1); k++) {
                assertTrue(line.contains("a/" + k + ".jpg"), line);
            }
            assertEquals(i >= Warnings.NAMED_SKIPS, line.endsWith(", ..."), line);
        }
    }

    @Test
    void calibrationWarningsNameTheirFlags() {
        CalibrationWarning fewer =
                new CalibrationWarning(CalibrationWarning.Kind.FEWER_IMAGES, "cal.idx", 256, 5, 5);
        assertTrue(Warnings.message(fewer).startsWith("--calibration-images"));
        assertTrue(!fewer.message().contains("--"), fewer.message());
        CalibrationWarning real =
                new CalibrationWarning(CalibrationWarning.Kind.NOT_DATA_FREE, "cal.idx", 256, 5, 5);
        assertTrue(Warnings.message(real).contains("--calibration cal.idx"));
        assertTrue(Warnings.message(real).contains("not data-free"));
    }
}
