package org.powerquant.quant;

import java.util.Optional;

/**
 * The exact decision table of an activation grid with lower bound 0 on float32 inputs: a uniform
 * partition of the scaled input {@code y = x · 2^p} into unit cells, each holding at most one
 * rounding threshold, so that the code of an input is the code at the start of its cell plus one
 * comparison with that cell's threshold.
 *
 * <p>For a float32 {@code x} clipped to {@code [0, (float) range]}, let {@code j = floor(y)} with
 * {@code y = x · scale()}; {@code scale()} is a power of two, so {@code y} is exact. Then {@link
 * #index(float)}, {@code j + (y >= cellThreshold(j) ? 1 : 0)}, is an index into {@link #codes()}
 * such that {@code codes()[index(x)]} equals {@link PowerQuantizer#code(double)} of {@code x /
 * range} (computed in float64, exactly as the pure quantizer does) for every float32 {@code x}: the
 * thresholds are the exact float32 inputs at which that code steps up, found by bisection on the
 * float32 bit patterns (the code is non-decreasing in {@code x}, see {@link PowerQuantizer}), and
 * the cell width is chosen so that each half-open cell {@code (m, m + 1]} holds at most one of
 * them. No float32 pipeline with a {@code pow} can promise this; a table costs two gathers instead.
 *
 * <p>The table grows as the smallest gap between thresholds shrinks (exponents well below one and
 * many bits): {@link #of} declines grids that would need more than {@value #MAX_CELLS} cells.
 */
public final class ThresholdCells {

    /** The largest number of cells (table entries) {@link #of} accepts. */
    public static final int MAX_CELLS = 1 << 16;

    private final float scale;
    private final float[] cellThresholds;
    private final int[] codes;

    private ThresholdCells(float scale, float[] cellThresholds, int[] codes) {
        this.scale = scale;
        this.cellThresholds = cellThresholds;
        this.codes = codes;
    }

    /**
     * Builds the table of a grid, if it has lower bound 0 and needs at most {@value #MAX_CELLS}
     * cells.
     *
     * @param grid the grid
     * @return the table, or empty if the grid's lower bound is not 0 or the table would be too
     *     large
     */
    public static Optional<ThresholdCells> of(ActivationGrid grid) {
        if (grid.lower() != 0) {
            return Optional.empty();
        }
        float upper = (float) grid.range();
        float[] thresholds = inputThresholds(grid);
        double gap = Double.POSITIVE_INFINITY;
        for (int k = 1; k < thresholds.length; k++) {
            gap = Math.min(gap, (double) thresholds[k] - thresholds[k - 1]);
        }
        if (!(gap > 0)) {
            return Optional.empty();
        }
        for (int p = -Math.getExponent(gap); ; p++) {
            double s = Math.scalb(1.0, p);
            long cells = (long) Math.floor(upper * s) + 2;
            if (cells > MAX_CELLS) {
                return Optional.empty();
            }
            Optional<ThresholdCells> table = tryScale(thresholds, p, (int) cells);
            if (table.isPresent()) {
                return table;
            }
        }
    }

    private static Optional<ThresholdCells> tryScale(float[] thresholds, int p, int cells) {
        float s = Math.scalb(1f, p);
        long previous = Long.MIN_VALUE;
        for (float t : thresholds) { // at most one threshold in each (m, m + 1]
            long cell = (long) Math.ceil((double) t * s);
            if (Float.isInfinite(t) || cell == previous) {
                return Optional.empty();
            }
            previous = cell;
        }
        float[] cellThresholds = new float[cells - 1];
        int[] codes = new int[cells];
        for (int m = 0; m < cells - 1; m++) {
            cellThresholds[m] = m + 1;
        }
        for (float t : thresholds) {
            float y = t * s; // exact: a power of two times a normal float
            int m = (int) Math.floor(y);
            if (y != m) {
                cellThresholds[m] = y;
            }
            codes[(int) Math.ceil(y)]++; // the code steps up from cell ceil(y) on
        }
        for (int i = 1; i < cells; i++) {
            codes[i] += codes[i - 1];
        }
        return Optional.of(new ThresholdCells(s, cellThresholds, codes));
    }

    /**
     * The exact float32 inputs at which a grid's code steps up: entry {@code k} is the smallest
     * float32 {@code y <= (float) (l + c)} whose code, {@link PowerQuantizer#code(double)} of
     * {@code (y − l) / c} computed in float64, is at least {@code k + 1}. The code is
     * non-decreasing in {@code y} and 0 at or below {@code l}, so a float32 input {@code y <=
     * (float) (l + c)} has code {@code k} exactly when it lies in {@code [t[k − 1], t[k])}. Found
     * by bisection on the ordered float32 bit patterns, for any lower bound and either rounding.
     *
     * @param grid the grid
     * @return the {@code N} thresholds, non-decreasing
     */
    public static float[] inputThresholds(ActivationGrid grid) {
        PowerQuantizer q = grid.quantizer();
        float lower = (float) grid.lower();
        if (lower > grid.lower()) {
            lower = Math.nextDown(lower); // the largest float32 at or below l: its code is 0
        }
        float upper = (float) (grid.lower() + grid.range());
        float[] thresholds = new float[q.maxCode()];
        for (int k = 0; k < thresholds.length; k++) {
            thresholds[k] = smallestInputWithCode(q, grid, lower, upper, k + 1);
        }
        return thresholds;
    }

    /**
     * Smallest float32 {@code y} in {@code (lower, upper]} whose code is at least {@code code}
     * ({@code upper} if none is).
     */
    private static float smallestInputWithCode(
            PowerQuantizer q, ActivationGrid grid, float lower, float upper, int code) {
        long lo = ordered(lower); // code(lo) < code: the code at the lower bound is 0
        long hi = ordered(upper); // code(hi) >= code: the code at the upper bound is N
        while (hi - lo > 1) {
            long mid = (lo + hi) >> 1;
            if (q.code(((double) fromOrdered(mid) - grid.lower()) / grid.range()) >= code) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return fromOrdered(hi);
    }

    /** The bit pattern of a float as an integer that orders as the floats do. */
    private static long ordered(float f) {
        int bits = Float.floatToIntBits(f);
        return bits >= 0 ? bits : -(long) (bits & Integer.MAX_VALUE);
    }

    private static float fromOrdered(long key) {
        return key >= 0
                ? Float.intBitsToFloat((int) key)
                : Float.intBitsToFloat((int) -key | Integer.MIN_VALUE);
    }

    /**
     * Returns the scale {@code 2^p} that maps an input to its cell coordinate {@code y}.
     *
     * @return the scale {@code 2^p} that maps an input to its cell coordinate {@code y}
     */
    public float scale() {
        return scale;
    }

    /**
     * Returns the number of cells; {@link #codes()} has one entry more.
     *
     * @return the number of cells; {@link #codes()} has one entry more
     */
    public int cells() {
        return cellThresholds.length;
    }

    /**
     * The threshold of every cell in scaled units: the {@code y} in {@code (m, m + 1)} at which the
     * code steps up inside cell {@code m}, or {@code m + 1} if it does not.
     *
     * @return a copy of the thresholds, one per cell
     */
    public float[] cellThresholds() {
        return cellThresholds.clone();
    }

    /**
     * The code at the start of every cell, and one past the last.
     *
     * @return a copy of the codes, {@link #cells()} + 1 entries
     */
    public int[] codes() {
        return codes.clone();
    }

    /**
     * The table index of an input, as the engine computes it.
     *
     * @param x a float32 input in {@code [0, (float) range]}
     * @return {@code floor(y) + (y >= cellThreshold(floor(y)) ? 1 : 0)} with {@code y = x ·
     *     scale()}
     */
    public int index(float x) {
        float y = x * scale;
        int m = (int) y;
        return y >= cellThresholds[m] ? m + 1 : m;
    }
}
