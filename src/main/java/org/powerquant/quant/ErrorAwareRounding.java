package org.powerquant.quant;

/**
 * Data-free error-aware rounding on a quantization grid, after SQuant (Guo et al., ICLR 2022):
 * instead of rounding every weight to its nearest level on its own, some weights are rounded to the
 * level on their other side so that the rounding errors of each kernel, and then of each output
 * channel, add up to as little as possible. On a smooth input a convolution's output error is close
 * to the input's local mean times the kernel's summed rounding error, which nearest rounding lets
 * grow with the kernel's size.
 *
 * <p>Each weight {@code w} lies between two adjacent levels of its grid ({@link
 * PowerQuantizer#dequantize(int, float)} of neighbouring codes under its channel's scale): the
 * grid's own rounding ({@link PowerQuantizer#quantize(float, float)}) takes one of them, a
 * <em>flip</em> takes the other (a weight exactly on a level, or beyond the largest level, has no
 * flip). The start is that rounding, the paper's in the power domain unless the grid rounds to the
 * nearest level: for {@code a = 1} both are the closer level, for {@code a < 1} the paper's takes
 * the upper level a little more often. Errors are in the weights' own units, {@code e = w_q - w},
 * so the unequal gaps of a power grid count as they are. Two passes:
 *
 * <ol>
 *   <li><b>kernel</b>: while some flip inside a kernel (the weights of one output and one input
 *       channel) makes the kernel's summed error {@code |E_k|} strictly smaller, the one that adds
 *       the least squared error is applied (SQuant's order: the largest residuals first). It stops
 *       when no single flip lowers {@code |E_k|}, which never exceeds its value at the start;
 *   <li><b>channel</b>: the same over an output channel's summed error {@code |E_c|}, admitting
 *       only flips that keep every kernel's {@code |E_k|} within its value at the start. Sweeps of
 *       the admissible flips, cheapest first, repeat until one applies none.
 * </ol>
 *
 * <p>Every step strictly lowers the error it targets, so both passes end; codes never leave the
 * grid (each weight takes one of its two bracketing levels). Deterministic; pure Java. {@link
 * #kernelError} is the measure by which {@link WeightQuantizer} decides whether a layer's searched
 * exponent, once rounded this way, still beats {@code a = 1}.
 */
public final class ErrorAwareRounding {

    private final boolean channelPass;

    /**
     * Creates the rounding.
     *
     * @param channelPass whether the channel pass follows the kernel pass
     */
    public ErrorAwareRounding(boolean channelPass) {
        this.channelPass = channelPass;
    }

    /**
     * Rounds a weight tensor.
     *
     * @param grid the grid (bits, exponent)
     * @param shape the shape, output channel first; dimensions from the third on form a kernel
     *     (rank 1 and 2: one weight per kernel)
     * @param values the weights, row-major; not modified
     * @param scales one scale per output channel, or one for the whole tensor
     * @return the signed codes, in the tensor's order
     */
    public int[] codes(PowerQuantizer grid, long[] shape, float[] values, float[] scales) {
        int channels = (int) shape[0];
        int channelLength = values.length / Math.max(1, channels);
        int kernelLength = 1;
        for (int d = 2; d < shape.length; d++) {
            kernelLength *= (int) shape[d];
        }
        int[] codes = new int[values.length];
        double[] error = new double[values.length];
        double[] flipError = new double[values.length];
        int[] flipCode = new int[values.length];
        boolean[] canFlip = new boolean[values.length];
        for (int i = 0; i < values.length; i++) {
            float scale = scales.length == 1 ? scales[0] : scales[i / channelLength];
            float w = values[i];
            int code = grid.quantize(w, scale);
            codes[i] = code;
            error[i] = (double) grid.dequantize(code, scale) - w;
            int magnitude = Math.abs(code);
            float q = Math.abs(grid.dequantize(code, scale));
            int other;
            if (Math.abs(w) > q) {
                other = magnitude < grid.maxCode() ? magnitude + 1 : -1;
            } else if (Math.abs(w) < q) {
                other = magnitude > 0 ? magnitude - 1 : -1;
            } else {
                other = -1;
            }
            if (other >= 0 && scale > 0) {
                int signed = w < 0 ? -other : other;
                canFlip[i] = true;
                flipCode[i] = signed;
                flipError[i] = (double) grid.dequantize(signed, scale) - w;
            }
        }
        for (int c = 0; c < channels; c++) {
            int begin = c * channelLength;
            int kernels = channelLength / kernelLength;
            double[] kernelSums = new double[kernels];
            double[] bounds = new double[kernels];
            for (int k = 0; k < kernels; k++) {
                int from = begin + k * kernelLength;
                double sum = 0;
                for (int i = from; i < from + kernelLength; i++) {
                    sum += error[i];
                }
                bounds[k] = Math.abs(sum);
                kernelSums[k] =
                        kernelPass(
                                from,
                                from + kernelLength,
                                sum,
                                codes,
                                error,
                                flipCode,
                                flipError,
                                canFlip);
            }
            if (channelPass) {
                channelPass(
                        begin,
                        kernelLength,
                        kernelSums,
                        bounds,
                        codes,
                        error,
                        flipCode,
                        flipError,
                        canFlip);
            }
        }
        return codes;
    }

    /**
     * Rounds a weight tensor and returns its dequantized values.
     *
     * @param grid the grid
     * @param shape the shape, output channel first
     * @param values the weights; not modified
     * @param scales one scale per output channel, or one for the tensor
     * @return the dequantized values, each on the grid
     */
    public float[] dequantize(PowerQuantizer grid, long[] shape, float[] values, float[] scales) {
        int[] codes = codes(grid, shape, values, scales);
        int channelLength = values.length / Math.max(1, (int) shape[0]);
        float[] out = new float[values.length];
        for (int i = 0; i < out.length; i++) {
            float scale = scales.length == 1 ? scales[0] : scales[i / channelLength];
            out[i] = grid.dequantize(codes[i], scale);
        }
        return out;
    }

    /**
     * The error by which a grid under error-aware rounding is judged: the squared rounding error
     * plus each kernel's summed rounding error squared, {@code sum_i e_i^2 + sum_k (sum_{i in k}
     * e_i)^2} with {@code e = w_q - w}. It is a kernel's expected squared output error, summed over
     * kernels, when its input positions share a common part (the local mean) with as much energy as
     * their independent fluctuation: for {@code x_i = m + n_i}, {@code E[m^2] = E[n_i^2] = v},
     * {@code E[(sum_i e_i x_i)^2] = v (sum_i e_i^2 + (sum_i e_i)^2)}. Nearest rounding minimises
     * the first term alone; error-aware rounding trades a little of it for the second. For kernels
     * of one weight (rank 1 and 2) it is twice the squared error.
     *
     * @param shape the shape, output channel first, kernels as in {@link #codes}
     * @param values the weights, row-major
     * @param quantized their quantized values, same order
     * @return the error, in squared weight units
     */
    public static double kernelError(long[] shape, float[] values, float[] quantized) {
        if (values.length != quantized.length) {
            throw new IllegalArgumentException(
                    values.length + " weights but " + quantized.length + " quantized values");
        }
        int kernelLength = 1;
        for (int d = 2; d < shape.length; d++) {
            kernelLength *= (int) shape[d];
        }
        double total = 0;
        for (int from = 0; from < values.length; from += kernelLength) {
            double sum = 0;
            for (int i = from; i < from + kernelLength; i++) {
                double e = (double) quantized[i] - values[i];
                total += e * e;
                sum += e;
            }
            total += sum * sum;
        }
        return total;
    }

    private static void flip(
            int i, int[] codes, double[] error, int[] flipCode, double[] flipError) {
        int code = codes[i];
        double e = error[i];
        codes[i] = flipCode[i];
        error[i] = flipError[i];
        flipCode[i] = code;
        flipError[i] = e;
    }

    /** Flips inside one kernel until no single flip lowers its summed error; returns the sum. */
    private static double kernelPass(
            int from,
            int to,
            double sum,
            int[] codes,
            double[] error,
            int[] flipCode,
            double[] flipError,
            boolean[] canFlip) {
        while (true) {
            int best = -1;
            double bestCost = Double.POSITIVE_INFINITY;
            for (int i = from; i < to; i++) {
                if (!canFlip[i]) {
                    continue;
                }
                double next = sum - error[i] + flipError[i];
                if (Math.abs(next) < Math.abs(sum)) {
                    double cost = flipError[i] * flipError[i] - error[i] * error[i];
                    if (cost < bestCost) {
                        bestCost = cost;
                        best = i;
                    }
                }
            }
            if (best < 0) {
                return sum;
            }
            sum += flipError[best] - error[best];
            flip(best, codes, error, flipCode, flipError);
        }
    }

    /** Sweeps admissible flips over a channel, cheapest first, until a sweep applies none. */
    private static void channelPass(
            int begin,
            int kernelLength,
            double[] kernelSums,
            double[] bounds,
            int[] codes,
            double[] error,
            int[] flipCode,
            double[] flipError,
            boolean[] canFlip) {
        int length = kernelSums.length * kernelLength;
        double sum = 0;
        for (double s : kernelSums) {
            sum += s;
        }
        boolean changed = true;
        while (changed) {
            changed = false;
            long[] keys = new long[length];
            int count = 0;
            for (int j = 0; j < length; j++) {
                int i = begin + j;
                if (canFlip[i]) {
                    double cost = flipError[i] * flipError[i] - error[i] * error[i];
                    keys[count++] = (long) orderedBits((float) cost) << 32 | j;
                }
            }
            long[] order = java.util.Arrays.copyOf(keys, count);
            java.util.Arrays.sort(order);
            for (long key : order) {
                int j = (int) (key & 0xffff_ffffL);
                int i = begin + j;
                int k = j / kernelLength;
                double delta = flipError[i] - error[i];
                if (Math.abs(sum + delta) < Math.abs(sum)
                        && Math.abs(kernelSums[k] + delta) <= bounds[k]) {
                    sum += delta;
                    kernelSums[k] += delta;
                    flip(i, codes, error, flipCode, flipError);
                    changed = true;
                }
            }
        }
    }

    /** The bits of a float as an int whose signed order is the float's order (cheapest first). */
    private static int orderedBits(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : bits ^ 0x7fff_ffff;
    }
}
