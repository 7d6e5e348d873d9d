package org.powerquant.quant;

/** How weights are rounded to their grid once the grid is chosen. */
public enum WeightRounding {
    /**
     * Each weight independently to {@code round(N (|w|/s)^a)}, the PowerQuant paper's rounding in
     * the power domain (the default; {@link CodeRounding#POWER_DOMAIN}).
     */
    NEAREST,
    /**
     * Each weight independently to the nearest level in weight units ({@link
     * CodeRounding#NEAREST_LEVEL}); the exponent is searched under this rounding. Identical to
     * {@link #NEAREST} for uniform grids.
     */
    NEAREST_LEVEL,
    /**
     * SQuant-style error-aware rounding ({@link ErrorAwareRounding}): some weights take the level
     * on their other side so that each kernel's and each channel's summed rounding error is small.
     * Under {@link QuantizationMethod#POWER} a layer keeps its searched exponent only if, both
     * rounded this way, its grid's {@link ErrorAwareRounding#kernelError} is no larger than that of
     * {@code a = 1}; otherwise the layer gets {@code a = 1}.
     */
    ERROR_AWARE;

    /**
     * Returns how this rounding chooses the codes the exponent search evaluates.
     *
     * @return how this rounding chooses the codes the exponent search evaluates
     */
    public CodeRounding codeRounding() {
        return this == NEAREST_LEVEL ? CodeRounding.NEAREST_LEVEL : CodeRounding.POWER_DOMAIN;
    }
}
