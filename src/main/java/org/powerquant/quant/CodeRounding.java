package org.powerquant.quant;

/**
 * Where a {@link PowerQuantizer} rounds a magnitude to its code.
 *
 * <p>The two agree for the uniform grid ({@code a = 1}). For {@code a != 1} the power domain's
 * rounding threshold {@code ((k + 1/2) / N)^(1/a)} is not the midpoint of the two levels it
 * separates: with {@code a < 1} (the usual PowerQuant exponent) it lies below the midpoint, so
 * magnitudes between them are rounded up more often than down and the layer's weights grow on
 * average. At 3 bits, where the levels are few and far apart, that systematic growth compounds
 * through the network.
 */
public enum CodeRounding {
    /** {@code k = round(N x^a)}: rounding in the power domain, as in the PowerQuant paper. */
    POWER_DOMAIN,
    /**
     * The code of the nearest level {@code (k / N)^(1/a)} in magnitude units (ties to the larger):
     * rounding thresholds at the midpoints of the levels, so that the error of each weight is the
     * smallest the grid allows.
     */
    NEAREST_LEVEL;

    /**
     * Returns the rounding's label in files and on the command line: {@code power-domain} or {@code
     * nearest-level}.
     *
     * @return the rounding's label in files and on the command line: {@code power-domain} or {@code
     *     nearest-level}
     */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses a label.
     *
     * @param label {@code power-domain} or {@code nearest-level} (any case, surrounding blanks
     *     ignored)
     * @return the rounding
     * @throws IllegalArgumentException if the label is neither
     */
    public static CodeRounding parse(String label) {
        String s = label == null ? "" : label.trim();
        for (CodeRounding r : values()) {
            if (r.label().equalsIgnoreCase(s)) {
                return r;
            }
        }
        throw new IllegalArgumentException(
                "unknown rounding '" + label + "': expected power-domain or nearest-level");
    }
}
