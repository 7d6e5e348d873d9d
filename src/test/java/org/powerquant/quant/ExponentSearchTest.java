package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The per-layer exponent search: exact reports, and as good as a brute-force grid. */
class ExponentSearchTest {

    private final ExponentSearch search = ExponentSearch.builder().build();

    @Test
    void reportsTheExactErrorsOfItsExponentAndOfUniformWithinTheBounds() {
        Random random = new Random(21);
        for (int trial = 0; trial < 200; trial++) {
            int channels = 1 + random.nextInt(32);
            float[] w =
                    RandomTensors.draw(
                            random,
                            RandomTensors.anyKind(random),
                            channels,
                            1 + random.nextInt(200));
            SortedMagnitudes sorted = SortedMagnitudes.of(w, channels, ScaleMode.PER_CHANNEL);
            int bits = 2 + random.nextInt(7);
            ExponentSearch.Result r = search.minimize(sorted, bits);
            assertEquals(
                    sorted.squaredError(PowerQuantizer.signed(bits, 1)), r.uniformError(), 0.0);
            assertEquals(
                    sorted.squaredError(PowerQuantizer.signed(bits, r.exponent())), r.error(), 0.0);
            assertTrue(
                    r.exponent() >= search.lower() && r.exponent() <= search.upper(), r.toString());
        }
    }

    @Test
    void matchesABruteForceGridOfStepOneThousandth() {
        Random random = new Random(22);
        for (RandomTensors.Kind kind :
                new RandomTensors.Kind[] {
                    RandomTensors.Kind.GAUSSIAN, RandomTensors.Kind.LAPLACE
                }) {
            for (int bits : new int[] {3, 4, 6, 8}) {
                float[] w = RandomTensors.draw(random, kind, 64, 1152);
                SortedMagnitudes sorted = SortedMagnitudes.of(w, 64, ScaleMode.PER_CHANNEL);
                double[] grid = RandomTensors.bruteForceGrid(sorted, bits);
                double bestA = grid[0];
                double bestError = grid[1];
                ExponentSearch.Result r = search.minimize(sorted, bits);
                String what =
                        kind
                                + " "
                                + bits
                                + " bits: search "
                                + r
                                + ", grid a="
                                + bestA
                                + " e="
                                + bestError;
                assertEquals(bestA, r.exponent(), 0.002, what);
                assertTrue(r.error() <= bestError * (1 + 1e-4), what);
            }
        }
    }

    @Test
    void findsTheMinimumOfASmoothConvexFunctionToTheTolerance() {
        Random random = new Random(23);
        for (int i = 0; i < 100; i++) {
            double target = 0.25 + 1.2 * random.nextDouble();
            ExponentSearch.Result r = search.minimize(a -> (a - target) * (a - target) + 1);
            assertEquals(target, r.exponent(), 1e-3);
        }
    }

    @Test
    void keepsUniformWhenUniformIsBest() {
        ExponentSearch.Result r = search.minimize(a -> Math.abs(a - 1));
        assertEquals(1.0, r.exponent(), 0.0);
        assertEquals(0.0, r.error(), 0.0);
    }

    @Test
    void theWeightsUpperBoundOfOneMovesNoLayerWhoseBestExponentIsBelowIt() {
        ExponentSearch weights =
                ExponentSearch.builder()
                        .bounds(ExponentSearch.DEFAULT_LOWER, ExponentSearch.WEIGHT_UPPER)
                        .build();
        Random random = new Random(24);
        int below = 0;
        int above = 0;
        for (int trial = 0; trial < 400; trial++) {
            int channels = 1 + random.nextInt(32);
            // Down to a handful of weights per channel, where the error can be least above 1.
            int perChannel = 1 + random.nextInt(random.nextBoolean() ? 16 : 400);
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            SortedMagnitudes sorted = SortedMagnitudes.of(w, channels, ScaleMode.PER_CHANNEL);
            int bits = 2 + random.nextInt(7);
            ExponentSearch.Result wide = search.minimize(sorted, bits);
            ExponentSearch.Result bounded = weights.minimize(sorted, bits);
            String what = "trial " + trial + ": " + wide + " against " + bounded;
            if (wide.exponent() < 0.95) {
                below++;
                assertEquals(wide.exponent(), bounded.exponent(), 0.0, what);
                assertEquals(wide.error(), bounded.error(), 0.0, what);
            } else if (wide.exponent() > 1) {
                above++;
            }
        }
        // Both kinds of layer occur, so the bound is exercised where it acts and where it must not.
        assertTrue(below > 0 && above > 0, below + " below 0.95, " + above + " above 1");
    }

    @Test
    void respectsConfiguredBounds() {
        ExponentSearch narrow = ExponentSearch.builder().bounds(0.5, 0.8).tolerance(1e-4).build();
        ExponentSearch.Result r = narrow.minimize(a -> (a - 0.3) * (a - 0.3));
        assertEquals(0.5, r.exponent(), 1e-4);
        assertThrows(
                IllegalArgumentException.class, () -> ExponentSearch.builder().bounds(1.5, 0.2));
        assertThrows(IllegalArgumentException.class, () -> ExponentSearch.builder().bounds(0, 1));
        assertThrows(IllegalArgumentException.class, () -> ExponentSearch.builder().tolerance(-1));
    }
}
