package org.powerquant.quant;

import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * Finds the exponent {@code a} that minimises a reconstruction error, never doing worse than
 * uniform ({@code a = 1}).
 *
 * <p>The error of a power quantizer as a function of {@code a} is locally convex but, being a sum
 * of rounded terms, not smooth: every weight that crosses a rounding boundary makes it jump, and at
 * 8 bits on a layer of 70,000 weights these jumps are about 1 % of the error, enough to trap a pure
 * golden-section search in a dent a few hundredths away from the best exponent. The search
 * therefore runs in three steps, each cheap because one error evaluation costs {@code O(levels *
 * log n)} ({@link SortedMagnitudes}):
 *
 * <ol>
 *   <li>a coarse scan of the interval (step {@link Builder#coarseStep(double)}, 0.05 by default)
 *       brackets the basin;
 *   <li>a fine scan (step {@link Builder#fineStep(double)}, the tolerance by default) covers the
 *       basin: the coarse points around the best whose error is within {@link
 *       Builder#basinMargin(double)} (5 %) of it, and one coarse step beyond, so that a dent
 *       anywhere in a flat basin is found;
 *   <li>Commons Math's {@link BrentOptimizer} (golden-section search with parabolic steps) refines
 *       it within one fine step either side, to the requested absolute tolerance.
 * </ol>
 *
 * <p>The best of these points and of {@code a = 1} is returned, so the result is never worse than
 * uniform.
 *
 * <p>Instances are immutable and thread-safe; build them with {@link #builder()}.
 */
public final class ExponentSearch {

    /** Default lower bound of the exponent. */
    public static final double DEFAULT_LOWER = 0.2;

    /** Default upper bound of the exponent. */
    public static final double DEFAULT_UPPER = 1.5;

    /** Default absolute tolerance on the exponent. */
    public static final double DEFAULT_TOLERANCE = 1e-3;

    private final double lower;
    private final double upper;
    private final double tolerance;
    private final double coarseStep;
    private final double fineStep;
    private final double basinMargin;

    private ExponentSearch(Builder builder) {
        lower = builder.lower;
        upper = builder.upper;
        tolerance = builder.tolerance;
        coarseStep = builder.coarseStep;
        fineStep = Double.isNaN(builder.fineStep) ? tolerance : builder.fineStep;
        basinMargin = builder.basinMargin;
    }

    private double coarsePoint(int i, int steps, double step) {
        return i == steps ? upper : lower + i * step;
    }

    /**
     * @return a builder with the defaults: {@code [0.2, 1.5]}, tolerance {@code 1e-3}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the lower bound
     */
    public double lower() {
        return lower;
    }

    /**
     * @return the upper bound
     */
    public double upper() {
        return upper;
    }

    /**
     * @return the absolute tolerance on the exponent
     */
    public double tolerance() {
        return tolerance;
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
        double bestA = 1.0;
        double bestError = uniform;
        int steps = Math.max(1, (int) Math.ceil((upper - lower) / coarseStep - 1e-9));
        double step = (upper - lower) / steps;
        double[] scanErrors = new double[steps + 1];
        int best = 0;
        for (int i = 0; i <= steps; i++) {
            scanErrors[i] = error.applyAsDouble(coarsePoint(i, steps, step));
            if (scanErrors[i] < scanErrors[best]) {
                best = i;
            }
        }
        int left = best;
        int right = best;
        double basinLimit = scanErrors[best] * (1 + basinMargin);
        while (left > 0 && scanErrors[left - 1] <= basinLimit) {
            left--;
        }
        while (right < steps && scanErrors[right + 1] <= basinLimit) {
            right++;
        }
        double fineA = coarsePoint(best, steps, step);
        double fineError = scanErrors[best];
        double from = Math.max(lower, coarsePoint(left, steps, step) - step);
        double to = Math.min(upper, coarsePoint(right, steps, step) + step);
        int fineSteps = (int) Math.floor((to - from) / fineStep + 1e-9);
        for (int i = 0; i <= fineSteps; i++) {
            double a = from + i * fineStep;
            double e = error.applyAsDouble(a);
            if (e < fineError) {
                fineError = e;
                fineA = a;
            }
        }
        if (fineError < bestError) {
            bestError = fineError;
            bestA = fineA;
        }
        double lo = Math.max(lower, fineA - fineStep);
        double hi = Math.min(upper, fineA + fineStep);
        if (hi - lo > tolerance) {
            // Brent stops once the bracket is within 2 * (rel * |x| + abs) of its midpoint: abs =
            // tol / 4 keeps the
            // returned point within the tolerance of the bracketed minimum.
            BrentOptimizer brent = new BrentOptimizer(1e-12, tolerance / 4);
            UnivariatePointValuePair refined =
                    brent.optimize(
                            new MaxEval(500),
                            new UnivariateObjectiveFunction(error::applyAsDouble),
                            GoalType.MINIMIZE,
                            new SearchInterval(lo, hi, fineA));
            if (refined.getValue() < bestError) {
                bestError = refined.getValue();
                bestA = refined.getPoint();
            }
        }
        return new Result(bestA, bestError, uniform);
    }

    /**
     * Finds the best exponent for a weight tensor.
     *
     * @param magnitudes the tensor's sorted magnitudes
     * @param bits the bit width
     * @return the best exponent with the exact squared errors
     */
    public Result minimize(SortedMagnitudes magnitudes, int bits) {
        PowerQuantizer grid = PowerQuantizer.signed(bits, 1.0);
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
        private double tolerance = DEFAULT_TOLERANCE;
        private double coarseStep = 0.05;
        private double fineStep = Double.NaN;
        private double basinMargin = 0.25;

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
            if (!(absoluteTolerance > 0) || Double.isInfinite(absoluteTolerance)) {
                throw new IllegalArgumentException(
                        "tolerance must be positive, got " + absoluteTolerance);
            }
            this.tolerance = absoluteTolerance;
            return this;
        }

        /**
         * Sets the step of the coarse scan that brackets the minimum before the Brent refinement.
         *
         * @param step the step, {@code > 0}
         * @return this builder
         */
        public Builder coarseStep(double step) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("coarse step must be positive, got " + step);
            }
            this.coarseStep = step;
            return this;
        }

        /**
         * Sets the step of the fine scan around the best coarse point (the tolerance by default).
         *
         * @param step the step, {@code > 0}
         * @return this builder
         */
        public Builder fineStep(double step) {
            if (!(step > 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("fine step must be positive, got " + step);
            }
            this.fineStep = step;
            return this;
        }

        /**
         * Sets how far above the best coarse error a coarse point may lie and still count as part
         * of the basin that the fine scan covers (0.05, i.e. 5 %, by default: several times the
         * rounding noise of an 8-bit layer).
         *
         * @param margin the relative margin, {@code >= 0}
         * @return this builder
         */
        public Builder basinMargin(double margin) {
            if (!(margin >= 0) || Double.isInfinite(margin)) {
                throw new IllegalArgumentException(
                        "basin margin must be non-negative, got " + margin);
            }
            this.basinMargin = margin;
            return this;
        }

        /**
         * @return the search
         */
        public ExponentSearch build() {
            return new ExponentSearch(this);
        }
    }
}
