package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Java lookup gives every input the level of its clipped input's code by the table, {@link
 * ThresholdCells#index}, for inputs of any size and sign.
 */
class CellTableLookupTest {

    @Test
    void everyInputGetsTheValueOfItsClippedInputsTableIndex() {
        Random random = new Random(23);
        for (TabledGrids.Tabled tabled : TabledGrids.draw(random, 200)) {
            ActivationGrid grid = tabled.grid();
            ThresholdCells cells = tabled.cells();
            double range = grid.range();
            float upper = (float) range;
            int[] codes = cells.codes();
            float[] levels = new float[grid.quantizer().maxCode() + 1];
            for (int k = 0; k < levels.length; k++) { // distinct, so a level names its code
                levels[k] = k + random.nextFloat() / 2;
            }
            CellTableLookup lookup = new CellTableLookup(cells, upper, levels);
            for (float x : inputs(grid, random)) {
                float clipped = Math.min(Math.max(x, 0f), upper);
                float expected = Float.isNaN(x) ? x : levels[codes[cells.index(clipped)]];
                assertEquals(expected, lookup.apply(x), 0f, grid + ", x = " + x);
            }
        }
    }

    /** Inputs on and next to every threshold, random ones beyond both ends, and special values. */
    private static float[] inputs(ActivationGrid grid, Random random) {
        PowerQuantizer q = grid.quantizer();
        double range = grid.range();
        float upper = (float) range;
        float[] x = new float[q.maxCode() * 40 + 2000 + 40 + 12];
        int i = 0;
        for (int k = 0; k < q.maxCode(); k++) {
            int t = Float.floatToIntBits((float) (q.threshold(k) * range));
            for (int bits = t - 20; bits < t + 20; bits++) {
                x[i++] = Float.intBitsToFloat(bits);
            }
        }
        for (int j = 0; j < 2000; j++) {
            x[i++] = (float) ((random.nextDouble() * 2 - 0.5) * range);
        }
        int top = Float.floatToIntBits(upper);
        for (int bits = top - 20; bits < top + 20; bits++) {
            x[i++] = Float.intBitsToFloat(bits);
        }
        float[] special = {
            0f,
            -0f,
            Float.MIN_VALUE,
            -Float.MIN_VALUE,
            Float.MIN_NORMAL,
            Float.MAX_VALUE,
            -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY,
            Float.NEGATIVE_INFINITY,
            Float.NaN,
            -upper,
            2 * upper
        };
        System.arraycopy(special, 0, x, i, special.length);
        return x;
    }

    @Test
    void aBufferRangeIsWrittenAtTheSameIndicesAndNothingElseMoves() {
        ActivationGrid grid = new ActivationGrid(4, 0.6, 0, 2, 0, 0);
        ThresholdCells cells = ThresholdCells.of(grid).orElseThrow();
        float[] levels = new float[16];
        for (int k = 0; k < levels.length; k++) {
            levels[k] = k;
        }
        CellTableLookup lookup = new CellTableLookup(cells, 2f, levels);
        Random random = new Random(3);
        float[] inputs = new float[100];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = random.nextFloat() * 3 - 0.5f;
        }
        float[] outputs = new float[120];
        Arrays.fill(outputs, -1f);
        FloatBuffer in = FloatBuffer.wrap(inputs).position(10);
        FloatBuffer out = FloatBuffer.wrap(outputs).position(15);
        lookup.apply(in, out, 20, 60);
        assertEquals(10, in.position());
        assertEquals(15, out.position());
        for (int j = 0; j < outputs.length; j++) {
            int i = j - 15; // the input index relative to in's position
            float expected = i >= 20 && i < 60 ? lookup.apply(inputs[10 + i]) : -1f;
            assertEquals(expected, outputs[j], 0f, "output " + j);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> lookup.apply(in, out, 0, 91));
    }

    @Test
    void aTableOfAnotherGridIsRefused() {
        ThresholdCells cells = ThresholdCells.of(new ActivationGrid(4, 0.6, 0, 2, 0, 0)).get();
        assertThrows(
                IllegalArgumentException.class,
                () -> new CellTableLookup(cells, 3f, new float[16]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new CellTableLookup(cells, 2f, new float[15]));
    }
}
