package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The exact error from sorted activations is that of quantizing every sample one by one, clipping
 * included.
 */
class SortedActivationsTest {

    /**
     * ReLU outputs: a share of exact zeros, the rest half-normal or exponential with a varied
     * scale.
     */
    static float[] reluSamples(Random random, int n) {
        float[] x = new float[n];
        double zeroShare = random.nextDouble() * 0.8;
        double scale = Math.exp(2 * random.nextGaussian());
        boolean heavy = random.nextBoolean();
        for (int i = 0; i < n; i++) {
            if (random.nextDouble() < zeroShare) {
                continue;
            }
            double v = heavy ? -Math.log(1 - random.nextDouble()) : Math.abs(random.nextGaussian());
            x[i] = (float) (scale * v);
        }
        return x;
    }

    static double naiveError(float[] x, PowerQuantizer q, float clip) {
        double sum = 0;
        for (float v : x) {
            double d = v - SortedActivations.reconstruct(q, clip, v);
            sum += d * d;
        }
        return sum;
    }

    @Test
    void exactErrorEqualsNaiveErrorForAnySamplesRangeExponentAndBitWidth() {
        Random random = new Random(21);
        for (int trial = 0; trial < 300; trial++) {
            float[] x = reluSamples(random, 1 + random.nextInt(3000));
            SortedActivations sorted = SortedActivations.of(x);
            for (int j = 0; j < 5; j++) {
                PowerQuantizer q =
                        PowerQuantizer.unsigned(
                                        2 + random.nextInt(7), 0.2 + 1.3 * random.nextDouble())
                                .withRounding(
                                        j % 2 == 0
                                                ? CodeRounding.POWER_DOMAIN
                                                : CodeRounding.NEAREST_LEVEL);
                float clip = (float) (sorted.max() * (0.01 + 1.5 * random.nextDouble()));
                double naive = naiveError(x, q, clip);
                assertEquals(
                        naive,
                        sorted.squaredError(q, clip),
                        1e-9 * naive + 1e-300,
                        q + " clip " + clip);
            }
        }
    }

    @Test
    void zerosAreCountedAndCostNothing() {
        SortedActivations sorted = SortedActivations.of(new float[] {0, 0, 0, 2, 1});
        assertEquals(5, sorted.count());
        assertEquals(3, sorted.zeros());
        assertEquals(2f, sorted.max());
        assertEquals(0f, sorted.quantile(0.6));
        assertEquals(1f, sorted.quantile(0.8));
        assertEquals(5.0, sorted.squaredError(PowerQuantizer.unsigned(4, 1.0), 0f));
    }

    @Test
    void rejectsNegativeAndNonFiniteSamples() {
        assertThrows(
                IllegalArgumentException.class, () -> SortedActivations.of(new float[] {1, -1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> SortedActivations.of(new float[] {Float.NaN}));
        assertThrows(
                IllegalArgumentException.class,
                () -> SortedActivations.of(new float[] {Float.POSITIVE_INFINITY}));
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        SortedActivations.of(new float[] {1})
                                .squaredError(PowerQuantizer.signed(4, 1), 1f));
    }

    @Test
    void fittedRangeAndExponentBeatEveryOtherTriedOnTheSamplesAndNeverLoseToUniform() {
        Random random = new Random(22);
        ActivationRangeSearch search = ActivationRangeSearch.builder().build();
        for (int trial = 0; trial < 30; trial++) {
            float[] x = reluSamples(random, 2000 + random.nextInt(20000));
            SortedActivations sorted = SortedActivations.of(x);
            int bits = 2 + random.nextInt(7);
            CodeRounding rounding =
                    trial % 2 == 0 ? CodeRounding.POWER_DOMAIN : CodeRounding.NEAREST_LEVEL;
            ActivationRangeSearch.Fit power =
                    search.fit(sorted, bits, QuantizationMethod.POWER, rounding);
            ActivationRangeSearch.Fit uniform =
                    search.fit(sorted, bits, QuantizationMethod.UNIFORM, rounding);
            assertEquals(rounding, power.rounding());
            PowerQuantizer grid =
                    PowerQuantizer.unsigned(bits, power.exponent()).withRounding(rounding);
            assertEquals(
                    naiveError(x, grid, power.clip()),
                    power.error(),
                    1e-9 * power.error() + 1e-300);
            assertEquals(1.0, uniform.exponent());
            assertEquals(uniform.error(), power.uniformError(), 0.0);
            assertTrue(power.clip() <= sorted.max() * 1.0001f, "range within the samples");
            assertEquals(x.length, power.samples());
            // no range among many tried, for either grid, does clearly better than the fit (the
            // error is a step
            // function of the range: a dent between scan points may lie a fraction of a percent
            // lower)
            for (int j = 0; j < 50; j++) {
                float clip = (float) (sorted.max() * (0.02 + random.nextDouble()));
                assertTrue(
                        naiveError(x, grid, clip) >= power.error() * 0.99,
                        "range " + clip + " beats " + power + " with " + naiveError(x, grid, clip));
                PowerQuantizer flat = PowerQuantizer.unsigned(bits, 1.0).withRounding(rounding);
                assertTrue(
                        naiveError(x, flat, clip) >= uniform.error() * 0.99,
                        "range " + clip + " beats " + uniform);
            }
        }
    }

    @Test
    void allZeroSamplesGiveAZeroRangeWithoutError() {
        ActivationRangeSearch.Fit fit =
                ActivationRangeSearch.builder()
                        .build()
                        .fit(SortedActivations.of(new float[10]), 4, QuantizationMethod.POWER);
        assertEquals(0f, fit.clip());
        assertEquals(0.0, fit.error());
    }
}
