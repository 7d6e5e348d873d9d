package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Error-aware rounding: codes stay on the grid, each weight takes one of its two bracketing levels,
 * no kernel's summed rounding error grows, and no single flip lowers what each pass minimises.
 */
class ErrorAwareRoundingTest {

    private record Case(PowerQuantizer grid, long[] shape, float[] w, float[] scales) {
        int channelLength() {
            return w.length / (int) shape[0];
        }

        int kernelLength() {
            int k = 1;
            for (int d = 2; d < shape.length; d++) {
                k *= (int) shape[d];
            }
            return k;
        }

        float scale(int i) {
            return scales[i / channelLength()];
        }

        /** The two grid levels bracketing a weight (equal when it sits on a level or beyond). */
        float[] bracket(int i) {
            float lower = Float.NEGATIVE_INFINITY;
            float upper = Float.POSITIVE_INFINITY;
            int n = grid.maxCode();
            for (int code = -n; code <= n; code++) {
                float level = grid.dequantize(code, scale(i));
                if (level <= w[i]) {
                    lower = Math.max(lower, level);
                }
                if (level >= w[i]) {
                    upper = Math.min(upper, level);
                }
            }
            if (lower == Float.NEGATIVE_INFINITY) {
                lower = upper;
            }
            if (upper == Float.POSITIVE_INFINITY) {
                upper = lower;
            }
            return new float[] {lower, upper};
        }

        float[] nearest() {
            float[] out = new float[w.length];
            for (int i = 0; i < out.length; i++) {
                out[i] = grid.dequantize(grid.quantize(w[i], scale(i)), scale(i));
            }
            return out;
        }

        double kernelSum(float[] q, int kernel) {
            int k = kernelLength();
            double sum = 0;
            for (int i = kernel * k; i < (kernel + 1) * k; i++) {
                sum += (double) q[i] - w[i];
            }
            return sum;
        }
    }

    private static Case randomCase(Random random) {
        int bits = 2 + random.nextInt(5);
        PowerQuantizer grid = PowerQuantizer.signed(bits, 0.4 + 0.8 * random.nextDouble());
        int out = 1 + random.nextInt(6);
        int in = 1 + random.nextInt(8);
        int kh = 1 + random.nextInt(3);
        int kw = 1 + random.nextInt(3);
        long[] shape = random.nextBoolean() ? new long[] {out, in, kh, kw} : new long[] {out, in};
        int perChannel = (int) (shape.length == 4 ? in * kh * kw : in);
        float[] w = RandomTensors.draw(random, RandomTensors.anyKind(random), out, perChannel);
        float[] scales = RandomTensors.scales(w, out, ScaleMode.PER_CHANNEL);
        double clip = random.nextBoolean() ? 1.0 : 0.5 + 0.5 * random.nextDouble();
        for (int c = 0; c < scales.length; c++) {
            scales[c] = (float) (clip * scales[c]);
        }
        return new Case(grid, shape, w, scales);
    }

    @Test
    void kernelPassLeavesNoFlipThatLowersAKernelsSummedError() {
        Random random = new Random(31);
        for (int trial = 0; trial < 300; trial++) {
            Case c = randomCase(random);
            float[] nearest = c.nearest();
            float[] q = new ErrorAwareRounding(false).dequantize(c.grid, c.shape, c.w, c.scales);
            int k = c.kernelLength();
            for (int kernel = 0; kernel < c.w.length / k; kernel++) {
                double sum = c.kernelSum(q, kernel);
                assertTrue(
                        Math.abs(sum) <= Math.abs(c.kernelSum(nearest, kernel)) + 1e-12,
                        "kernel " + kernel + " error grew");
                for (int i = kernel * k; i < (kernel + 1) * k; i++) {
                    float[] bracket = c.bracket(i);
                    float other = q[i] == bracket[0] ? bracket[1] : bracket[0];
                    double flipped = sum - q[i] + other;
                    assertTrue(
                            Math.abs(flipped) >= Math.abs(sum) - 1e-12,
                            "flipping weight " + i + " lowers kernel " + kernel + "'s error");
                }
            }
        }
    }

    @Test
    void codesStayOnTheGridAndEachWeightTakesABracketingLevel() {
        Random random = new Random(32);
        for (int trial = 0; trial < 300; trial++) {
            Case c = randomCase(random);
            ErrorAwareRounding rounding = new ErrorAwareRounding(true);
            int[] codes = rounding.codes(c.grid, c.shape, c.w, c.scales);
            float[] q = rounding.dequantize(c.grid, c.shape, c.w, c.scales);
            for (int i = 0; i < q.length; i++) {
                assertTrue(Math.abs(codes[i]) <= c.grid.maxCode());
                assertEquals(c.grid.dequantize(codes[i], c.scale(i)), q[i]);
                assertEquals(codes[i], c.grid.quantize(q[i], c.scale(i)), "re-quantizing " + i);
                float[] bracket = c.bracket(i);
                assertTrue(q[i] == bracket[0] || q[i] == bracket[1], "weight " + i + " left");
            }
        }
    }

    @Test
    void channelPassNeverGrowsAKernelsErrorAndLowersTheChannels() {
        Random random = new Random(33);
        for (int trial = 0; trial < 300; trial++) {
            Case c = randomCase(random);
            float[] nearest = c.nearest();
            float[] kernelOnly =
                    new ErrorAwareRounding(false).dequantize(c.grid, c.shape, c.w, c.scales);
            float[] q = new ErrorAwareRounding(true).dequantize(c.grid, c.shape, c.w, c.scales);
            int k = c.kernelLength();
            int perChannel = c.channelLength() / k;
            for (int ch = 0; ch < c.shape[0]; ch++) {
                double channel = 0;
                double channelKernelOnly = 0;
                double[] sums = new double[perChannel];
                for (int j = 0; j < perChannel; j++) {
                    int kernel = ch * perChannel + j;
                    sums[j] = c.kernelSum(q, kernel);
                    assertTrue(
                            Math.abs(sums[j]) <= Math.abs(c.kernelSum(nearest, kernel)) + 1e-12,
                            "kernel " + kernel + " error grew");
                    channel += sums[j];
                    channelKernelOnly += c.kernelSum(kernelOnly, kernel);
                }
                assertTrue(Math.abs(channel) <= Math.abs(channelKernelOnly) + 1e-12);
                // no single admissible flip lowers the channel's error
                for (int i = ch * c.channelLength(); i < (ch + 1) * c.channelLength(); i++) {
                    float[] bracket = c.bracket(i);
                    float other = q[i] == bracket[0] ? bracket[1] : bracket[0];
                    double delta = (double) other - q[i];
                    int kernel = i / k;
                    boolean admissible =
                            Math.abs(sums[kernel - ch * perChannel] + delta)
                                    <= Math.abs(c.kernelSum(nearest, kernel)) - 1e-12;
                    if (admissible) {
                        assertTrue(
                                Math.abs(channel + delta) >= Math.abs(channel) - 1e-12,
                                "flipping weight " + i + " lowers channel " + ch + "'s error");
                    }
                }
            }
        }
    }
}
