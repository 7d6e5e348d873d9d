package org.powerquant.quant;

import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * Minimises a function of one variable on a closed interval: scans bracket the minimum, Commons
 * Math's {@link BrentOptimizer} refines it.
 *
 * <ol>
 *   <li>A scan at {@link Builder#scanPoints(int) a fixed number of evenly spaced points} (both
 *       bounds included) finds the best point.
 *   <li>Optionally ({@link Builder#basinStep(double)} above 0), a second scan at a fixed step
 *       covers the basin around it: the run of scan points whose value is within {@link
 *       Builder#basinMargin(double) the basin margin} of the best (relative: 0.25 = 25 % above),
 *       and one scan step beyond on either side. An objective that is a sum of rounded terms has
 *       narrow dents in a flat basin; this second scan finds the deepest one to within its step.
 *   <li>Brent's method (golden section with parabolic steps) refines the best scanned point within
 *       the bracket of its two neighbours on the last scan, to the {@link Builder#tolerance(double)
 *       absolute tolerance}.
 * </ol>
 *
 * <p>The best of every scanned point and of Brent's result is returned. The scans' steps never
 * depend on the tolerance: the number of evaluations is the scan points, the basin's width over the
 * basin step, plus Brent's, which grow like {@code log(bracket / tolerance)}. Commons Math's {@code
 * BracketFinder} is not used: it walks downhill from two points without bounds and may leave the
 * interval; the scan gives a bracket inside it.
 *
 * <p>Instances are immutable and thread-safe; build them with {@link #builder()}.
 */
public final class ScanThenBrent {

    /** Relative tolerance passed to Brent's method (the absolute tolerance dominates). */
    private static final double BRENT_RELATIVE = 1e-12;

    /** Brent's evaluation budget; far above what a bracketed refinement takes. */
    private static final int BRENT_MAX_EVALUATIONS = 1000;

    private final int scanPoints;
    private final double basinStep;
    private final double basinMargin;
    private final double tolerance;

    private ScanThenBrent(Builder builder) {
        scanPoints = builder.scanPoints;
        basinStep = builder.basinStep;
        basinMargin = builder.basinMargin;
        tolerance = builder.tolerance;
    }

    /**
     * Returns a builder: 21 scan points, no basin scan, basin margin 0.25, tolerance {@code 1e-3}.
     *
     * @return a builder: 21 scan points, no basin scan, basin margin 0.25, tolerance {@code 1e-3}
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the absolute tolerance on the minimiser.
     *
     * @return the absolute tolerance on the minimiser
     */
    public double tolerance() {
        return tolerance;
    }

    /**
     * Minimises a function on {@code [lower, upper]}.
     *
     * @param function the function; must be finite on the interval
     * @param lower the lower bound
     * @param upper the upper bound, {@code >= lower}
     * @return the best point found, its value and the number of evaluations made
     */
    public Minimum minimize(DoubleUnaryOperator function, double lower, double upper) {
        if (!(upper >= lower)) {
            throw new IllegalArgumentException(
                    "interval must satisfy lower <= upper, got [" + lower + ", " + upper + "]");
        }
        Scan coarse =
                Scan.of(function, lower, (upper - lower) / (scanPoints - 1), scanPoints, upper);
        int evaluations = scanPoints;
        Scan last = coarse;
        if (basinStep > 0) {
            int left = coarse.best;
            int right = coarse.best;
            double limit = coarse.values[coarse.best] + basinMargin * Math.abs(coarse.bestValue());
            while (left > 0 && coarse.values[left - 1] <= limit) {
                left--;
            }
            while (right < scanPoints - 1 && coarse.values[right + 1] <= limit) {
                right++;
            }
            double from = coarse.point(Math.max(0, left - 1));
            double to = coarse.point(Math.min(scanPoints - 1, right + 1));
            int points = 1 + (int) Math.floor((to - from) / basinStep + 1e-9);
            Scan basin =
                    Scan.of(function, from, basinStep, points, from + (points - 1) * basinStep);
            evaluations += points;
            if (basin.bestValue() <= coarse.bestValue()) {
                last = basin;
            }
        }
        double bestPoint = last.point(last.best);
        double bestValue = last.bestValue();
        double lo = last.point(Math.max(0, last.best - 1));
        double hi = last.point(Math.min(last.points() - 1, last.best + 1));
        if (hi - lo > tolerance) {
            // Brent stops once the bracket is within 2 * (rel * |x| + abs) of its midpoint: abs =
            // tolerance / 4 keeps the returned point within the tolerance of the bracketed minimum.
            BrentOptimizer brent = new BrentOptimizer(BRENT_RELATIVE, tolerance / 4);
            UnivariatePointValuePair refined =
                    brent.optimize(
                            new MaxEval(BRENT_MAX_EVALUATIONS),
                            new UnivariateObjectiveFunction(function::applyAsDouble),
                            GoalType.MINIMIZE,
                            new SearchInterval(lo, hi, bestPoint));
            evaluations += brent.getEvaluations();
            if (refined.getValue() < bestValue) {
                bestValue = refined.getValue();
                bestPoint = refined.getPoint();
            }
        }
        return new Minimum(bestPoint, bestValue, evaluations);
    }

    /**
     * The outcome of a minimisation.
     *
     * @param point the best point found
     * @param value the function's value there
     * @param evaluations how many times the function was evaluated
     */
    public record Minimum(double point, double value, int evaluations) {}

    /** Values at evenly spaced points, {@code start + i * step}, the last one {@code end}. */
    private static final class Scan {
        private final double start;
        private final double step;
        private final double end;
        private final double[] values;
        private int best;

        private Scan(double start, double step, int points, double end) {
            this.start = start;
            this.step = step;
            this.end = end;
            this.values = new double[points];
        }

        static Scan of(
                DoubleUnaryOperator function, double start, double step, int points, double end) {
            Scan scan = new Scan(start, step, points, end);
            for (int i = 0; i < points; i++) {
                scan.values[i] = function.applyAsDouble(scan.point(i));
                if (scan.values[i] < scan.values[scan.best]) {
                    scan.best = i;
                }
            }
            return scan;
        }

        int points() {
            return values.length;
        }

        double point(int i) {
            return i == values.length - 1 ? end : start + i * step;
        }

        double bestValue() {
            return values[best];
        }
    }

    /** Options of a {@link ScanThenBrent}. */
    public static final class Builder {
        private int scanPoints = 21;
        private double basinStep;
        private double basinMargin = 0.25;
        private double tolerance = 1e-3;

        private Builder() {}

        /**
         * Sets how many evenly spaced points the first scan evaluates, bounds included.
         *
         * @param points at least 3
         * @return this builder
         */
        public Builder scanPoints(int points) {
            if (points < 3) {
                throw new IllegalArgumentException("scan points must be at least 3, got " + points);
            }
            this.scanPoints = points;
            return this;
        }

        /**
         * Sets the step of the scan of the basin (0, the default: no basin scan). It is a property
         * of the objective (how narrow its dents are), not of the tolerance.
         *
         * @param step 0, or positive
         * @return this builder
         */
        public Builder basinStep(double step) {
            if (!(step >= 0) || Double.isInfinite(step)) {
                throw new IllegalArgumentException("basin step must be 0 or positive, got " + step);
            }
            this.basinStep = step;
            return this;
        }

        /**
         * Sets how far above the best scanned value a scan point may lie and still count as part of
         * the basin that the second scan covers, relative to the best value.
         *
         * @param margin the relative margin, {@code >= 0} (0.25 = 25 %, the default)
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
         * Sets the absolute tolerance of Brent's refinement.
         *
         * @param absoluteTolerance {@code > 0}
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
         * Returns the minimiser.
         *
         * @return the minimiser
         */
        public ScanThenBrent build() {
            return new ScanThenBrent(this);
        }
    }
}
