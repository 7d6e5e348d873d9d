package org.powerquant.calibrate;

import java.util.Locale;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/** How activation grids are found; see {@link ActivationCalibration}. */
public enum CalibrationMode {
    /**
     * Data-free: images distilled from the batch-norm statistics ({@link SyntheticCalibration}).
     */
    SYNTHETIC(SyntheticCalibration.MODE),
    /** Data-free and analytic: the batch-norm model ({@link BatchNormModel}). */
    BN_MODEL("bn-model"),
    /** Real images ({@link DataCalibration}); no longer data-free. */
    DATA(DataCalibration.MODE);

    private final String label;

    CalibrationMode(String label) {
        this.label = label;
    }

    /**
     * Returns the label as reports write it: {@code synthetic}, {@code bn-model} or {@code data}.
     *
     * @return the label as reports write it: {@code synthetic}, {@code bn-model} or {@code data}
     */
    public String label() {
        return label;
    }

    /**
     * The default of an activation bit width: synthetic at every width (see the README, "Accuracy
     * options", on why 8 bits too).
     *
     * @param activationBits 2 to 8
     * @return the default mode
     */
    public static CalibrationMode defaultFor(int activationBits) {
        return SYNTHETIC;
    }

    /**
     * Parses a label.
     *
     * @param text {@code synthetic}, {@code bn-model} or {@code data} (any case)
     * @return the mode
     * @throws InvalidInputException for {@link Role#CALIBRATION_MODE} if it is none of them
     */
    public static CalibrationMode parse(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (CalibrationMode mode : values()) {
            if (mode.label.equals(s)) {
                return mode;
            }
        }
        throw new InvalidInputException(
                Role.CALIBRATION_MODE, "must be synthetic, bn-model or data, got '" + text + "'");
    }

    @Override
    public String toString() {
        return label;
    }
}
