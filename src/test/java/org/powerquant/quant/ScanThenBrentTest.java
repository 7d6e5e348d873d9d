package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The bracket-then-Brent minimiser: its cost grows like {@code log(1 / tolerance)}, not like {@code
 * 1 / tolerance}, and on random multimodal and flat functions it finds the global minimum that a
 * dense brute-force scan finds.
 */
class ScanThenBrentTest {

    private static final double LOWER = 0.2;
    private static final double UPPER = 1.5;

    /** A function that counts its evaluations. */
    private static final class Counted implements DoubleUnaryOperator {
        private final DoubleUnaryOperator f;
        private int count;

        Counted(DoubleUnaryOperator f) {
            this.f = f;
        }

        @Override
        public double applyAsDouble(double x) {
            count++;
            return f.applyAsDouble(x);
        }
    }

    private static int evaluations(ExponentSearch search, DoubleUnaryOperator f) {
        Counted counted = new Counted(f);
        search.minimize(counted);
        return counted.count;
    }

    @Test
    void evaluationsGrowLikeTheLogarithmOfOneOverTheTolerance() {
        Random random = new Random(5);
        for (int trial = 0; trial < 20; trial++) {
            double target = 0.3 + random.nextDouble();
            DoubleUnaryOperator smooth = a -> (a - target) * (a - target) + 1;
            ScanThenBrent coarse = ScanThenBrent.builder().scanPoints(27).tolerance(1e-3).build();
            ScanThenBrent fine = ScanThenBrent.builder().scanPoints(27).tolerance(1e-6).build();
            Counted c3 = new Counted(smooth);
            Counted c6 = new Counted(smooth);
            ScanThenBrent.Minimum m3 = coarse.minimize(c3, LOWER, UPPER);
            ScanThenBrent.Minimum m6 = fine.minimize(c6, LOWER, UPPER);
            assertEquals(c3.count, m3.evaluations(), "the reported count is the true count");
            assertEquals(c6.count, m6.evaluations());
            assertEquals(target, m6.point(), 1e-6);
            assertTrue(c6.count < 200, "1e-6 took " + c6.count + " evaluations");
            // a thousand times tighter costs at most ~3 golden-section steps per factor of ten
            assertTrue(c6.count - c3.count <= 30, c3.count + " -> " + c6.count);
        }
        // the real objective: the exact squared error of a weight tensor over the exponent, with
        // the default basin scan against its rounding dents
        for (int bits : new int[] {3, 4, 8}) {
            float[] w = RandomTensors.draw(random, RandomTensors.Kind.LAPLACE, 64, 1152);
            SortedMagnitudes sorted = SortedMagnitudes.of(w, 64, ScaleMode.PER_CHANNEL);
            PowerQuantizer grid = PowerQuantizer.signed(bits, 1);
            DoubleUnaryOperator error = a -> sorted.squaredError(grid.withExponent(a));
            int at3 = evaluations(ExponentSearch.builder().tolerance(1e-3).build(), error);
            int at6 = evaluations(ExponentSearch.builder().tolerance(1e-6).build(), error);
            assertTrue(at6 - at3 <= 40, bits + " bits: " + at3 + " -> " + at6 + " evaluations");
        }
    }

    /**
     * Random sums of a bowl and a few waves (several local minima, none narrower than a few scan
     * steps): whenever the global minimum of a scan 1,000 times denser is deeper than every other
     * local minimum by more than the scan can resolve, the result is that minimum, within the
     * tolerance; otherwise it is one of the near-equal minima.
     */
    @Test
    void findsTheGlobalMinimumOfRandomMultimodalFunctions() {
        Random random = new Random(6);
        ScanThenBrent minimizer = ScanThenBrent.builder().scanPoints(27).tolerance(1e-6).build();
        int distinct = 0;
        for (int trial = 0; trial < 200; trial++) {
            double centre = LOWER + (UPPER - LOWER) * random.nextDouble();
            double bowl = random.nextDouble() * 4;
            int waves = 1 + random.nextInt(3);
            double[] amp = new double[waves];
            double[] freq = new double[waves];
            double[] phase = new double[waves];
            for (int k = 0; k < waves; k++) {
                amp[k] = random.nextDouble();
                freq[k] = 2 * Math.PI * (0.5 + 3.5 * random.nextDouble()); // periods >= 0.25
                phase[k] = 2 * Math.PI * random.nextDouble();
            }
            DoubleUnaryOperator f =
                    x -> {
                        double v = bowl * (x - centre) * (x - centre);
                        for (int k = 0; k < waves; k++) {
                            v += amp[k] * Math.sin(freq[k] * x + phase[k]);
                        }
                        return v;
                    };
            int dense = 26_000;
            double bestX = LOWER;
            double best = Double.POSITIVE_INFINITY;
            double[] values = new double[dense + 1];
            for (int i = 0; i <= dense; i++) {
                double x = LOWER + (UPPER - LOWER) * i / dense;
                values[i] = f.applyAsDouble(x);
                if (values[i] < best) {
                    best = values[i];
                    bestX = x;
                }
            }
            // the deepest other local minimum, at least 0.05 away
            double runnerUp = Double.POSITIVE_INFINITY;
            for (int i = 0; i <= dense; i++) {
                double x = LOWER + (UPPER - LOWER) * i / dense;
                boolean local =
                        (i == 0 || values[i] <= values[i - 1])
                                && (i == dense || values[i] <= values[i + 1]);
                if (local && Math.abs(x - bestX) > 0.05) {
                    runnerUp = Math.min(runnerUp, values[i]);
                }
            }
            // how far a scan point half a step from a minimum can lie above it: the scan can only
            // tell minima apart whose depths differ by more
            double curvature = 2 * bowl;
            for (int k = 0; k < waves; k++) {
                curvature += amp[k] * freq[k] * freq[k];
            }
            double step = (UPPER - LOWER) / 26;
            double resolution = curvature * step * step / 8;
            ScanThenBrent.Minimum m = minimizer.minimize(f, LOWER, UPPER);
            String what = "trial " + trial + ": " + m + " vs dense " + bestX + " " + best;
            assertEquals(m.value(), f.applyAsDouble(m.point()), 0.0, what);
            if (runnerUp > best + resolution) {
                distinct++;
                assertTrue(m.value() <= best + 1e-9, what);
                assertEquals(bestX, m.point(), 1e-6 + (UPPER - LOWER) / dense, what);
            } else {
                assertTrue(m.value() <= best + resolution, what);
            }
        }
        assertTrue(distinct > 100, "only " + distinct + " instances with a distinct minimum");
    }

    /** A flat-bottomed valley anywhere in the interval, or a minimum on a bound, is found. */
    @Test
    void findsFlatValleysAndMinimaOnTheBounds() {
        Random random = new Random(7);
        ScanThenBrent minimizer = ScanThenBrent.builder().scanPoints(27).tolerance(1e-6).build();
        for (int trial = 0; trial < 200; trial++) {
            double centre = LOWER - 0.3 + (UPPER - LOWER + 0.6) * random.nextDouble();
            double halfWidth = 0.5 * random.nextDouble();
            DoubleUnaryOperator f =
                    x -> {
                        double d = Math.max(0, Math.abs(x - centre) - halfWidth);
                        return d * d;
                    };
            ScanThenBrent.Minimum m = minimizer.minimize(f, LOWER, UPPER);
            double nearest = Math.min(UPPER, Math.max(LOWER, centre));
            double trueMin = f.applyAsDouble(nearest);
            assertTrue(
                    m.value() <= trueMin + 1e-10, "trial " + trial + ": " + m + " vs " + trueMin);
        }
    }
}
