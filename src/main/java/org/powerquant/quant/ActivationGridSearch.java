package org.powerquant.quant;

import java.util.function.DoubleUnaryOperator;

/**
 * Finds the clipping range and exponent of an unsigned activation quantizer that minimise the
 * expected squared error under a {@link NormalMixture}, deterministically.
 *
 * <p>For a given exponent the best range is found by a {@link ScanThenBrent} on the range's
 * logarithm: a scan of {@value #RANGE_SCAN_POINTS} log-spaced ranges in {@code [upper · 1e-2,
 * upper]} ({@code upper} the mixture's {@link NormalMixture#upperExtent() upper extent}), then
 * Commons Math's Brent between the neighbours of the best (the error in the range is smooth but not
 * always unimodal when a few narrow components dominate). The exponent is then searched with {@link
 * ExponentSearch} (the same scan then Brent) on the function "exponent → error at its best range".
 * The uniform baseline ({@code a = 1} with its own best range) is always computed and reported.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ActivationGridSearch {

    /** Number of log-spaced ranges scanned before Brent's refinement. */
    public static final int RANGE_SCAN_POINTS = 8;

    /** Ratio of the smallest to the largest range scanned. */
    public static final double RANGE_SPAN = 1e-2;

    /**
     * The range search, on the logarithm of the range: {@value #RANGE_SCAN_POINTS} points, then
     * Brent to a relative {@code 1e-6}.
     */
    private static final ScanThenBrent RANGE_MINIMIZER =
            ScanThenBrent.builder().scanPoints(RANGE_SCAN_POINTS).tolerance(1e-6).build();

    private final ExponentSearch exponentSearch;

    /**
     * Creates a search over exponents with the given exponent search.
     *
     * @param exponentSearch the exponent search (bounds and tolerance)
     */
    public ActivationGridSearch(ExponentSearch exponentSearch) {
        this.exponentSearch = exponentSearch;
    }

    /**
     * The default search: exponents in {@code [0.2, 1.5]} to {@code 1e-3}, scanned at 8 points
     * (step 0.19), then at step 0.1 between the best one's neighbours, then refined by Brent (the
     * expected error is smooth in the exponent, so no fine scan against rounding noise is needed).
     *
     * @return the default search
     */
    public static ActivationGridSearch defaults() {
        return new ActivationGridSearch(
                ExponentSearch.builder().scanPoints(8).basinStep(0.1).basinMargin(0).build());
    }

    /**
     * Returns the exponent search.
     *
     * @return the exponent search
     */
    public ExponentSearch exponentSearch() {
        return exponentSearch;
    }

    /**
     * Finds the best grid for a non-negative tensor (lower bound 0).
     *
     * @param mixture the model of the tensor
     * @param bits the bit width, 2 to 8
     * @param method {@link QuantizationMethod#POWER} to search the exponent, {@link
     *     QuantizationMethod#UNIFORM} for {@code a = 1}
     * @return the grid, its expected error and uniform's
     */
    public ActivationGrid search(NormalMixture mixture, int bits, QuantizationMethod method) {
        return search(mixture, bits, method, Double.POSITIVE_INFINITY);
    }

    /**
     * Finds the best grid for a non-negative tensor whose values never exceed {@code maxValue}
     * (e.g. 6 for a ReLU6 output): no range above it is considered.
     *
     * @param mixture the model of the tensor
     * @param bits the bit width, 2 to 8
     * @param method {@link QuantizationMethod#POWER} or {@link QuantizationMethod#UNIFORM}
     * @param maxValue the largest value the tensor takes, positive ({@code +∞} if unbounded)
     * @return the grid, its range at most {@code maxValue}, its expected error and uniform's
     */
    public ActivationGrid search(
            NormalMixture mixture, int bits, QuantizationMethod method, double maxValue) {
        return search(mixture, bits, method, maxValue, CodeRounding.POWER_DOMAIN);
    }

    /**
     * Finds the best grid for a non-negative tensor whose values never exceed {@code maxValue}, for
     * a given rounding: the range and exponent are chosen for the codes that rounding gives.
     *
     * @param mixture the model of the tensor
     * @param bits the bit width, 2 to 8
     * @param method {@link QuantizationMethod#POWER} or {@link QuantizationMethod#UNIFORM}
     * @param maxValue the largest value the tensor takes, positive ({@code +∞} if unbounded)
     * @param rounding how values will be rounded to their codes; the grid carries it
     * @return the grid, its range at most {@code maxValue}, its expected error and uniform's
     */
    public ActivationGrid search(
            NormalMixture mixture,
            int bits,
            QuantizationMethod method,
            double maxValue,
            CodeRounding rounding) {
        PowerQuantizer uniformGrid = PowerQuantizer.unsigned(bits, 1.0).withRounding(rounding);
        double upper = Math.min(mixture.upperExtent(), maxValue);
        if (!(upper > 0)) {
            // A tensor that is zero with certainty: any range reconstructs it exactly.
            return new ActivationGrid(bits, 1.0, 0, 1.0, 0, 0, rounding);
        }
        RangeResult uniform = bestRange(mixture, uniformGrid, upper);
        if (method == QuantizationMethod.UNIFORM) {
            return new ActivationGrid(
                    bits, 1.0, 0, uniform.range, uniform.error, uniform.error, rounding);
        }
        ExponentSearch.Result best =
                exponentSearch.minimize(
                        a ->
                                a == 1.0
                                        ? uniform.error
                                        : bestRange(mixture, uniformGrid.withExponent(a), upper)
                                                .error);
        if (best.exponent() == 1.0) {
            return new ActivationGrid(
                    bits, 1.0, 0, uniform.range, uniform.error, uniform.error, rounding);
        }
        RangeResult power = bestRange(mixture, uniformGrid.withExponent(best.exponent()), upper);
        return new ActivationGrid(
                bits, best.exponent(), 0, power.range, power.error, uniform.error, rounding);
    }

    /**
     * Finds the best uniform grid symmetric about zero ({@code lower = −range/2}) for a signed
     * tensor such as a normalised image.
     *
     * @param mixture the (not rectified) model of the tensor
     * @param bits the bit width
     * @return the grid, exponent 1
     */
    public ActivationGrid searchSymmetric(NormalMixture mixture, int bits) {
        return searchSymmetric(mixture, bits, CodeRounding.POWER_DOMAIN);
    }

    /**
     * Finds the best uniform grid symmetric about zero for a signed tensor, carrying a rounding
     * (which, the exponent being 1, gives the same codes either way).
     *
     * @param mixture the (not rectified) model of the tensor
     * @param bits the bit width
     * @param rounding the rounding the grid carries
     * @return the grid, exponent 1
     */
    public ActivationGrid searchSymmetric(NormalMixture mixture, int bits, CodeRounding rounding) {
        PowerQuantizer grid = PowerQuantizer.unsigned(bits, 1.0).withRounding(rounding);
        double upper = 0;
        double[] m = mixture.means();
        double[] s = mixture.stds();
        for (int i = 0; i < m.length; i++) {
            upper = Math.max(upper, Math.abs(m[i]) + NormalMixture.CUTOFF * s[i]);
        }
        double extent = Math.max(2 * upper, Double.MIN_NORMAL);
        RangeResult r =
                bestRange(c -> mixture.shifted(-c / 2).expectedSquaredError(grid, c), extent);
        return new ActivationGrid(bits, 1.0, -r.range / 2, r.range, r.error, r.error, rounding);
    }

    /**
     * The best range for one grid, with its error.
     *
     * @param mixture the model
     * @param grid the unsigned quantizer
     * @param upper the largest range considered
     * @return the best range and its expected error
     */
    public RangeResult bestRange(NormalMixture mixture, PowerQuantizer grid, double upper) {
        return bestRange(c -> mixture.expectedSquaredError(grid, c), upper);
    }

    private static RangeResult bestRange(DoubleUnaryOperator error, double upper) {
        double logUpper = Math.log(upper);
        ScanThenBrent.Minimum best =
                RANGE_MINIMIZER.minimize(
                        t -> error.applyAsDouble(Math.exp(t)),
                        logUpper + Math.log(RANGE_SPAN),
                        logUpper);
        return new RangeResult(Math.exp(best.point()), best.value());
    }

    /**
     * A range and its expected squared error.
     *
     * @param range the clipping range
     * @param error the expected squared error per element
     */
    public record RangeResult(double range, double error) {}
}
