package org.powerquant.quant;

import java.util.Arrays;

/**
 * The normalised magnitudes of one weight tensor, sorted once, with prefix sums that give the exact
 * squared quantization error for any exponent without visiting every weight.
 *
 * <h2>Derivation</h2>
 *
 * <p>Let weight {@code i} belong to channel {@code c(i)} with scale {@code s_c = max|w|} over that
 * channel (one scale for the whole tensor in per-tensor mode). Its code is taken from the
 * normalised magnitude {@code x_i = |w_i| / s_c} ({@link PowerQuantizer#normalise}), {@code k_i =
 * round(N x_i^a)}, and it is reconstructed as {@code sign(w_i) r_k s_c} with {@code r_k =
 * (k/N)^(1/a)}. The squared error of the tensor is
 *
 * <pre>
 *   E(a) = sum_i (|w_i| - r_k(i) s_c(i))^2 = sum_i v_i (u_i - r_k(i))^2,   v_i = s_c(i)^2,  u_i = |w_i| / s_c(i)
 * </pre>
 *
 * <p>({@code u_i} is {@code x_i} in double precision). The code is non-decreasing in {@code x}
 * ({@link PowerQuantizer#code(double)}), so once the weights are sorted by {@code x} the weights
 * with code {@code k} form one contiguous run {@code [lo_k, hi_k)}. With prefix sums {@code V_j =
 * sum_{i<j} v_i}, {@code U_j = sum_{i<j} v_i u_i} and {@code Q_j = sum_{i<j} v_i u_i^2} over the
 * sorted order, the error of a run expands to
 *
 * <pre>  sum_{i in run} v_i (u_i - r)^2 = r^2 (V_hi - V_lo) - 2 r (U_hi - U_lo) + (Q_hi - Q_lo).
 * </pre>
 *
 * <p>A run's end is located by binary search for the rounding threshold {@code ((k + 1/2) /
 * N)^(1/a)}, then corrected with the quantizer's own rounding as the predicate ({@code code(x) >
 * k}) on the neighbours, so the runs are exactly those the per-weight quantizer produces even where
 * the threshold itself rounds. One evaluation costs about {@code 3N} powers and {@code N log n}
 * comparisons, whatever the number of weights, and is exact up to floating-point rounding. Because
 * a run's error is a difference of nearly equal numbers when the error is small, the prefix sums
 * are kept in double-double arithmetic (a high and a low part, accumulated with Knuth's two-sum),
 * which keeps the relative error of {@code E(a)} near {@code 1e-11} even at 8 bits on millions of
 * weights.
 *
 * <p>Sorting packs each magnitude's float bit pattern (monotone for non-negative floats) above its
 * position in one {@code long} and sorts those with a three-pass LSD radix sort on the upper 32
 * bits: the JDK has no primitive sort with a payload, and a comparison sort of 25 million keys
 * costs several times more.
 */
public final class SortedMagnitudes {

    private static final int DIGIT_BITS = 11;
    private static final int BUCKETS = 1 << DIGIT_BITS;
    private static final long POSITION_MASK = 0xffff_ffffL;
    private static final int SAMPLE_SHIFT = 7;

    private final int size;
    private final int channelLength;
    private final float[] scales;

    /**
     * Sorted: float bits of {@code x} in the upper 32 bits, the weight's position in the lower 32.
     */
    private final long[] entries;

    /**
     * Every {@code SAMPLE}-th entry: a small index, cache-resident, that narrows each binary
     * search.
     */
    private final long[] sample;

    private final PrefixSums weights;
    private final PrefixSums firstMoments;
    private final PrefixSums secondMoments;

    private SortedMagnitudes(float[] values, int channels, ScaleMode mode) {
        size = values.length;
        if (channels <= 0 || size % channels != 0) {
            throw new IllegalArgumentException(
                    "a tensor of "
                            + size
                            + " values cannot be split into "
                            + channels
                            + " channels");
        }
        int scaleCount = mode == ScaleMode.PER_CHANNEL ? channels : 1;
        channelLength = Math.max(1, size / scaleCount);
        scales = new float[scaleCount];
        long[] unsorted = new long[size];
        for (int c = 0; c < scaleCount; c++) {
            float max = 0;
            int begin = c * channelLength;
            int end = Math.min(size, begin + channelLength);
            for (int i = begin; i < end; i++) {
                float v = values[i];
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "non-finite weight " + v + " at flat index " + i);
                }
                max = Math.max(max, Math.abs(v));
            }
            scales[c] = max;
            for (int i = begin; i < end; i++) {
                long bits = Float.floatToRawIntBits(PowerQuantizer.normalise(values[i], max));
                unsorted[i] = bits << 32 | i;
            }
        }
        entries = radixSortUpperHalf(unsorted);
        sample = new long[(size + (1 << SAMPLE_SHIFT) - 1) >> SAMPLE_SHIFT];
        for (int b = 0; b < sample.length; b++) {
            sample[b] = entries[b << SAMPLE_SHIFT];
        }

        weights = new PrefixSums(size);
        firstMoments = new PrefixSums(size);
        secondMoments = new PrefixSums(size);
        for (int j = 0; j < size; j++) {
            int i = position(j);
            double s = scales[i / channelLength];
            double v = s * s;
            double u = s > 0 ? Math.abs((double) values[i]) / s : 0;
            double vu = v * u;
            weights.add(v);
            firstMoments.add(vu);
            secondMoments.add(vu * u);
        }
    }

    /**
     * Sorts the magnitudes of a weight tensor laid out channel after channel (the first dimension
     * is the channel).
     *
     * @param values the weights, row-major with the output channel first
     * @param channels the number of output channels (the size of the first dimension)
     * @param mode per-channel or per-tensor scales
     * @return the sorted magnitudes
     * @throws IllegalArgumentException if a weight is not finite or the channels do not divide the
     *     size
     */
    public static SortedMagnitudes of(float[] values, int channels, ScaleMode mode) {
        return new SortedMagnitudes(values, channels, mode);
    }

    /**
     * Returns the number of weights.
     *
     * @return the number of weights
     */
    public int size() {
        return size;
    }

    /**
     * Returns the scales, one per channel in per-channel mode, one in per-tensor mode (a copy).
     *
     * @return the scales, one per channel in per-channel mode, one in per-tensor mode (a copy)
     */
    public float[] scales() {
        return scales.clone();
    }

    /**
     * The exact squared error of quantizing the tensor with a quantizer: {@code sum (w -
     * dequantize(quantize(w)))^2} in double precision, in {@code O(levels * log n)}.
     *
     * @param quantizer the quantizer (its exponent and bit width)
     * @return the squared error
     */
    public double squaredError(PowerQuantizer quantizer) {
        return squaredError(quantizer, 1.0);
    }

    /**
     * The exact squared error of quantizing the tensor with each channel's range clipped to {@code
     * clip} times its scale: a weight's code is {@code round(N min(x / clip, 1)^a)} and it stands
     * for {@code clip * (k/N)^(1/a)} in normalised units. The weights at or above the clip form the
     * top run (code {@code N}, level {@code clip}); every run's error is still {@code r^2 V - 2 r U
     * + Q}, now with {@code r = clip * (k/N)^(1/a)}, and its end is found by binary search for the
     * threshold scaled by {@code clip}. A clip of one is {@link #squaredError(PowerQuantizer)}.
     *
     * @param quantizer the quantizer (its exponent and bit width)
     * @param clip the clipping ratio, in {@code (0, 1]}
     * @return the squared error
     */
    public double squaredError(PowerQuantizer quantizer, double clip) {
        checkClip(clip);
        double error = 0;
        int start = 0;
        int k = -1;
        while (start < size) {
            // The magnitude opening a run has a code above the previous run's.
            k = quantizer.codeFrom(magnitude(start) / clip, k + 1);
            int end = endOfRun(quantizer, clip, k, start);
            error += runError(start, end, clip * quantizer.level(k));
            start = end;
        }
        return error;
    }

    private static void checkClip(double clip) {
        if (!(clip > 0 && clip <= 1)) {
            throw new IllegalArgumentException("clip must be in (0, 1], got " + clip);
        }
    }

    private boolean codeExceeds(PowerQuantizer quantizer, double clip, int sortedIndex, int k) {
        return quantizer.codeExceeds(magnitude(sortedIndex) / clip, k);
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
        forEachRun(
                quantizer,
                (start, end, code) -> {
                    double level = quantizer.level(code);
                    for (int j = start; j < end; j++) {
                        int i = position(j);
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
        forEachRun(
                quantizer,
                (start, end, code) -> {
                    for (int j = start; j < end; j++) {
                        int i = position(j);
                        out[i] = values[i] < 0 && quantizer.isSigned() ? -code : code;
                    }
                });
        return out;
    }

    private void checkSameTensor(float[] values) {
        if (values.length != size) {
            throw new IllegalArgumentException(
                    "expected " + size + " values, got " + values.length);
        }
    }

    private interface RunVisitor {
        void visit(int start, int end, int code);
    }

    private void forEachRun(PowerQuantizer quantizer, RunVisitor visitor) {
        int start = 0;
        int k = -1;
        while (start < size) {
            k = quantizer.codeFrom(magnitude(start), k + 1);
            int end = endOfRun(quantizer, 1.0, k, start);
            visitor.visit(start, end, k);
            start = end;
        }
    }

    private float magnitude(int sortedIndex) {
        return Float.intBitsToFloat((int) (entries[sortedIndex] >>> 32));
    }

    private int position(int sortedIndex) {
        return (int) (entries[sortedIndex] & POSITION_MASK);
    }

    /**
     * The first sorted position after {@code from} whose code exceeds {@code k}: binary search for
     * the rounding threshold on the sorted bit patterns, then the exact predicate on the
     * neighbours.
     */
    private int endOfRun(PowerQuantizer quantizer, double clip, int k, int from) {
        if (k >= quantizer.maxCode()) {
            return size;
        }
        double threshold = clip * quantizer.threshold(k);
        long key =
                threshold > 1
                        ? Long.MAX_VALUE
                        : (long) Float.floatToRawIntBits((float) threshold) << 32;
        // First entry >= key: locate its block in the sample, then search within the block.
        int block = firstAtLeast(sample, 0, sample.length, key);
        int lo = Math.max(from + 1, (block - 1) << SAMPLE_SHIFT);
        int hi = Math.max(lo, Math.min(size, block << SAMPLE_SHIFT));
        lo = firstAtLeast(entries, lo, hi, key);
        int end = lo;
        while (end > from + 1 && codeExceeds(quantizer, clip, end - 1, k)) {
            end--;
        }
        while (end < size && !codeExceeds(quantizer, clip, end, k)) {
            end++;
        }
        return end;
    }

    /**
     * Binary search: the first index in {@code [lo, hi)} whose value is at least {@code key}, or
     * {@code hi}.
     */
    private static int firstAtLeast(long[] sorted, int lo, int hi, long key) {
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] >= key) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private double runError(int start, int end, double level) {
        double v = weights.between(start, end);
        double first = firstMoments.between(start, end);
        double second = secondMoments.between(start, end);
        return Math.max(0, level * level * v - 2 * level * first + second);
    }

    /**
     * Stable LSD radix sort of non-negative longs by their upper 32 bits (the lower half, a
     * position, only rides along), skipping digits on which every key agrees.
     */
    private static long[] radixSortUpperHalf(long[] keys) {
        int n = keys.length;
        long[] src = keys;
        long[] dst = new long[n];
        int[] counts = new int[BUCKETS];
        for (int shift = 32; shift < Long.SIZE; shift += DIGIT_BITS) {
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
            for (int i = 0; i < n; i++) {
                long key = src[i];
                dst[counts[(int) (key >>> shift) & (BUCKETS - 1)]++] = key;
            }
            long[] swap = src;
            src = dst;
            dst = swap;
        }
        return src;
    }
}
