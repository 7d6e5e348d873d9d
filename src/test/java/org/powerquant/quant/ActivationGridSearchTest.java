package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

/** The deterministic range and exponent search against brute-force scans. */
class ActivationGridSearchTest {

    private static NormalMixture randomMixture(Random random, int k) {
        double[] m = new double[k];
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            m[i] = random.nextGaussian();
            s[i] = 0.2 + random.nextDouble();
        }
        return NormalMixture.rectified(m, s);
    }

    @Test
    void rangeIsTheMinimiserOfAFineScan() {
        Random random = new Random(1);
        ActivationGridSearch search = ActivationGridSearch.defaults();
        for (int trial = 0; trial < 12; trial++) {
            NormalMixture mixture = randomMixture(random, 1 + random.nextInt(20));
            int bits = 2 + random.nextInt(5);
            PowerQuantizer grid = PowerQuantizer.unsigned(bits, 0.4 + random.nextDouble());
            ActivationGridSearch.RangeResult found =
                    search.bestRange(mixture, grid, mixture.upperExtent());
            double best = Double.POSITIVE_INFINITY;
            for (int i = 1; i <= 4000; i++) {
                double c = mixture.upperExtent() * i / 4000.0;
                best = Math.min(best, mixture.expectedSquaredError(grid, c));
            }
            assertTrue(
                    found.error() <= best * (1 + 1e-6),
                    "trial " + trial + ": " + found + " vs scan " + best);
            assertEquals(found.error(), mixture.expectedSquaredError(grid, found.range()), 0.0);
        }
    }

    @Test
    void exponentIsTheMinimiserOfAScanAndNeverWorseThanUniform() {
        Random random = new Random(2);
        ActivationGridSearch search = ActivationGridSearch.defaults();
        for (int trial = 0; trial < 8; trial++) {
            NormalMixture mixture = randomMixture(random, 8);
            int bits = 3 + trial / 2;
            CodeRounding rounding =
                    trial % 2 == 0 ? CodeRounding.POWER_DOMAIN : CodeRounding.NEAREST_LEVEL;
            double unbounded = Double.POSITIVE_INFINITY;
            ActivationGrid power =
                    search.search(mixture, bits, QuantizationMethod.POWER, unbounded, rounding);
            ActivationGrid uniform =
                    search.search(mixture, bits, QuantizationMethod.UNIFORM, unbounded, rounding);
            assertEquals(rounding, power.rounding());
            assertEquals(rounding, uniform.rounding());
            assertEquals(1.0, uniform.exponent());
            assertEquals(uniform.expectedError(), power.uniformExpectedError(), 0.0);
            double scanBest = Double.POSITIVE_INFINITY;
            for (double a = 0.2; a <= 1.5; a += 0.01) {
                PowerQuantizer grid = PowerQuantizer.unsigned(bits, a).withRounding(rounding);
                scanBest =
                        Math.min(
                                scanBest,
                                search.bestRange(mixture, grid, mixture.upperExtent()).error());
            }
            assertTrue(
                    power.expectedError() <= scanBest * (1 + 1e-4),
                    "trial " + trial + ": " + power + " vs scan " + scanBest);
            assertEquals(
                    power.expectedError(),
                    mixture.expectedSquaredError(power.quantizer(), power.range()),
                    0.0);
        }
    }

    /**
     * A mixture large enough that every evaluation is split over the fork-join pool: the grid is
     * bit for bit the same across runs on a four-thread pool and on a one-thread pool (where the
     * same chunks run one after the other).
     */
    @Test
    void parallelSearchIsDeterministicAndEqualToTheSequentialOne() throws Exception {
        NormalMixture mixture = randomMixture(new Random(4), 512);
        assertTrue(mixture.splits(PowerQuantizer.unsigned(8, 1.0)), "the parallel path is taken");
        Callable<ActivationGrid> search =
                () -> ActivationGridSearch.defaults().search(mixture, 8, QuantizationMethod.POWER);
        ForkJoinPool parallel = new ForkJoinPool(4);
        ForkJoinPool sequential = new ForkJoinPool(1);
        try {
            ActivationGrid first = parallel.submit(search).get();
            ActivationGrid second = parallel.submit(search).get();
            ActivationGrid alone = sequential.submit(search).get();
            assertEquals(first, second);
            assertEquals(first, alone);
            assertEquals(first, search.call());
        } finally {
            parallel.shutdownNow();
            sequential.shutdownNow();
        }
    }

    @Test
    void deadTensorGetsAnExactGrid() {
        NormalMixture dead = NormalMixture.rectified(new double[] {-50, -20}, new double[] {1, 1});
        ActivationGrid grid =
                ActivationGridSearch.defaults().search(dead, 4, QuantizationMethod.POWER);
        assertEquals(0.0, grid.expectedError());
    }

    @Test
    void symmetricGridCentresOnZero() {
        NormalMixture input = NormalMixture.normal(new double[] {0, 0, 0}, new double[] {1, 1, 1});
        ActivationGrid grid = ActivationGridSearch.defaults().searchSymmetric(input, 8);
        assertEquals(-grid.range() / 2, grid.lower(), 1e-12);
        assertTrue(grid.range() > 4 && grid.range() < 14, grid.toString());
    }
}
