package org.powerquant.quant;

import java.util.function.DoubleUnaryOperator;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.univariate.BrentOptimizer;
import org.apache.commons.math3.optim.univariate.SearchInterval;
import org.apache.commons.math3.optim.univariate.UnivariateObjectiveFunction;
import org.apache.commons.math3.optim.univariate.UnivariatePointValuePair;

/**
 * The exponent search as it was before {@link ScanThenBrent} (kept in the test sources as the
 * benchmark's baseline): a coarse scan at step 0.05, a fine scan of the basin (coarse points within
 * 25 % of the best, and one step beyond) at a step equal to the tolerance, then Brent within one
 * fine step either side. Its evaluations grow like {@code 1 / tolerance}.
 */
final class FineScanExponentSearch {

    private final double lower;
    private final double upper;
    private final double tolerance;

    FineScanExponentSearch(double lower, double upper, double tolerance) {
        this.lower = lower;
        this.upper = upper;
        this.tolerance = tolerance;
    }

    private double coarsePoint(int i, int steps, double step) {
        return i == steps ? upper : lower + i * step;
    }

    ExponentSearch.Result minimize(DoubleUnaryOperator error) {
        double coarseStep = 0.05;
        double fineStep = tolerance;
        double basinMargin = 0.25;
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
        return new ExponentSearch.Result(bestA, bestError, uniform);
    }
}
