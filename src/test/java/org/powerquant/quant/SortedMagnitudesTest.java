package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exact error from sorted magnitudes is the error of quantizing every weight one by one. */
class SortedMagnitudesTest {

    @Test
    void exactErrorEqualsNaiveErrorForAnyTensorExponentAndBitWidth() {
        Random random = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            RandomTensors.Kind kind = RandomTensors.anyKind(random);
            int channels = 1 + random.nextInt(40);
            int perChannel = 1 + random.nextInt(600);
            ScaleMode mode = random.nextBoolean() ? ScaleMode.PER_CHANNEL : ScaleMode.PER_TENSOR;
            float[] w = RandomTensors.draw(random, kind, channels, perChannel);
            SortedMagnitudes sorted = SortedMagnitudes.of(w, channels, mode);
            for (int j = 0; j < 5; j++) {
                PowerQuantizer q =
                        PowerQuantizer.signed(
                                        2 + random.nextInt(7), 0.2 + 1.3 * random.nextDouble())
                                .withRounding(anyRounding(random));
                double naive = RandomTensors.naiveSquaredError(w, channels, mode, q);
                double exact = sorted.squaredError(q);
                String what = kind + " " + channels + "x" + perChannel + " " + mode + " " + q;
                assertEquals(naive, exact, 1e-9 * naive + 1e-300, what);
            }
        }
    }

    @Test
    void exactErrorHoldsAtEightBitsOnALargeLayer() {
        Random random = new Random(12);
        float[] w = RandomTensors.draw(random, RandomTensors.Kind.GAUSSIAN, 256, 2304);
        SortedMagnitudes sorted = SortedMagnitudes.of(w, 256, ScaleMode.PER_CHANNEL);
        for (double a : new double[] {0.3, 0.71, 1.0, 1.37}) {
            for (CodeRounding rounding : CodeRounding.values()) {
                PowerQuantizer q = PowerQuantizer.signed(8, a).withRounding(rounding);
                double naive = RandomTensors.naiveSquaredError(w, 256, ScaleMode.PER_CHANNEL, q);
                assertEquals(naive, sorted.squaredError(q), 1e-9 * naive, "a = " + a + " " + q);
            }
        }
    }

    @Test
    void codesAndValuesAreThoseOfThePerWeightQuantizer() {
        Random random = new Random(13);
        for (int trial = 0; trial < 100; trial++) {
            int channels = 1 + random.nextInt(16);
            int perChannel = 1 + random.nextInt(300);
            ScaleMode mode = random.nextBoolean() ? ScaleMode.PER_CHANNEL : ScaleMode.PER_TENSOR;
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            PowerQuantizer q =
                    PowerQuantizer.signed(2 + random.nextInt(7), 0.2 + 1.3 * random.nextDouble())
                            .withRounding(anyRounding(random));
            SortedMagnitudes sorted = SortedMagnitudes.of(w, channels, mode);
            float[] scales = RandomTensors.scales(w, channels, mode);
            int length = w.length / scales.length;
            int[] codes = sorted.codes(q, w);
            float[] values = sorted.dequantize(q, w);
            for (int i = 0; i < w.length; i++) {
                int expected = q.quantize(w[i], scales[i / length]);
                assertEquals(expected, codes[i], "weight " + i);
                assertEquals(
                        q.dequantize(expected, scales[i / length]), values[i], 0.0f, "weight " + i);
            }
        }
    }

    @Test
    void allZeroChannelQuantizesToZerosWithoutNaN() {
        float[] w = {0, 0, 0, 0, 0.5f, -0.25f, 0.1f, 0};
        SortedMagnitudes sorted = SortedMagnitudes.of(w, 2, ScaleMode.PER_CHANNEL);
        PowerQuantizer q = PowerQuantizer.signed(4, 0.6);
        float[] values = sorted.dequantize(q, w);
        for (int i = 0; i < 4; i++) {
            assertEquals(0.0f, values[i], 0.0f);
        }
        assertEquals(0.5f, values[4], 0.0f);
        assertTrue(Double.isFinite(sorted.squaredError(q)));
        assertArrayEquals(new float[] {0, 0.5f}, sorted.scales(), 0.0f);
        SortedMagnitudes zeros = SortedMagnitudes.of(new float[12], 3, ScaleMode.PER_TENSOR);
        assertEquals(0.0, zeros.squaredError(q), 0.0);
        assertArrayEquals(new float[12], zeros.dequantize(q, new float[12]), 0.0f);
    }

    @Test
    void nonFiniteWeightsAreRefused() {
        for (float bad :
                new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            float[] w = {0.1f, 0.2f, bad, 0.3f};
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> SortedMagnitudes.of(w, 2, ScaleMode.PER_CHANNEL));
            assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        }
    }

    private static CodeRounding anyRounding(Random random) {
        CodeRounding[] all = CodeRounding.values();
        return all[random.nextInt(all.length)];
    }
}
