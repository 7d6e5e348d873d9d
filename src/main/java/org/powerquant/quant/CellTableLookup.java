package org.powerquant.quant;

import java.nio.FloatBuffer;
import java.util.Objects;

/**
 * Maps float32 inputs to the levels of their codes in one pass of plain Java, by a {@link
 * ThresholdCells} table: the scaled input's cell, one comparison with the cell's threshold, and the
 * level below or at the threshold. The engine needs seven operations, two of them gathers, for the
 * same result.
 *
 * <p>For every input {@code x} but NaN the output is exactly {@code
 * levels[codes[cells.index(clip(x, 0, upper))]]}; NaN stays NaN. The clip is done on the cell
 * index: {@code y = max(x 2^p, 0)}, cell {@code m = min((int) y, M)} with {@code M} the last cell,
 * which holds the top of the range. An input above the range gets cell {@code M}; where its
 * comparison with cell {@code M}'s threshold differs from the clipped input's, that threshold lies
 * above the range, i.e. cell {@code M} holds no step of the code, and both outcomes give the same
 * code.
 */
public final class CellTableLookup {

    private final float scale;
    private final int lastCell;

    /** Per cell: its threshold, the value below it and the value at or above it. */
    private final float[] table;

    /**
     * Creates the lookup of a table.
     *
     * @param cells the table
     * @param upper the float32 upper end of the clip, {@code (float) range} of the table's grid
     * @param levels the output of every code, {@code 0 .. N}
     */
    public CellTableLookup(ThresholdCells cells, float upper, float[] levels) {
        Objects.requireNonNull(cells, "cells");
        int n = cells.cells();
        int[] codes = cells.codes();
        if (levels.length != codes[n] + 1) {
            throw new IllegalArgumentException(
                    "levels: " + levels.length + " for codes 0 .. " + codes[n]);
        }
        if (!(upper >= 0) || (long) (upper * cells.scale()) != n - 1) {
            throw new IllegalArgumentException(
                    "upper end " + upper + " is not in the last of the " + n + " cells");
        }
        this.scale = cells.scale();
        this.lastCell = n - 1;
        float[] thresholds = cells.cellThresholds();
        this.table = new float[3 * n];
        for (int m = 0; m < n; m++) {
            table[3 * m] = thresholds[m];
            table[3 * m + 1] = levels[codes[m]];
            table[3 * m + 2] = levels[codes[m + 1]];
        }
    }

    /**
     * The output of one input.
     *
     * @param x the input
     * @return the level of its clipped input's code, NaN for NaN
     */
    public float apply(float x) {
        float y = Math.max(x * scale, 0f); // exact: scale is a power of two
        int m = 3 * Math.min((int) y, lastCell); // (int) NaN is 0
        // y >= threshold exactly when y - threshold is +0 or above: no branch to mispredict
        int atOrAbove = 1 - (Float.floatToRawIntBits(y - table[m]) >>> 31);
        float value = table[m + 1 + atOrAbove];
        return Float.isNaN(x) ? x : value;
    }

    /**
     * Writes the outputs of inputs {@code from} to {@code to - 1} of {@code in} at the same indices
     * of {@code out}, both relative to each buffer's position; neither position moves.
     *
     * @param in the inputs
     * @param out the outputs
     * @param from the first input
     * @param to one past the last input
     */
    public void apply(FloatBuffer in, FloatBuffer out, int from, int to) {
        int inBase = in.position();
        int outBase = out.position();
        if (from < 0 || from > to || to > in.remaining() || to > out.remaining()) {
            throw new IndexOutOfBoundsException(
                    "[" + from + ", " + to + ") of " + in.remaining() + " and " + out.remaining());
        }
        for (int i = from; i < to; i++) {
            out.put(outBase + i, apply(in.get(inBase + i)));
        }
    }
}
