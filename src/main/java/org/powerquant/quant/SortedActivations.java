package org.powerquant.quant;

import java.util.Arrays;

/**
 * Samples of one activation tensor (a ReLU output seen on calibration inputs), sorted once, with
 * prefix sums that give the exact squared error of an unsigned power quantizer with any clipping
 * range and exponent.
 *
 * <p>A sample {@code x >= 0} quantized with clipping range {@code c} gets the code {@code k =
 * round(N (x / c)^a)} (samples at or above {@code c} get {@code N}, the top level) and is
 * reconstructed as {@code c r_k}, {@code r_k = (k / N)^(1/a)} ({@link PowerQuantizer#unsigned}); a
 * quantizer with {@link CodeRounding#NEAREST_LEVEL} gives the code of the nearest level instead.
 * Codes are non-decreasing in {@code x}, so over the sorted samples each code is one contiguous run
 * {@code [lo, hi)} and, with prefix sums {@code S_j = sum_{i<j} x_i} and {@code Q_j = sum_{i<j}
 * x_i^2},
 *
 * <pre>  sum_{i in run} (x_i - c r)^2 = (c r)^2 (hi - lo) - 2 c r (S_hi - S_lo) + (Q_hi - Q_lo).
 * </pre>
 *
 * <p>Runs are located as in {@link SortedMagnitudes}: binary search for the rounding threshold,
 * then the quantizer's own {@link PowerQuantizer#code(double)} of the float ratio {@link
 * PowerQuantizer#normalise} as the exact predicate on the neighbours. Samples equal to zero (most
 * ReLU outputs) always reconstruct exactly, so only the positive ones are kept. Negative or
 * non-finite samples are rejected.
 */
public final class SortedActivations {

    private final float[] sorted;
    private final long zeros;
    private final PrefixSums sums;
    private final PrefixSums squares;

    private SortedActivations(float[] positive, long zeros) {
        this.sorted = positive;
        this.zeros = zeros;
        int n = positive.length;
        sums = new PrefixSums(n);
        squares = new PrefixSums(n);
        for (int j = 0; j < n; j++) {
            double x = positive[j];
            sums.add(x);
            squares.add(x * x);
        }
    }

    /**
     * Sorts activation samples.
     *
     * @param samples the samples, each {@code >= 0} and finite; not modified
     * @return the sorted samples
     * @throws IllegalArgumentException if a sample is negative or not finite
     */
    public static SortedActivations of(float[] samples) {
        int positive = 0;
        for (int i = 0; i < samples.length; i++) {
            float v = samples[i];
            if (!(v >= 0) || Float.isInfinite(v)) {
                throw new IllegalArgumentException(
                        "activation sample "
                                + v
                                + " at index "
                                + i
                                + " is not a finite non-negative number");
            }
            if (v > 0) {
                positive++;
            }
        }
        float[] kept = new float[positive];
        int j = 0;
        for (float v : samples) {
            if (v > 0) {
                kept[j++] = v;
            }
        }
        Arrays.sort(kept);
        return new SortedActivations(kept, samples.length - positive);
    }

    /**
     * Returns the number of samples, zeros included.
     *
     * @return the number of samples, zeros included
     */
    public long count() {
        return sorted.length + zeros;
    }

    /**
     * Returns the number of samples equal to zero.
     *
     * @return the number of samples equal to zero
     */
    public long zeros() {
        return zeros;
    }

    /**
     * Returns the largest sample (0 if there is none).
     *
     * @return the largest sample (0 if there is none)
     */
    public float max() {
        return sorted.length == 0 ? 0f : sorted[sorted.length - 1];
    }

    /**
     * The sample at a quantile of all samples (zeros included), by the nearest-rank rule.
     *
     * @param q the quantile, in {@code [0, 1]}
     * @return the sample of rank {@code ceil(q * count)}; 0 if that rank falls among the zeros
     */
    public float quantile(double q) {
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile must be in [0, 1], got " + q);
        }
        long rank = (long) Math.ceil(q * count());
        long index = rank - 1 - zeros;
        if (index < 0) {
            return 0f;
        }
        return sorted[(int) Math.min(index, sorted.length - 1)];
    }

    /**
     * Returns the sum of squared samples: the error of quantizing everything to zero.
     *
     * @return the sum of squared samples: the error of quantizing everything to zero
     */
    public double sumOfSquares() {
        return squares.between(0, sorted.length);
    }

    /**
     * The exact squared error of quantizing every sample with an unsigned quantizer and a clipping
     * range: {@code sum (x - c level(code(x / c)))^2} in double precision, in {@code O(levels * log
     * n)}.
     *
     * @param quantizer an unsigned quantizer (its bit width and exponent)
     * @param clip the clipping range {@code c}; zero or less quantizes everything to zero
     * @return the squared error
     */
    public double squaredError(PowerQuantizer quantizer, float clip) {
        if (quantizer.isSigned()) {
            throw new IllegalArgumentException(
                    "activation samples need an unsigned quantizer, got " + quantizer);
        }
        int n = sorted.length;
        if (!(clip > 0)) {
            return sumOfSquares();
        }
        double error = 0;
        int start = 0;
        int k = -1;
        while (start < n) {
            // The sample opening a run has a code above the previous run's.
            k = quantizer.codeFrom(PowerQuantizer.normalise(sorted[start], clip), k + 1);
            int end = endOfRun(quantizer, k, start, clip);
            double level = quantizer.level(k) * clip;
            double count = end - start;
            double first = sums.between(start, end);
            double second = squares.between(start, end);
            error += Math.max(0, level * level * count - 2 * level * first + second);
            start = end;
        }
        return error;
    }

    /**
     * Quantizes and dequantizes one sample the way {@link #squaredError} counts it.
     *
     * @param quantizer an unsigned quantizer
     * @param clip the clipping range
     * @param x the sample
     * @return {@code c level(code(x / c))}
     */
    public static double reconstruct(PowerQuantizer quantizer, float clip, float x) {
        if (!(clip > 0)) {
            return 0;
        }
        return quantizer.level(quantizer.code(PowerQuantizer.normalise(x, clip))) * clip;
    }

    private boolean codeExceeds(PowerQuantizer quantizer, int sortedIndex, float clip, int k) {
        return quantizer.codeExceeds(PowerQuantizer.normalise(sorted[sortedIndex], clip), k);
    }

    private int endOfRun(PowerQuantizer quantizer, int k, int from, float clip) {
        int n = sorted.length;
        if (k >= quantizer.maxCode()) {
            return n;
        }
        double threshold = quantizer.threshold(k) * clip;
        int lo = from + 1;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] >= threshold) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        int end = lo;
        while (end > from + 1 && codeExceeds(quantizer, end - 1, clip, k)) {
            end--;
        }
        while (end < n && !codeExceeds(quantizer, end, clip, k)) {
            end++;
        }
        return end;
    }
}
