package org.powerquant.quant;

import java.util.function.DoubleUnaryOperator;

/**
 * Finds the exponent {@code a} that minimises a reconstruction error, never doing worse than
 * uniform ({@code a = 1}).
 *
 * <p>The error of a power quantizer as a function of {@code a} is locally convex but, being a sum
 * of rounded terms, not smooth: every weight that crosses a rounding boundary makes it jump, and at
 * 8 bits on a layer of 70,000 weights these jumps are about 1 % of the error, enough to trap a pure
 * golden-section search in a dent a few hundredths away from the best exponent. The search is
 * therefore a {@link ScanThenBrent}, each evaluation cheap ({@code O(levels * log n)}, {@link
 * SortedMagnitudes}):
 *
 * <ol>
 *   <li>a scan of the interval at step {@link #SCAN_STEP 0.05} (27 points on {@code [0.2, 1.5]}, 17
 *       on the weights' {@code [0.2, 1]}, the same exponents; or {@link Builder#scanPoints(int) a
 *       set number of points}) brackets the basin;
 *   <li>a scan of the basin at {@link Builder#basinStep(double) step 0.001}: the scan points whose
 *       error is within {@link Builder#basinMargin(double) the basin margin} (25 % by default) of
 *       the best, and one step beyond on either side, so that a dent anywhere in a flat basin is
 *       found;
 *   <li>Commons Math's {@link org.apache.commons.math3.optim.univariate.BrentOptimizer} refines the
 *       best basin point between its neighbours to the requested absolute tolerance.
 * </ol>
 *
 * <p>The scans' steps do not depend on the tolerance: a tighter tolerance costs a few more Brent
 * evaluations (their number grows like {@code log(1 / tolerance)}), not a finer scan. The best of
 * these points and of {@code a = 1} is returned, so the result is never worse than uniform.
 *
 * <p>Instances are immutable and thread-safe; build them with {@link #builder()}.
 */
public final class ExponentSearch {

    /** Default lower bound of the exponent. */
    public static final double DEFAULT_LOWER = 0.2;

    /** Default upper bound of the exponent (of an activation grid's search, for instance). */
    public static final double DEFAULT_UPPER = 1.5;

    /**
     * Default upper bound of a weight tensor's exponent: 1, so that a power grid is only ever finer
     * than uniform near zero, as bell-shaped weights need. A layer whose error is least above 1 is
     * not bell-shaped; it has been seen only in small layers (72 to 1,296 weights), where that
     * minimum lowered the error by a few percent and cost accuracy, up to 8 points. Such a layer
     * gets the best exponent of {@code [lower, 1]}: often 1 (uniform), or a second, lower dip of
     * its error below 1, which so small a layer can have. The first scan's exponents are those of
     * {@code [0.2, 1.5]} below 1, so a layer whose best exponent is below 1 gets the same one as
     * with the wider bounds.
     */
    public static final double WEIGHT_UPPER = 1.0;

    /** Step of the first scan unless {@link Builder#scanPoints} sets its number of points. */
    public static final double SCAN_STEP = 0.05;

    /** Default absolute tolerance on the exponent. */
    public static final double DEFAULT_TOLERANCE = 1e-3;

    private final double lower;
    private final double upper;
    private final ScanThenBrent minimizer;

    private ExponentSearch(Builder builder) {
        lower = builder.lower;
        upper = builder.upper;
        minimizer = builder.minimizer.build();
    }

    /**
     * Returns a builder with the defaults: {@code [0.2, 1.5]}, tolerance {@code 1e-3}.
     *
     * @return a builder with the defaults: {@code [0.2, 1.5]}, tolerance {@code 1e-3}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the lower bound.
     *
     * @return the lower bound
     */
    public double lower() {
        return lower;
    }

    /**
     * Returns the upper bound.
     *
     * @return the upper bound
     */
    public double upper() {
        return upper;
    }

    /**
     * Returns the absolute tolerance on the exponent.
     *
     * @return the absolute tolerance on the exponent
     */
    public double tolerance() {
        return minimizer.tolerance();
    }

    /**
     * Minimises an error over the exponent.
     *
     * @param error the error as a function of the exponent; must be finite on {@code [lower,
     *     upper]} and at 1
     * @return the best exponent with its error and the uniform error
     */
    public Result minimize(DoubleUnaryOperator error) {
        double uniform = error.applyAsDouble(1.0);
        ScanThenBrent.Minimum best = minimizer.minimize(error, lower, upper);
        return best.value() < uniform
                ? new Result(best.point(), best.value(), uniform)
                : new Result(1.0, uniform, uniform);
    }

    /**
     * Finds the best exponent for a weight tensor.
     *
     * @param magnitudes the tensor's sorted magnitudes
     * @param bits the bit width
     * @return the best exponent with the exact squared errors
     */
    public Result minimize(SortedMagnitudes magnitudes, int bits) {
        return minimize(magnitudes, PowerQuantizer.signed(bits, 1.0));
    }

    /**
     * Finds the best exponent for a weight tensor on a given grid family.
     *
     * @param magnitudes the tensor's sorted magnitudes
     * @param grid the grid whose exponent is searched (its width, sign convention and code rounding
     *     are kept)
     * @return the best exponent with the exact squared errors
     */
    public Result minimize(SortedMagnitudes magnitudes, PowerQuantizer grid) {
        return minimize(a -> magnitudes.squaredError(grid.withExponent(a)));
    }

    /**
     * The outcome of a search.
     *
     * @param exponent the best exponent found
     * @param error its error
     * @param uniformError the error at {@code a = 1}
     */
    public record Result(double exponent, double error, double uniformError) {}

    /** Options of an {@link ExponentSearch}. */
    public static final class Builder {
        private double lower = DEFAULT_LOWER;
        private double upper = DEFAULT_UPPER;
        private int scanPoints;
        private final ScanThenBrent.Builder minimizer =
                ScanThenBrent.builder()
                        .basinStep(0.001)
                        .basinMargin(0.25)
                        .tolerance(DEFAULT_TOLERANCE);

        private Builder() {}

        /**
         * Sets the interval searched.
         *
         * @param lowerBound the smallest exponent, {@code > 0}
         * @param upperBound the largest exponent, {@code > lowerBound}
         * @return this builder
         */
        public Builder bounds(double lowerBound, double upperBound) {
            if (!(lowerBound > 0) || !(upperBound > lowerBound) || Double.isInfinite(upperBound)) {
                throw new IllegalArgumentException(
                        "exponent bounds must satisfy 0 < lower < upper < infinity, got ["
                                + lowerBound
                                + ", "
                                + upperBound
                                + "]");
            }
            this.lower = lowerBound;
            this.upper = upperBound;
            return this;
        }

        /**
         * Sets the absolute tolerance on the exponent.
         *
         * @param absoluteTolerance the tolerance, {@code > 0}
         * @return this builder
         */
        public Builder tolerance(double absoluteTolerance) {
            minimizer.tolerance(absoluteTolerance);
            return this;
        }

        /**
         * Sets how many evenly spaced exponents the first scan evaluates (by default as many as a
         * step of {@link #SCAN_STEP} takes across the bounds, at least 3).
         *
         * @param points at least 3
         * @return this builder
         */
        public Builder scanPoints(int points) {
            minimizer.scanPoints(points);
            this.scanPoints = points;
            return this;
        }

        /**
         * Sets the step of the scan of the basin (0.001 by default, whatever the tolerance; 0 for
         * no basin scan, when the error is smooth).
         *
         * @param step 0, or positive
         * @return this builder
         */
        public Builder basinStep(double step) {
            minimizer.basinStep(step);
            return this;
        }

        /**
         * Sets how far above the best scanned error a scan point may lie and still count as part of
         * the basin that the second scan covers (0.25, i.e. 25 %, by default: many times the
         * rounding noise of an 8-bit layer).
         *
         * @param margin the relative margin, {@code >= 0}
         * @return this builder
         */
        public Builder basinMargin(double margin) {
            minimizer.basinMargin(margin);
            return this;
        }

        /**
         * Returns the search.
         *
         * @return the search
         */
        public ExponentSearch build() {
            if (scanPoints == 0) {
                minimizer.scanPoints(
                        Math.max(3, 1 + (int) Math.round((upper - lower) / SCAN_STEP)));
            }
            return new ExponentSearch(this);
        }
    }
}
