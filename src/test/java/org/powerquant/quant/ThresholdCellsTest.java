package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The cell table's code of every float32 input is the pure quantizer's float64 code. */
class ThresholdCellsTest {

    @Test
    void theTableCodeOfEveryInputNearEveryThresholdIsThePureQuantizersCode() {
        Random random = new Random(11);
        for (TabledGrids.Tabled tabled : TabledGrids.draw(random, 200)) {
            ActivationGrid grid = tabled.grid();
            ThresholdCells cells = tabled.cells();
            double range = grid.range();
            assertTrue(cells.cells() + 1 <= ThresholdCells.MAX_CELLS);
            PowerQuantizer q = grid.quantizer();
            int[] codes = cells.codes();
            float upper = (float) range;
            for (int k = 0; k < q.maxCode(); k++) { // 400 consecutive floats around each threshold
                int t = Float.floatToIntBits((float) (q.threshold(k) * range));
                for (int bitsOfX = t - 200; bitsOfX < t + 200; bitsOfX++) {
                    float x = Math.min(Float.intBitsToFloat(bitsOfX), upper);
                    assertEquals(q.code(x / range), codes[cells.index(x)], grid + ", x = " + x);
                }
            }
            for (int i = 0; i < 2000; i++) {
                float x = (float) (random.nextDouble() * range);
                assertEquals(q.code(x / range), codes[cells.index(x)], grid + ", x = " + x);
            }
            assertEquals(0, codes[cells.index(0f)]);
            assertEquals(q.maxCode(), codes[cells.index(upper)]);
        }
    }

    @Test
    void everyFourBitGridWithAnExponentFromAQuarterHasATable() {
        for (double a = 0.25; a <= 1.5; a += 0.05) {
            for (double range : new double[] {0.01, 1, 37}) {
                ActivationGrid grid = new ActivationGrid(4, a, 0, range, 0, 0);
                assertTrue(ThresholdCells.of(grid).isPresent(), grid.toString());
            }
        }
    }

    @Test
    void gridsWithANonZeroLowerBoundHaveNoTable() {
        assertTrue(ThresholdCells.of(new ActivationGrid(4, 0.6, -0.5, 2, 0, 0)).isEmpty());
        assertTrue(ThresholdCells.of(new ActivationGrid(4, 0.6, 0, 2, 0, 0)).isPresent());
    }
}
