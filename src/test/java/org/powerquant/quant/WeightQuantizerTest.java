package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** One layer end to end: grid, report figures, and values that stay on the grid. */
class WeightQuantizerTest {

    @Test
    void quantizedWeightsAreExactlyOnTheReportedGrid() {
        Random random = new Random(31);
        for (int trial = 0; trial < 60; trial++) {
            int bits = 2 + random.nextInt(7);
            ScaleMode mode = random.nextBoolean() ? ScaleMode.PER_CHANNEL : ScaleMode.PER_TENSOR;
            int channels = 1 + random.nextInt(24);
            int perChannel = 1 + random.nextInt(100);
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            float[] original = w.clone();
            WeightQuantizer quantizer =
                    WeightQuantizer.builder().bits(bits).scaleMode(mode).build();
            QuantizedWeights q = quantizer.quantize("layer", new long[] {channels, perChannel}, w);
            assertArrayEquals(original, w, 0.0f, "the input must not be modified");

            PowerQuantizer grid = PowerQuantizer.signed(bits, q.exponent());
            int length = w.length / q.scales().length;
            for (int i = 0; i < w.length; i++) {
                float s = q.scales()[i / length];
                float v = q.values()[i];
                assertEquals(
                        v,
                        grid.dequantize(grid.quantize(v, s), s),
                        0.0f,
                        "weight " + i + " leaves its grid");
            }
            QuantizedWeights again =
                    WeightQuantizer.builder()
                            .bits(bits)
                            .scaleMode(mode)
                            .method(QuantizationMethod.UNIFORM)
                            .build()
                            .quantize("layer", new long[] {channels, perChannel}, q.values());
            assertArrayEquals(q.scales(), again.scales(), 0.0f, "re-quantizing keeps the scales");
        }
    }

    @Test
    void nearestLevelRoundingLeavesNoWeightCloserToAnotherLevelOfItsGrid() {
        Random random = new Random(33);
        for (int trial = 0; trial < 40; trial++) {
            int bits = 2 + random.nextInt(4);
            int channels = 1 + random.nextInt(12);
            int perChannel = 9 + random.nextInt(200);
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            QuantizedWeights q =
                    WeightQuantizer.builder()
                            .bits(bits)
                            .rounding(WeightRounding.NEAREST_LEVEL)
                            .build()
                            .quantize("layer", new long[] {channels, perChannel}, w);
            PowerQuantizer grid = PowerQuantizer.signed(bits, q.exponent());
            for (int i = 0; i < w.length; i++) {
                float s = q.scales()[i / perChannel];
                double error = Math.abs(w[i] - q.values()[i]);
                for (int k = -grid.maxCode(); k <= grid.maxCode(); k++) {
                    double other = Math.abs(w[i] - (double) grid.dequantize(k, s));
                    assertTrue(
                            error <= other + 1e-6 * s,
                            "weight " + i + " of trial " + trial + ": level " + k + " is closer");
                }
            }
        }
    }

    @Test
    void errorAwarePowerQuantKeepsTheSearchedExponentOnlyWhereItsKernelErrorIsNoWorse() {
        Random random = new Random(35);
        int kept = 0;
        int fellBack = 0;
        for (int trial = 0; trial < 120; trial++) {
            int bits = 3 + random.nextInt(2);
            int channels = 1 + random.nextInt(16);
            int inputs = 1 + random.nextInt(3);
            long[] shape = {channels, inputs, 3, 3};
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, inputs * 9);
            double searched =
                    WeightQuantizer.builder()
                            .bits(bits)
                            .build()
                            .quantize("conv", shape, w)
                            .exponent();
            WeightQuantizer.Builder builder =
                    WeightQuantizer.builder().bits(bits).rounding(WeightRounding.ERROR_AWARE);
            QuantizedWeights power = builder.build().quantize("conv", shape, w);
            QuantizedWeights uniform =
                    builder.method(QuantizationMethod.UNIFORM).build().quantize("conv", shape, w);
            float[] atSearched =
                    new ErrorAwareRounding(true)
                            .dequantize(
                                    PowerQuantizer.signed(bits, searched),
                                    shape,
                                    w,
                                    power.scales());
            double searchedError = ErrorAwareRounding.kernelError(shape, w, atSearched);
            double uniformError = ErrorAwareRounding.kernelError(shape, w, uniform.values());
            if (searchedError <= uniformError) {
                kept++;
                assertEquals(searched, power.exponent(), "trial " + trial);
                assertArrayEquals(atSearched, power.values(), 0.0f, "trial " + trial);
            } else {
                fellBack++;
                assertEquals(1.0, power.exponent(), "trial " + trial);
                assertArrayEquals(uniform.values(), power.values(), 0.0f, "trial " + trial);
            }
        }
        assertTrue(kept > 0 && fellBack > 0, kept + " kept, " + fellBack + " fell back to a = 1");
    }

    @Test
    void kernelErrorIsTheSquaredErrorPlusEachKernelsSummedErrorSquared() {
        Random random = new Random(36);
        for (int trial = 0; trial < 30; trial++) {
            int channels = 1 + random.nextInt(5);
            int inputs = 1 + random.nextInt(4);
            int side = 1 + random.nextInt(3);
            long[] conv = {channels, inputs, side, side};
            int n = channels * inputs * side * side;
            float[] w = RandomTensors.draw(random, RandomTensors.Kind.GAUSSIAN, 1, n);
            float[] q = RandomTensors.draw(random, RandomTensors.Kind.GAUSSIAN, 1, n);
            // e^T (I + K) e, K the block matrix of ones over each kernel's positions
            int kernel = side * side;
            double expected = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double kij = (i == j ? 1 : 0) + (i / kernel == j / kernel ? 1 : 0);
                    expected += ((double) q[i] - w[i]) * kij * ((double) q[j] - w[j]);
                }
            }
            assertEquals(
                    expected, ErrorAwareRounding.kernelError(conv, w, q), 1e-9 * (1 + expected));
            double squared = 0;
            for (int i = 0; i < n; i++) {
                squared += ((double) q[i] - w[i]) * ((double) q[i] - w[i]);
            }
            assertEquals(
                    2 * squared,
                    ErrorAwareRounding.kernelError(new long[] {channels, n / channels}, w, q),
                    1e-9 * (1 + squared),
                    "a dense layer's kernels are single weights");
        }
    }

    @Test
    void reportedErrorsAreThoseOfTheValues() {
        Random random = new Random(32);
        float[] w = RandomTensors.draw(random, RandomTensors.Kind.LAPLACE, 16, 400);
        QuantizedWeights q =
                WeightQuantizer.builder().bits(4).build().quantize("conv", new long[] {16, 400}, w);
        double measured = 0;
        for (int i = 0; i < w.length; i++) {
            double d = w[i] - q.values()[i];
            measured += d * d;
        }
        // The values are stored as float: the measured error differs from the double-precision one
        // by rounding only.
        assertEquals(q.squaredError(), measured, 1e-5 * measured);
        assertTrue(
                q.exponent() < 1,
                "bell-shaped weights favour an exponent below one, got " + q.exponent());
    }

    @Test
    void uniformMethodUsesExponentOne() {
        float[] w = RandomTensors.draw(new Random(33), RandomTensors.Kind.GAUSSIAN, 8, 50);
        QuantizedWeights q =
                WeightQuantizer.builder()
                        .bits(3)
                        .method(QuantizationMethod.UNIFORM)
                        .build()
                        .quantize("fc", new long[] {8, 50}, w);
        assertEquals(1.0, q.exponent(), 0.0);
        assertEquals(q.uniformSquaredError(), q.squaredError(), 0.0);
    }

    @Test
    void clippingReportsTheRatioItsScalesCarryAndNeverLosesToTheFullRange() {
        Random random = new Random(37);
        for (int trial = 0; trial < 40; trial++) {
            int bits = 2 + random.nextInt(5);
            int channels = 1 + random.nextInt(12);
            int perChannel = 2 + random.nextInt(150);
            float[] w =
                    RandomTensors.draw(random, RandomTensors.anyKind(random), channels, perChannel);
            long[] shape = {channels, perChannel};
            QuantizationMethod method =
                    random.nextBoolean() ? QuantizationMethod.POWER : QuantizationMethod.UNIFORM;
            WeightQuantizer.Builder builder = WeightQuantizer.builder().bits(bits).method(method);
            QuantizedWeights full = builder.build().quantize("layer", shape, w);
            QuantizedWeights clipped = builder.clipping(true).build().quantize("layer", shape, w);
            String where = "trial " + trial + " (" + method + ", " + bits + " bits)";
            assertEquals(1.0, full.clip(), 0.0, where + ": no clip without clipping");
            assertTrue(
                    clipped.clip() >= ClippingSearch.DEFAULT_MIN_CLIP && clipped.clip() <= 1,
                    where + ": clip " + clipped.clip());
            for (int c = 0; c < channels; c++) {
                assertEquals(
                        (float) (clipped.clip() * full.scales()[c]),
                        clipped.scales()[c],
                        0.0f,
                        where + ": channel " + c + "'s range is not the reported clip of its max");
            }
            assertTrue(
                    clipped.squaredError() <= full.squaredError() * (1 + 1e-6),
                    where
                            + ": clipped error "
                            + clipped.squaredError()
                            + " > "
                            + full.squaredError());
        }
    }

    @Test
    void perTensorModeHasOneScale() {
        float[] w = RandomTensors.draw(new Random(34), RandomTensors.Kind.GAUSSIAN, 8, 50);
        QuantizedWeights q =
                WeightQuantizer.builder()
                        .scaleMode(ScaleMode.PER_TENSOR)
                        .build()
                        .quantize("fc", new long[] {8, 50}, w);
        assertEquals(1, q.scales().length);
    }

    @Test
    void nonFiniteWeightIsAnErrorNamingTheLayer() {
        float[] w = {0.1f, Float.NaN, 0.2f, 0.3f};
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                WeightQuantizer.builder()
                                        .build()
                                        .quantize("layer2.0.conv1.weight", new long[] {2, 2}, w));
        assertTrue(e.getMessage().contains("layer2.0.conv1.weight"), e.getMessage());
    }
}
