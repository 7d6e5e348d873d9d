package org.powerquant.quant;

import java.util.Objects;
import org.powerquant.Role;

/**
 * The grid of one per-tensor activation quantizer and what it is expected to cost.
 *
 * <p>A value {@code y} is quantized as {@code x = clip(y - lower, 0, range)}, {@code k = round(N (x
 * / range)^a)} with {@code N = 2^bits - 1}, and reconstructed as {@code lower + (k / N)^(1/a)
 * range}: an unsigned {@link PowerQuantizer} on the shifted, clipped value. ReLU outputs have
 * {@code lower = 0}; a signed tensor such as a normalised image input uses a negative {@code
 * lower}.
 *
 * <p>The code is chosen by the grid's {@link CodeRounding}: {@link CodeRounding#POWER_DOMAIN} (the
 * paper's {@code round(N x^a)}, the default) or {@link CodeRounding#NEAREST_LEVEL} (the level
 * nearest to {@code x}); the two agree for uniform grids. Searches choose the range and exponent
 * for the rounding the grid will be applied with.
 *
 * @param bits the bit width, 2 to 8
 * @param exponent the exponent {@code a} (1 for uniform)
 * @param lower the smallest representable value (0 after a ReLU)
 * @param range the clipping range {@code c > 0}: the largest representable value is {@code lower +
 *     range}
 * @param expectedError the expected squared error per element of this grid under the calibration's
 *     model of the tensor (or the empirical mean squared error on calibration data)
 * @param uniformExpectedError the same for the uniform grid ({@code a = 1}) with its own best range
 * @param rounding how a value is rounded to its code
 */
public record ActivationGrid(
        int bits,
        double exponent,
        double lower,
        double range,
        double expectedError,
        double uniformExpectedError,
        CodeRounding rounding) {

    /**
     * Validates the grid.
     *
     * @throws IllegalArgumentException if the bits, exponent or range are out of bounds
     * @throws NullPointerException if the rounding is null
     */
    public ActivationGrid {
        Objects.requireNonNull(rounding, "activation rounding");
        BitWidth.check(bits, Role.ACTIVATION_BITS);
        if (!(exponent > 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException(
                    "activation exponent must be positive, got " + exponent);
        }
        if (!(range > 0) || Double.isInfinite(range) || Double.isNaN(lower)) {
            throw new IllegalArgumentException(
                    "activation range must be positive and finite, got " + range);
        }
    }

    /**
     * A grid rounded in the power domain, as in the paper ({@link CodeRounding#POWER_DOMAIN}).
     *
     * @param bits the bit width, 2 to 8
     * @param exponent the exponent {@code a}
     * @param lower the smallest representable value
     * @param range the clipping range
     * @param expectedError the expected squared error per element
     * @param uniformExpectedError the same for the uniform grid
     */
    public ActivationGrid(
            int bits,
            double exponent,
            double lower,
            double range,
            double expectedError,
            double uniformExpectedError) {
        this(
                bits,
                exponent,
                lower,
                range,
                expectedError,
                uniformExpectedError,
                CodeRounding.POWER_DOMAIN);
    }

    /**
     * Returns the unsigned quantizer of this grid (codes in {@code [0, 2^bits - 1]}), with its
     * rounding.
     *
     * @return the unsigned quantizer of this grid (codes in {@code [0, 2^bits - 1]}), with its
     *     rounding
     */
    public PowerQuantizer quantizer() {
        return PowerQuantizer.unsigned(bits, exponent).withRounding(rounding);
    }
}
