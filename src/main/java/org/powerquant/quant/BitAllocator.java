package org.powerquant.quant;

import java.util.Arrays;

/**
 * Chooses one bit width per layer so that the average number of code bits per weight stays within a
 * budget while the summed sensitivity of the layers is as small as it can be: a multiple-choice
 * knapsack, solved exactly by dynamic programming over the size.
 *
 * <p>Layer {@code l} holds {@code n_l} weights; at width {@code b} its codes take {@code n_l * b}
 * bits and it costs {@code s_l(b)} (its sensitivity, e.g. its squared weight error). The allocation
 * minimises {@code sum_l s_l(b_l)} subject to {@code sum_l n_l b_l <= B * sum_l n_l}. Only the
 * codes count: per-channel scales and exponents take the same room whatever the widths, so they are
 * left out of the budget.
 *
 * <p>The program runs over the size above the all-smallest allocation, in units of the greatest
 * common divisor of the layers' size steps ({@code n_l} times the candidates' width steps): the
 * result is then the exact optimum. When that would need more than {@link #DEFAULT_MAX_STATES}
 * states (a network with many layers whose weight counts share no large divisor), the unit grows to
 * fit and every layer's size is rounded <em>up</em> to it: the budget is still never exceeded, and
 * the result is the optimum over the rounded sizes ({@link Allocation#exact()} is false).
 *
 * <p>Properties that follow and are tested: the budget is never exceeded; a larger budget never
 * gives a larger total sensitivity (the feasible set only grows, and an allocation's total is
 * summed in layer order whatever the budget, so the comparison is exact in floating point); with
 * candidates no smaller than {@code b} and a budget of {@code b}, every layer gets {@code b}. Ties
 * go to the smaller width. Pure Java, no DJL; instances are immutable and thread-safe.
 */
public final class BitAllocator {

    /** The most size states the program uses before coarsening its unit. */
    public static final int DEFAULT_MAX_STATES = 1 << 20;

    private final int maxStates;

    /** An allocator with {@link #DEFAULT_MAX_STATES}. */
    public BitAllocator() {
        this(DEFAULT_MAX_STATES);
    }

    /**
     * An allocator with a given number of size states (fewer states: coarser sizes, less memory).
     *
     * @param maxStates at least 1
     */
    public BitAllocator(int maxStates) {
        if (maxStates < 1) {
            throw new IllegalArgumentException("states must be at least 1, got " + maxStates);
        }
        this.maxStates = maxStates;
    }

    /**
     * Allocates widths.
     *
     * @param counts the number of weights of each layer, each at least 1
     * @param candidates the widths a layer may take, strictly increasing, each at least 1
     * @param sensitivity for each layer, its finite sensitivity at each candidate width
     * @param budget the average code bits per weight allowed, at least the smallest candidate
     * @return the widths, the total sensitivity and the average bits per weight
     * @throws IllegalArgumentException if the budget is below the smallest candidate or an input is
     *     malformed
     */
    public Allocation allocate(
            long[] counts, int[] candidates, double[][] sensitivity, double budget) {
        check(counts, candidates, sensitivity);
        int layers = counts.length;
        int choices = candidates.length;
        long total = 0;
        for (long n : counts) {
            total = Math.addExact(total, n);
        }
        if (!(budget >= candidates[0]) || Double.isInfinite(budget)) {
            throw new IllegalArgumentException(
                    "size budget "
                            + budget
                            + " bits per weight is below the smallest candidate width "
                            + candidates[0]);
        }
        long minimum = Math.multiplyExact(total, (long) candidates[0]);
        long maximum = Math.multiplyExact(total, (long) candidates[choices - 1]);
        // the budget in bits, floored: an allocation within it is within budget * total
        double allowedBits = Math.floor(budget * total);
        long spare = allowedBits >= maximum ? maximum - minimum : (long) allowedBits - minimum;

        long step = 0;
        for (int k = 1; k < choices; k++) {
            step = gcd(step, candidates[k] - candidates[0]);
        }
        long countDivisor = 0;
        for (long n : counts) {
            countDivisor = gcd(countDivisor, n);
        }
        long range = maximum - minimum;
        long unit = Math.max(1, step * countDivisor);
        boolean exact = range / unit <= maxStates;
        if (!exact) {
            unit = (range + maxStates - 1) / maxStates;
        }
        int[][] size = new int[layers][choices];
        for (int l = 0; l < layers; l++) {
            for (int k = 0; k < choices; k++) {
                long extra = counts[l] * (candidates[k] - candidates[0]);
                size[l][k] = (int) ((extra + unit - 1) / unit);
            }
        }
        int capacity = (int) (spare / unit);

        // best[c]: the least total over the layers so far with size at most c (in units)
        double[] best = new double[capacity + 1];
        double[] next = new double[capacity + 1];
        byte[][] choice = new byte[layers][capacity + 1];
        for (int l = 0; l < layers; l++) {
            double[] s = sensitivity[l];
            for (int c = 0; c <= capacity; c++) {
                double value = Double.POSITIVE_INFINITY;
                int chosen = -1;
                for (int k = 0; k < choices && size[l][k] <= c; k++) {
                    double v = best[c - size[l][k]] + s[k];
                    if (v < value) {
                        value = v;
                        chosen = k;
                    }
                }
                next[c] = value;
                choice[l][c] = (byte) chosen;
            }
            double[] swap = best;
            best = next;
            next = swap;
        }
        int[] bits = new int[layers];
        int c = capacity;
        for (int l = layers - 1; l >= 0; l--) {
            int k = choice[l][c];
            bits[l] = candidates[k];
            c -= size[l][k];
        }
        long used = 0;
        for (int l = 0; l < layers; l++) {
            used += counts[l] * bits[l];
        }
        return new Allocation(bits, best[capacity], (double) used / total, exact);
    }

    private static void check(long[] counts, int[] candidates, double[][] sensitivity) {
        if (counts.length == 0) {
            throw new IllegalArgumentException("no layer to allocate bits to");
        }
        if (candidates.length == 0 || candidates.length > Byte.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "1 to "
                            + Byte.MAX_VALUE
                            + " candidate widths needed, got "
                            + candidates.length);
        }
        for (int k = 0; k < candidates.length; k++) {
            if (candidates[k] < 1 || (k > 0 && candidates[k] <= candidates[k - 1])) {
                throw new IllegalArgumentException(
                        "candidate widths must be positive and increasing, got "
                                + Arrays.toString(candidates));
            }
        }
        if (sensitivity.length != counts.length) {
            throw new IllegalArgumentException(
                    sensitivity.length + " sensitivity rows for " + counts.length + " layers");
        }
        for (int l = 0; l < counts.length; l++) {
            if (counts[l] < 1) {
                throw new IllegalArgumentException("layer " + l + " has " + counts[l] + " weights");
            }
            if (sensitivity[l].length != candidates.length) {
                throw new IllegalArgumentException(
                        "layer "
                                + l
                                + " has "
                                + sensitivity[l].length
                                + " sensitivities for "
                                + candidates.length
                                + " candidate widths");
            }
            for (double s : sensitivity[l]) {
                if (!Double.isFinite(s)) {
                    throw new IllegalArgumentException("layer " + l + " has a sensitivity of " + s);
                }
            }
        }
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    /**
     * The outcome of an allocation.
     *
     * @param bits the width of each layer, one of the candidates
     * @param totalSensitivity the sum of the layers' sensitivities at their widths, in layer order
     * @param averageBits the code bits per weight the widths take, {@code sum n_l b_l / sum n_l}
     * @param exact whether the sizes were exact (else rounded up to a coarser unit)
     */
    public record Allocation(
            int[] bits, double totalSensitivity, double averageBits, boolean exact) {}
}
