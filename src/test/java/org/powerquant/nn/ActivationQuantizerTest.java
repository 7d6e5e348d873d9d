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

/** The engine-side activation quantizer against the pure-Java quantizer. */
class ActivationQuantizerTest {

    @Test
    void codesAndOutputsMatchThePureJavaQuantizer() {
        Random random = new Random(5);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 40; trial++) {
                int bits = 2 + random.nextInt(7);
                double a = trial % 4 == 0 ? 1.0 : 0.25 + random.nextDouble() * 1.25;
                double lower = trial % 5 == 0 ? -random.nextDouble() : 0;
                double range = 0.1 + random.nextDouble() * 5;
                ActivationGrid grid = new ActivationGrid(bits, a, lower, range, 0, 0);
                ActivationQuantizer quantizer = new ActivationQuantizer(grid);
                float[] values = new float[2000];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (lower + (random.nextDouble() * 1.4 - 0.2) * range);
                }
                NDArray y = manager.create(values, new Shape(4, 5, 10, 10));
                int[] codes = quantizer.codes(y).toIntArray();
                float[] out = quantizer.apply(y).toFloatArray();
                assertEquals(y.getDataType(), quantizer.apply(y).getDataType());
                PowerQuantizer q = PowerQuantizer.unsigned(bits, a);
                for (int i = 0; i < values.length; i++) {
                    double x = ((double) values[i] - lower) / range;
                    int expected = q.code(x);
                    assertEquals(expected, codes[i], "trial " + trial + ", value " + values[i]);
                    assertEquals(
                            (float) (lower + q.level(expected) * range),
                            out[i],
                            1e-6 * (range + Math.abs(lower)));
                    assertTrue(out[i] >= lower - 1e-6 && out[i] <= lower + range + 1e-6);
                }
            }
        }
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
