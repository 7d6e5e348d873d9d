package org.powerquant.quant;

import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * Searches a weight tensor's clipping ratio jointly with its exponent: each channel's range becomes
 * {@code s = c * max|w|} with {@code c <= 1}, and {@code (a, c)} minimise the exact squared error
 * ({@link SortedMagnitudes#squaredError(PowerQuantizer, double)}).
 *
 * <p>Lloyd-Max theory says that at low bit widths a grid pinned at the largest weight wastes its
 * levels on a few outliers, while a clipped grid trades a small error on those for a finer grid
 * everywhere else. For every exponent the best clip is found by a geometric scan of {@code
 * [minClip, 1]} then Commons Math's Brent; the exponent is searched over "exponent -> error at its
 * best clip" by the {@link ExponentSearch}. The unclipped search ({@code c = 1}) is run too and the
 * better of the two kept, so clipping is never worse than the plain exponent search.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClippingSearch {

    /** Default smallest clipping ratio searched. */
    public static final double DEFAULT_MIN_CLIP = 0.3;

    private static final int SCAN_POINTS = 16;

    private final ExponentSearch exponentSearch;
    private final double minClip;

    /**
     * Creates the search.
     *
     * @param exponentSearch the exponent search wrapped around the clip search
     * @param minClip the smallest clipping ratio, in {@code (0, 1]}
     */
    public ClippingSearch(ExponentSearch exponentSearch, double minClip) {
        if (!(minClip > 0 && minClip <= 1)) {
            throw new IllegalArgumentException(
                    "smallest clipping ratio must be in (0, 1], got " + minClip);
        }
        this.exponentSearch = exponentSearch;
        this.minClip = minClip;
    }

    /**
     * Returns the smallest clipping ratio searched.
     *
     * @return the smallest clipping ratio searched
     */
    public double minClip() {
        return minClip;
    }

    /**
     * Finds the best exponent and clip of a tensor.
     *
     * @param magnitudes the tensor's sorted magnitudes
     * @param bits the bit width
     * @param method PowerQuant (exponent and clip searched) or uniform (clip only, {@code a = 1})
     * @return the best grid with its exact error, and the uniform grid's error at its own best clip
     */
    public Result minimize(SortedMagnitudes magnitudes, int bits, QuantizationMethod method) {
        return minimize(magnitudes, PowerQuantizer.signed(bits, 1.0), method);
    }

    /**
     * Finds the best exponent and clip of a tensor on a given grid family.
     *
     * @param magnitudes the tensor's sorted magnitudes
     * @param base the grid at {@code a = 1} (its width, sign convention and code rounding are kept)
     * @param method PowerQuant (exponent and clip searched) or uniform (clip only, {@code a = 1})
     * @return the best grid with its exact error, and the uniform grid's error at its own best clip
     */
    public Result minimize(
            SortedMagnitudes magnitudes, PowerQuantizer base, QuantizationMethod method) {
        PowerQuantizer grid = base.withExponent(1.0);
        double[] uniformClip = bestClip(magnitudes, grid);
        if (method == QuantizationMethod.UNIFORM) {
            return new Result(1.0, uniformClip[0], uniformClip[1], uniformClip[1]);
        }
        ExponentSearch.Result clipped =
                exponentSearch.minimize(a -> bestClip(magnitudes, grid.withExponent(a))[1]);
        double[] atBest = bestClip(magnitudes, grid.withExponent(clipped.exponent()));
        ExponentSearch.Result unclipped = exponentSearch.minimize(magnitudes, grid);
        Result best = new Result(clipped.exponent(), atBest[0], atBest[1], uniformClip[1]);
        if (unclipped.error() <= best.error()) {
            best = new Result(unclipped.exponent(), 1.0, unclipped.error(), uniformClip[1]);
        }
        if (uniformClip[1] < best.error()) {
            best = new Result(1.0, uniformClip[0], uniformClip[1], uniformClip[1]);
        }
        return best;
    }

    /** The best clip for one grid: {@code {clip, error}}. */
    private double[] bestClip(SortedMagnitudes magnitudes, PowerQuantizer grid) {
        double bestClip = 1.0;
        double bestError = magnitudes.squaredError(grid, 1.0);
        double ratio = Math.pow(minClip, 1.0 / (SCAN_POINTS - 1));
        int bestIndex = 0;
        for (int i = 1; i < SCAN_POINTS; i++) {
            double c = Math.pow(ratio, i);
            double e = magnitudes.squaredError(grid, c);
            if (e < bestError) {
                bestError = e;
                bestClip = c;
                bestIndex = i;
            }
        }
        double hi = Math.min(1.0, Math.pow(ratio, bestIndex - 1));
        double lo = Math.max(minClip, Math.pow(ratio, bestIndex + 1));
        if (hi - lo > 1e-4) {
            BrentOptimizer brent = new BrentOptimizer(1e-6, 1e-5);
            UnivariatePointValuePair refined =
                    brent.optimize(
                            new MaxEval(200),
                            new UnivariateObjectiveFunction(c -> magnitudes.squaredError(grid, c)),
                            GoalType.MINIMIZE,
                            new SearchInterval(lo, hi, Math.min(hi, Math.max(lo, bestClip))));
            if (refined.getValue() < bestError) {
                bestError = refined.getValue();
                bestClip = refined.getPoint();
            }
        }
        return new double[] {bestClip, bestError};
    }

    /**
     * The outcome of a search.
     *
     * @param exponent the best exponent
     * @param clip the best clipping ratio, {@code <= 1}
     * @param error the exact squared error of that grid
     * @param uniformError the exact squared error of the uniform grid at its own best clip
     */
    public record Result(double exponent, double clip, double error, double uniformError) {}
}
