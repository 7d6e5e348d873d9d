package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.PowerQuantizer;

/**
 * The engine-side activation quantizer against the pure-Java quantizer: codes equal everywhere on
 * the table path, and everywhere except within the documented float32 band around a threshold,
 * where they differ by at most one, on the others.
 */
class ActivationQuantizerTest {

    @Test
    void codesEqualThePureJavaQuantizersOutsideTheFloat32BandAroundThresholds() {
        Random random = new Random(5);
        int near = 0;
        int exact = 0;
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 60; trial++) {
                int bits = 2 + random.nextInt(7);
                double a = trial % 3 == 0 ? 1.0 : 0.25 + random.nextDouble() * 1.25;
                double lower = trial % 5 == 0 ? -random.nextDouble() : 0;
                double range = 0.1 + random.nextDouble() * 5;
                ActivationGrid grid = new ActivationGrid(bits, a, lower, range, 0, 0);
                ActivationQuantizer quantizer = new ActivationQuantizer(grid);
                PowerQuantizer q = PowerQuantizer.unsigned(bits, a);
                if (quantizer.codesExact()) {
                    exact++;
                }
                int n = q.maxCode();
                float[] values = new float[2000 + 6 * n];
                int i = 0;
                for (; i < 2000; i++) {
                    values[i] = (float) (lower + (random.nextDouble() * 1.4 - 0.2) * range);
                }
                for (int k = 0; k < n; k++) { // on and next to every threshold
                    float t = (float) (lower + q.threshold(k) * range);
                    float down = Math.nextDown(t);
                    float up = Math.nextUp(t);
                    values[i++] = t;
                    values[i++] = down;
                    values[i++] = up;
                    values[i++] = Math.nextDown(down);
                    values[i++] = Math.nextUp(up);
                    values[i++] = (float) (lower + ((k + 0.5) / n) * range);
                }
                NDArray y = manager.create(values, new Shape(values.length));
                int[] codes = quantizer.codes(y).toIntArray();
                NDArray reconstructed = quantizer.apply(y);
                assertEquals(y.getDataType(), reconstructed.getDataType());
                float[] out = reconstructed.toFloatArray();
                double band = Math.scalb(1.0, -20) * n * (1 + Math.abs(lower) / range);
                for (int j = 0; j < values.length; j++) {
                    double x = ((double) values[j] - lower) / range;
                    int expected = q.code(x);
                    String where = "trial " + trial + " (" + grid + "), value " + values[j];
                    if (codes[j] != expected) {
                        assertTrue(!quantizer.codesExact(), where + ": the table path is exact");
                        if (j < 2000) {
                            near++;
                        }
                        assertEquals(1, Math.abs(codes[j] - expected), where);
                        double threshold = Math.min(codes[j], expected) + 0.5;
                        assertTrue(
                                Math.abs(n * StrictMath.pow(x, a) - threshold) <= band,
                                where + ": codes differ outside the float32 band");
                    }
                    float level = (float) (lower + q.level(codes[j]) * range);
                    if (a == 1.0) {
                        assertEquals(
                                level,
                                out[j],
                                Math.scalb(1.0, -22) * (range + Math.abs(lower)),
                                where);
                    } else {
                        assertEquals(level, out[j], 0f, where);
                    }
                }
            }
        }
        assertTrue(near <= 12, near + " of 120,000 random inputs differ: the band should be rare");
        assertTrue(exact >= 20, exact + " of 60 grids on the exact table path");
    }

    @Test
    void theTablePathIsTakenForPowerGridsOfReluOutputsOnly() {
        assertTrue(new ActivationQuantizer(new ActivationGrid(4, 0.6, 0, 2, 0, 0)).codesExact());
        assertTrue(new ActivationQuantizer(new ActivationGrid(8, 1.3, 0, 7, 0, 0)).codesExact());
        assertTrue(!new ActivationQuantizer(new ActivationGrid(4, 1, 0, 2, 0, 0)).codesExact());
        assertTrue(!new ActivationQuantizer(new ActivationGrid(4, 0.6, -1, 2, 0, 0)).codesExact());
    }

    @Test
    void outputsAreFixedPoints() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ActivationQuantizer quantizer =
                    new ActivationQuantizer(new ActivationGrid(4, 0.6, 0, 2.0, 0, 0));
            NDArray y = manager.randomUniform(-1f, 3f, new Shape(1000));
            NDArray once = quantizer.apply(y);
            NDArray twice = quantizer.apply(once);
            assertEquals(0f, once.sub(twice).abs().max().getFloat(), 1e-6f);
            java.util.Set<Float> levels = new java.util.HashSet<>();
            for (float v : once.toFloatArray()) {
                levels.add(v);
            }
            assertEquals(16, levels.size(), "1000 values over [-1, 3] hit all 16 levels of [0, 2]");
        }
    }
}
