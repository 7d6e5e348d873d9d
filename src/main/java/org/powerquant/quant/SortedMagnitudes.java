package org.powerquant.quant;

import java.util.Arrays;

/**
 * The normalised magnitudes of one weight tensor, sorted once, with prefix sums that give the exact squared
 * quantization error for any exponent without visiting every weight.
 *
 * <h2>Derivation</h2>
 *
 * <p>Let weight {@code i} belong to channel {@code c(i)} with scale {@code s_c = max|w|} over that channel, and let
 * {@code x_i = |w_i| / s_c} (one scale for the whole tensor in per-tensor mode). Dequantization gives
 * {@code sign(w_i) * r_k * s_c} with {@code k = round(N x_i^a)} and {@code r_k = (k/N)^(1/a)}, so the squared error
 * of the tensor is
 *
 * <pre>  E(a) = sum_i s_c(i)^2 (x_i - r_k(i))^2.</pre>
 *
 * <p>The code is non-decreasing in {@code x} ({@link PowerQuantizer#code(double)}), so once the {@code x_i} are sorted
 * the weights with code {@code k} form one contiguous run {@code [lo_k, hi_k)}. With per-weight factors
 * {@code v_i = s_c(i)^2} and prefix sums {@code V_j = sum_{i<j} v_i}, {@code X_j = sum_{i<j} v_i x_i},
 * {@code Q_j = sum_{i<j} v_i x_i^2}, the error of a run expands to
 *
 * <pre>  sum_{i in run} v_i (x_i - r)^2 = r^2 (V_hi - V_lo) - 2 r (X_hi - X_lo) + (Q_hi - Q_lo).</pre>
 *
 * <p>Each run's end is found by binary search with the quantizer's own rounding as the predicate
 * ({@code code(x) >= k + 1}), never by an approximate threshold, so the runs are exactly those the per-weight
 * quantizer produces. One evaluation costs {@code O(levels * log n)} and is exact up to floating-point rounding.
 * Because the run error is a difference of nearly equal numbers when the error is small, the prefix sums are kept
 * in double-double arithmetic (a high and a low part, accumulated with Knuth's two-sum), which keeps the relative
 * error of {@code E(a)} near {@code 1e-11} even at 8 bits on millions of weights.
 *
 * <p>Sorting carries each magnitude's position; it is an LSD radix sort on the IEEE bit pattern of the non-negative
 * doubles (monotone for non-negative values), because the JDK has no primitive sort with a payload and sorting boxed
 * indices costs several times more on ResNet-sized layers.
 */
public final class SortedMagnitudes {

    private static final int DIGIT_BITS = 11;
    private static final int BUCKETS = 1 << DIGIT_BITS;

    private final int size;
    private final int channelLength;
    private final double[] scales;
    private final long[] keys;
    private final int[] positions;
    private final double[] weightHi;
    private final double[] weightLo;
    private final double[] firstHi;
    private final double[] firstLo;
    private final double[] secondHi;
    private final double[] secondLo;

    private SortedMagnitudes(float[] values, int channels, ScaleMode mode) {
        size = values.length;
        if (channels <= 0 || size % channels != 0) {
            throw new IllegalArgumentException(
                    "a tensor of " + size + " values cannot be split into " + channels + " channels");
        }
        int scaleCount = mode == ScaleMode.PER_CHANNEL ? channels : 1;
        channelLength = scaleCount == 0 ? 0 : size / scaleCount;
        scales = new double[scaleCount];
        for (int c = 0; c < scaleCount; c++) {
            float max = 0;
            for (int i = c * channelLength, end = i + channelLength; i < end; i++) {
                float v = values[i];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException("non-finite weight " + v + " at flat index " + i);
                }
                max = Math.max(max, Math.abs(v));
            }
            scales[c] = max;
        }
        long[] unsortedKeys = new long[size];
        int[] unsortedPositions = new int[size];
        for (int i = 0; i < size; i++) {
            double s = scales[i / channelLength];
            double x = s > 0 ? Math.abs((double) values[i]) / s : 0;
            unsortedKeys[i] = Double.doubleToRawLongBits(x);
            unsortedPositions[i] = i;
        }
        long[][] sortedKeys = {unsortedKeys, new long[size]};
        int[][] sortedPositions = {unsortedPositions, new int[size]};
        int current = radixSort(sortedKeys, sortedPositions);
        keys = sortedKeys[current];
        positions = sortedPositions[current];

        weightHi = new double[size + 1];
        weightLo = new double[size + 1];
        firstHi = new double[size + 1];
        firstLo = new double[size + 1];
        secondHi = new double[size + 1];
        secondLo = new double[size + 1];
        for (int j = 0; j < size; j++) {
            double s = scales[positions[j] / channelLength];
            double v = s * s;
            double x = Double.longBitsToDouble(keys[j]);
            double vx = v * x;
            accumulate(weightHi, weightLo, j, v);
            accumulate(firstHi, firstLo, j, vx);
            accumulate(secondHi, secondLo, j, vx * x);
        }
    }

    /**
     * Sorts the magnitudes of a weight tensor laid out channel after channel (the first dimension is the channel).
     *
     * @param values the weights, row-major with the output channel first
     * @param channels the number of output channels (the size of the first dimension)
     * @param mode per-channel or per-tensor scales
     * @return the sorted magnitudes
     * @throws IllegalArgumentException if a weight is not finite or the channels do not divide the size
     */
    public static SortedMagnitudes of(float[] values, int channels, ScaleMode mode) {
        return new SortedMagnitudes(values, channels, mode);
    }

    /** @return the number of weights */
    public int size() {
        return size;
    }

    /** @return the scales, one per channel in per-channel mode, one in per-tensor mode (a copy) */
    public double[] scales() {
        return scales.clone();
    }

    /**
     * The scale that applies to a weight.
     *
     * @param flatIndex the weight's position in the tensor
     * @return its channel's scale
     */
    public double scaleOf(int flatIndex) {
        return scales[flatIndex / channelLength];
    }

    /**
     * The exact squared error of quantizing the tensor with a quantizer: {@code sum (w - dequantize(quantize(w)))^2}
     * in double precision, in {@code O(levels * log n)}.
     *
     * @param quantizer the quantizer (its exponent and bit width)
     * @return the squared error
     */
    public double squaredError(PowerQuantizer quantizer) {
        double error = 0;
        int start = 0;
        while (start < size) {
            int k = quantizer.code(magnitude(start));
            int end = endOfRun(quantizer, k, start);
            error += runError(start, end, quantizer.level(k));
            start = end;
        }
        return error;
    }

    /**
     * Quantizes and dequantizes every weight, in the tensor's own order.
     *
     * @param quantizer the quantizer
     * @param values the weights these magnitudes were built from (for their signs)
     * @return the dequantized weights, each {@code sign(w) * (float) (level(code) * s)}
     */
    public float[] dequantize(PowerQuantizer quantizer, float[] values) {
        checkSameTensor(values);
        float[] out = new float[size];
        forEachRun(quantizer, (start, end, code) -> {
            double level = quantizer.level(code);
            for (int j = start; j < end; j++) {
                int i = positions[j];
                float magnitude = (float) (level * scales[i / channelLength]);
                out[i] = values[i] < 0 ? -magnitude : magnitude;
            }
        });
        return out;
    }

    /**
     * The signed codes of every weight, in the tensor's own order.
     *
     * @param quantizer the quantizer
     * @param values the weights these magnitudes were built from (for their signs)
     * @return {@code sign(w) * round(N (|w|/s)^a)}
     */
    public int[] codes(PowerQuantizer quantizer, float[] values) {
        checkSameTensor(values);
        int[] out = new int[size];
        forEachRun(quantizer, (start, end, code) -> {
            for (int j = start; j < end; j++) {
                int i = positions[j];
                out[i] = values[i] < 0 && quantizer.isSigned() ? -code : code;
            }
        });
        return out;
    }

    private void checkSameTensor(float[] values) {
        if (values.length != size) {
            throw new IllegalArgumentException("expected " + size + " values, got " + values.length);
        }
    }

    private interface RunVisitor {
        void visit(int start, int end, int code);
    }

    private void forEachRun(PowerQuantizer quantizer, RunVisitor visitor) {
        int start = 0;
        while (start < size) {
            int k = quantizer.code(magnitude(start));
            int end = endOfRun(quantizer, k, start);
            visitor.visit(start, end, k);
            start = end;
        }
    }

    private double magnitude(int sortedIndex) {
        return Double.longBitsToDouble(keys[sortedIndex]);
    }

    /** The first sorted position at or after {@code from} whose code exceeds {@code k}, by binary search. */
    private int endOfRun(PowerQuantizer quantizer, int k, int from) {
        if (k >= quantizer.maxCode()) {
            return size;
        }
        int lo = from + 1;
        int hi = size;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (quantizer.code(magnitude(mid)) > k) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private double runError(int start, int end, double level) {
        double v = difference(weightHi, weightLo, start, end);
        double first = difference(firstHi, firstLo, start, end);
        double second = difference(secondHi, secondLo, start, end);
        return Math.max(0, level * level * v - 2 * level * first + second);
    }

    private static double difference(double[] hi, double[] lo, int start, int end) {
        return (hi[end] - hi[start]) + (lo[end] - lo[start]);
    }

    /** Double-double prefix sum: {@code (hi, lo)[j+1] = (hi, lo)[j] + term}, with Knuth's two-sum. */
    private static void accumulate(double[] hi, double[] lo, int j, double term) {
        double a = hi[j];
        double s = a + term;
        double bVirtual = s - a;
        double error = (a - (s - bVirtual)) + (term - bVirtual);
        double low = lo[j] + error;
        double high = s + low;
        hi[j + 1] = high;
        lo[j + 1] = low - (high - s);
    }

    /**
     * LSD radix sort of non-negative doubles' bit patterns with their positions as payload; stable, digit by digit,
     * skipping digits on which every key agrees.
     *
     * @return which of the two buffers holds the result
     */
    private static int radixSort(long[][] keyBuffers, int[][] positionBuffers) {
        int n = keyBuffers[0].length;
        int current = 0;
        int[] counts = new int[BUCKETS];
        for (int shift = 0; shift < Long.SIZE; shift += DIGIT_BITS) {
            long[] src = keyBuffers[current];
            int[] srcPos = positionBuffers[current];
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[(int) (src[i] >>> shift) & (BUCKETS - 1)]++;
            }
            if (n == 0 || counts[(int) (src[0] >>> shift) & (BUCKETS - 1)] == n) {
                continue;
            }
            int total = 0;
            for (int b = 0; b < BUCKETS; b++) {
                int c = counts[b];
                counts[b] = total;
                total += c;
            }
            long[] dst = keyBuffers[1 - current];
            int[] dstPos = positionBuffers[1 - current];
            for (int i = 0; i < n; i++) {
                int b = (int) (src[i] >>> shift) & (BUCKETS - 1);
                int at = counts[b]++;
                dst[at] = src[i];
                dstPos[at] = srcPos[i];
            }
            current = 1 - current;
        }
        return current;
    }
}
