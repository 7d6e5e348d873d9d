package org.powerquant.quant;

/**
 * Prefix sums of a sequence in double-double arithmetic: each prefix is kept as a high and a low
 * double, accumulated with Knuth's two-sum, so that the sum of any run, {@link #between(int, int)},
 * is accurate to about one rounding of its own magnitude even when the prefixes are millions of
 * times larger. The exact-error evaluations of {@link SortedMagnitudes} and {@link
 * SortedActivations} subtract nearly equal run sums, which plain double prefix sums would not
 * survive.
 */
final class PrefixSums {

    private final double[] hi;
    private final double[] lo;
    private int length;

    /**
     * Creates empty prefix sums for a sequence of known length.
     *
     * @param capacity the number of terms that will be added
     */
    PrefixSums(int capacity) {
        hi = new double[capacity + 1];
        lo = new double[capacity + 1];
    }

    /**
     * Appends the next term.
     *
     * @param term the term
     */
    void add(double term) {
        double a = hi[length];
        double s = a + term;
        double bVirtual = s - a;
        double error = (a - (s - bVirtual)) + (term - bVirtual);
        double low = lo[length] + error;
        double high = s + low;
        hi[length + 1] = high;
        lo[length + 1] = low - (high - s);
        length++;
    }

    /**
     * The sum of the terms at positions {@code [start, end)}.
     *
     * @param start the first position
     * @param end one past the last position
     * @return the sum
     */
    double between(int start, int end) {
        return (hi[end] - hi[start]) + (lo[end] - lo[start]);
    }
}
