package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Clipping the weight range: the exact clipped error, and a joint search never worse than none. */
class ClippingSearchTest {

    /** The per-weight squared error of a clipped grid, codes from {@code x / clip}. */
    private static double naiveClippedError(
            float[] w, int channels, ScaleMode mode, PowerQuantizer q, double clip) {
        float[] scales = RandomTensors.scales(w, channels, mode);
        int length = w.length / scales.length;
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            float s = scales[i / length];
            double x = PowerQuantizer.normalise(w[i], s);
            double level = clip * q.level(q.code(x / clip));
            double d = Math.abs((double) w[i]) - level * s;
            sum += d * d;
        }
        return sum;
    }

    @Test
    void clippedErrorEqualsThePerWeightErrorForAnyClip() {
        Random random = new Random(21);
        for (int trial = 0; trial < 200; trial++) {
            int channels = 1 + random.nextInt(30);
            int perChannel = 1 + random.nextInt(400);
            ScaleMode mode = random.nextBoolean() ? ScaleMode.PER_CHANNEL : ScaleMode.PER_TENSOR;
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            SortedMagnitudes sorted = SortedMagnitudes.of(w, channels, mode);
            PowerQuantizer q =
                    PowerQuantizer.signed(2 + random.nextInt(7), 0.2 + 1.3 * random.nextDouble());
            double clip = random.nextBoolean() ? 1.0 : 0.2 + 0.8 * random.nextDouble();
            double naive = naiveClippedError(w, channels, mode, q, clip);
            assertEquals(
                    naive,
                    sorted.squaredError(q, clip),
                    1e-9 * naive + 1e-300,
                    q + " clip " + clip);
        }
    }

    @Test
    void jointSearchReportsItsGridExactlyAndClippingOftenHelps() {
        Random random = new Random(22);
        ExponentSearch exponents = ExponentSearch.builder().tolerance(5e-3).basinStep(5e-3).build();
        ClippingSearch search = new ClippingSearch(exponents, ClippingSearch.DEFAULT_MIN_CLIP);
        int strictlyBetter = 0;
        for (int trial = 0; trial < 30; trial++) {
            int channels = 1 + random.nextInt(16);
            int perChannel = 1 + random.nextInt(300);
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            SortedMagnitudes sorted = SortedMagnitudes.of(w, channels, ScaleMode.PER_CHANNEL);
            int bits = 2 + random.nextInt(7);
            ClippingSearch.Result power = search.minimize(sorted, bits, QuantizationMethod.POWER);
            double unclipped = exponents.minimize(sorted, bits).error();
            assertTrue(power.clip() <= 1 && power.clip() >= ClippingSearch.DEFAULT_MIN_CLIP);
            PowerQuantizer grid = PowerQuantizer.signed(bits, power.exponent());
            assertEquals(
                    sorted.squaredError(grid, power.clip()),
                    power.error(),
                    1e-12 * power.error(),
                    "the reported error is that of the reported grid");
            ClippingSearch.Result uniform =
                    search.minimize(sorted, bits, QuantizationMethod.UNIFORM);
            assertEquals(1.0, uniform.exponent());
            if (power.error() < unclipped * (1 - 1e-6)) {
                strictlyBetter++;
            }
        }
        assertTrue(strictlyBetter > 5, "clipping helped on only " + strictlyBetter + " tensors");
    }
}
