package org.powerquant.quant;

/** How weights are rounded to their grid once the grid is chosen. */
public enum WeightRounding {
    /** Each weight to its nearest level, independently (the default). */
    NEAREST,
    /**
     * SQuant-style error-aware rounding ({@link ErrorAwareRounding}): some weights take the level
     * on their other side so that each kernel's and each channel's summed rounding error is small.
     */
    ERROR_AWARE
}
