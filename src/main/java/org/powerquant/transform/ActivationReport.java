package org.powerquant.transform;

import java.util.Objects;
import org.powerquant.quant.CodeRounding;

/**
 * One activation quantizer in a {@link QuantizationReport}.
 *
 * @param name the site's name (a ReLU's dotted name, {@code fc.input} or {@code input})
 * @param bits the bit width
 * @param lower the smallest representable value (0 after a ReLU)
 * @param range the clipping range (largest representable value minus {@code lower})
 * @param exponent the exponent ({@code 1} for uniform)
 * @param expectedError the expected squared error per element under the calibration's model
 * @param uniformExpectedError the same for a uniform grid with its own best range
 * @param mode how the grid was found ({@code bn-model}, {@code synthetic}, {@code data})
 * @param rounding how activations are rounded to the grid's codes
 */
public record ActivationReport(
        String name,
        int bits,
        double lower,
        double range,
        double exponent,
        double expectedError,
        double uniformExpectedError,
        String mode,
        CodeRounding rounding) {

    /**
     * Validates the row.
     *
     * @throws NullPointerException if the rounding is null
     */
    public ActivationReport {
        Objects.requireNonNull(rounding, "rounding");
    }
}
