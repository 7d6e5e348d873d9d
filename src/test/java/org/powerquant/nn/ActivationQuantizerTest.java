package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.PowerQuantizer;

/**
 * The engine-side activation quantizer against the pure-Java quantizer: codes equal everywhere on
 * the table path, and everywhere except within the documented float32 band around a threshold,
 * where they differ by at most one, on the others; and the native tables of an owned quantizer,
 * created once per owner and device and freed with the owner.
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
                long seed = random.nextLong();
                for (CodeRounding rounding : CodeRounding.values()) {
                    ActivationGrid grid = new ActivationGrid(bits, a, lower, range, 0, 0, rounding);
                    ActivationQuantizer quantizer =
                            trial % 2 == 0
                                    ? new ActivationQuantizer(grid)
                                    : new ActivationQuantizer(grid, manager);
                    if (rounding == CodeRounding.POWER_DOMAIN && quantizer.codesExact()) {
                        exact++;
                    }
                    if (rounding == CodeRounding.NEAREST_LEVEL && a != 1.0) {
                        assertTrue(
                                quantizer.codesExact(),
                                grid + ": nearest-level codes are exact for a in [0.2, 1.5]");
                    }
                    near +=
                            checkCodesAndLevels(
                                    manager, quantizer, new Random(seed), "trial " + trial);
                }
            }
        }
        assertTrue(near <= 12, near + " of 120,000 random inputs differ: the band should be rare");
        assertTrue(exact >= 20, exact + " of 60 power-domain grids on the exact table path");
    }

    /**
     * Checks a quantizer's codes and outputs against its grid's pure quantizer on 2000 random
     * inputs and on and next to every threshold.
     *
     * @return how many of the random inputs got a code other than the pure quantizer's
     */
    private static int checkCodesAndLevels(
            NDManager manager, ActivationQuantizer quantizer, Random random, String trial) {
        ActivationGrid grid = quantizer.grid();
        double a = grid.exponent();
        double lower = grid.lower();
        double range = grid.range();
        PowerQuantizer q = grid.quantizer();
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
        int near = 0;
        for (int j = 0; j < values.length; j++) {
            double x = ((double) values[j] - lower) / range;
            int expected = q.code(x);
            float value = values[j];
            Supplier<String> where = () -> trial + " (" + grid + "), value " + value;
            if (codes[j] != expected) {
                assertTrue(!quantizer.codesExact(), () -> where.get() + ": the codes are exact");
                if (j < 2000) {
                    near++;
                }
                assertEquals(1, Math.abs(codes[j] - expected), where);
                double u = n * StrictMath.pow(x, a);
                if (grid.rounding() == CodeRounding.NEAREST_LEVEL && a != 1.0) {
                    assertTrue(
                            Math.abs(u - Math.rint(u)) <= 2 * band,
                            () -> where.get() + ": codes differ outside the band of an integer");
                } else {
                    double threshold = Math.min(codes[j], expected) + 0.5;
                    assertTrue(
                            Math.abs(u - threshold) <= band,
                            () -> where.get() + ": codes differ outside the float32 band");
                }
            }
            float level = (float) (lower + q.level(codes[j]) * range);
            if (a == 1.0) {
                assertEquals(
                        level, out[j], Math.scalb(1.0, -22) * (range + Math.abs(lower)), where);
            } else {
                assertEquals(level, out[j], 0f, where);
            }
        }
        return near;
    }

    @Test
    void theJavaLookupGivesTheEngineOperationsOutputsElementForElement() {
        Random random = new Random(17);
        int tables = 0;
        try (NDManager owner = NDManager.newBaseManager();
                NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 40; trial++) {
                int bits = 2 + random.nextInt(7);
                double a = 0.25 + random.nextDouble() * 1.25;
                double range = Math.exp(random.nextGaussian());
                ActivationGrid grid = new ActivationGrid(bits, a, 0, range, 0, 0);
                ActivationQuantizer java = new ActivationQuantizer(grid, owner);
                ActivationQuantizer engine = java.engineOnly();
                if (!java.codesExact()) {
                    continue; // no table: both take the engine's pow path
                }
                tables++;
                PowerQuantizer q = grid.quantizer();
                // large enough for the lookup to be split between threads
                float[] values = new float[70_000];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 1.6 - 0.3) * range);
                }
                for (int k = 0; k < q.maxCode(); k++) { // on and next to every threshold
                    int t = Float.floatToIntBits((float) (q.threshold(k) * range));
                    for (int d = -3; d <= 3; d++) {
                        values[random.nextInt(values.length)] = Float.intBitsToFloat(t + d);
                    }
                }
                NDArray flat = manager.create(values);
                NDArray[] inputs = {
                    flat,
                    flat.reshape(70, 1000).transpose(), // not contiguous
                    flat.reshape(7, 10, 20, 50).toType(DataType.FLOAT64, false),
                    flat.get("500:1500"), // a view at an offset
                    flat.get("0:0")
                };
                for (NDArray y : inputs) {
                    String where = "trial " + trial + " (" + grid + "), shape " + y.getShape();
                    assertTrue(java.looksUpInJava(y), where + ": the Java lookup runs on the CPU");
                    assertTrue(!engine.looksUpInJava(y), where);
                    NDArray fromJava = java.apply(y);
                    NDArray fromEngine = engine.apply(y);
                    assertEquals(y.getDataType(), fromJava.getDataType(), where);
                    assertEquals(y.getShape(), fromJava.getShape(), where);
                    assertArrayEquals(
                            fromEngine.toType(DataType.FLOAT32, false).toFloatArray(),
                            fromJava.toType(DataType.FLOAT32, false).toFloatArray(),
                            where);
                }
            }
        }
        assertTrue(tables >= 30, tables + " of 40 grids on the table path");
    }

    @Test
    void nearestLevelCodesAreExactOnThePowPathForEveryExponentTheSearchesConsider() {
        Random random = new Random(23);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 40; trial++) {
                int bits = 2 + random.nextInt(7);
                double a = 0.2 + random.nextDouble() * 1.3;
                double range = Math.exp(random.nextGaussian());
                double lower = -random.nextDouble() * range;
                ActivationGrid grid =
                        new ActivationGrid(bits, a, lower, range, 0, 0, CodeRounding.NEAREST_LEVEL);
                ActivationQuantizer quantizer = new ActivationQuantizer(grid, manager);
                assertTrue(quantizer.codesExact(), grid + ": |l| <= c, a in [0.2, 1.5]");
                assertEquals(0, checkCodesAndLevels(manager, quantizer, random, "trial " + trial));
            }
        }
    }

    @Test
    void anOwnedQuantizerKeepsOneCopyOfItsTablesInItsOwnerUntilTheOwnerCloses() {
        ActivationGrid[] grids = { // the table path, and the pow paths (a signed input)
            new ActivationGrid(4, 0.6, 0, 2, 0, 0),
            new ActivationGrid(4, 0.6, -0.5, 2, 0, 0),
            new ActivationGrid(4, 0.6, -0.5, 2, 0, 0, CodeRounding.NEAREST_LEVEL)
        };
        Random random = new Random(11);
        for (ActivationGrid grid : grids) {
            ActivationQuantizer copying = new ActivationQuantizer(grid);
            List<NDArray> tables;
            ActivationQuantizer owned;
            try (NDManager owner = NDManager.newBaseManager()) {
                owned = new ActivationQuantizer(grid, owner);
                int held = -1;
                for (int call = 0; call < 5; call++) {
                    try (NDManager batch = NDManager.newBaseManager()) {
                        float[] values = new float[3000];
                        for (int i = 0; i < values.length; i++) {
                            values[i] = (float) (random.nextDouble() * 3 - 0.8);
                        }
                        NDArray y = batch.create(values);
                        assertArrayEquals(
                                copying.apply(y).toFloatArray(), owned.apply(y).toFloatArray());
                        assertArrayEquals(
                                copying.codes(y).toIntArray(), owned.codes(y).toIntArray());
                        int now = owner.getManagedArrays().size();
                        if (call == 0) {
                            held = now;
                            assertTrue(
                                    held > 0,
                                    grid + ": the first call puts its tables in the owner");
                        } else {
                            assertEquals(held, now, grid + ": call " + call + " adds to the owner");
                        }
                    }
                }
                tables = owner.getManagedArrays();
            }
            for (NDArray table : tables) {
                assertTrue(table.isReleased(), grid + ": closing the owner frees the tables");
            }
            try (NDManager batch = NDManager.newBaseManager()) {
                NDArray y = batch.create(new float[] {0.5f});
                IllegalStateException e =
                        assertThrows(IllegalStateException.class, () -> owned.apply(y));
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
            }
        }
    }

    @Test
    void concurrentFirstCallsShareOneCopyOfTheTables() throws Exception {
        ActivationGrid grid = new ActivationGrid(6, 0.45, 0, 3, 0, 0);
        int single;
        try (NDManager owner = NDManager.newBaseManager();
                NDManager batch = NDManager.newBaseManager()) {
            new ActivationQuantizer(grid, owner).apply(batch.create(new float[] {1f}));
            single = owner.getManagedArrays().size();
        }
        assertTrue(single > 0, "the owner holds the tables");
        ActivationQuantizer copying = new ActivationQuantizer(grid);
        int threads = 6;
        for (int trial = 0; trial < 10; trial++) {
            try (NDManager owner = NDManager.newBaseManager()) {
                ActivationQuantizer owned = new ActivationQuantizer(grid, owner);
                CountDownLatch start = new CountDownLatch(1);
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    List<Future<Boolean>> same = new ArrayList<>();
                    for (int t = 0; t < threads; t++) {
                        same.add(
                                pool.submit(
                                        () -> {
                                            try (NDManager batch = NDManager.newBaseManager()) {
                                                NDArray y =
                                                        batch.randomUniform(
                                                                -1f, 4f, new Shape(20000));
                                                start.await();
                                                return Arrays.equals(
                                                        owned.apply(y).toFloatArray(),
                                                        copying.apply(y).toFloatArray());
                                            }
                                        }));
                    }
                    start.countDown();
                    for (Future<Boolean> f : same) {
                        assertTrue(f.get(), "trial " + trial + ": same output as the copying path");
                    }
                } finally {
                    pool.shutdown();
                }
                assertEquals(
                        single,
                        owner.getManagedArrays().size(),
                        "trial "
                                + trial
                                + ": "
                                + threads
                                + " first calls at once, one set of tables");
            }
        }
    }

    @Test
    void installedQuantizersKeepTheirTablesWithTheNetworksWeightsAndDieWithThem() {
        List<NDArray> tables;
        try (NDManager model = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(8).optNumClasses(10).build();
            Shape input = new Shape(2, 3, 32, 32);
            Map<String, ActivationGrid> grids = new LinkedHashMap<>();
            for (Map.Entry<String, ai.djl.nn.Block> e : TorchNames.blocks(net).entrySet()) {
                if (e.getValue() instanceof Relu) {
                    grids.put(e.getKey(), new ActivationGrid(4, 0.7, 0, 1.5, 0, 0));
                }
            }
            ActivationQuantizers.install(net, grids); // before the parameters, as loading does
            net.initialize(model, ai.djl.ndarray.types.DataType.FLOAT32, input);
            int weights = model.getManagedArrays().size();
            int afterFirst = -1;
            for (int pass = 0; pass < 4; pass++) {
                try (NDManager session = model.newSubManager()) {
                    net.forward(
                            new ParameterStore(session, false),
                            new NDList(session.randomNormal(input)),
                            false);
                }
                int now = model.getManagedArrays().size();
                if (pass == 0) {
                    afterFirst = now;
                    assertTrue(
                            afterFirst >= weights + grids.size() * 2,
                            weights + " weight arrays, then " + now + ": a table pair per site");
                } else {
                    assertEquals(afterFirst, now, "forward pass " + pass + " left arrays behind");
                }
            }
            tables = model.getManagedArrays();
        }
        assertTrue(tables.stream().allMatch(NDArray::isReleased), "closing the model frees all");
    }

    @Test
    void theTablePathIsTakenForPowerGridsOfReluOutputsOnly() {
        assertTrue(new ActivationQuantizer(new ActivationGrid(4, 0.6, 0, 2, 0, 0)).codesExact());
        assertTrue(new ActivationQuantizer(new ActivationGrid(8, 1.3, 0, 7, 0, 0)).codesExact());
        assertTrue(!new ActivationQuantizer(new ActivationGrid(4, 1, 0, 2, 0, 0)).codesExact());
        assertTrue(!new ActivationQuantizer(new ActivationGrid(4, 0.6, -1, 2, 0, 0)).codesExact());
    }

    @Test
    void nearestLevelOutputsAreTheLevelsClosestToTheirInputs() {
        Random random = new Random(31);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 30; trial++) {
                int bits = 2 + random.nextInt(7);
                double a = 0.2 + random.nextDouble() * 1.3;
                double range = Math.exp(random.nextGaussian());
                double lower = trial % 2 == 0 ? 0 : -random.nextDouble() * range;
                ActivationGrid grid =
                        new ActivationGrid(bits, a, lower, range, 0, 0, CodeRounding.NEAREST_LEVEL);
                PowerQuantizer q = grid.quantizer();
                float[] values = new float[3000];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (lower + random.nextDouble() * range);
                }
                float[] out =
                        new ActivationQuantizer(grid).apply(manager.create(values)).toFloatArray();
                double[] levels = new double[q.maxCode() + 1];
                for (int k = 0; k < levels.length; k++) {
                    levels[k] = lower + range * q.level(k);
                }
                for (int i = 0; i < values.length; i++) {
                    double closest = Double.POSITIVE_INFINITY;
                    for (double level : levels) {
                        closest = Math.min(closest, Math.abs(level - values[i]));
                    }
                    double distance = Math.abs(out[i] - (double) values[i]);
                    if (distance > closest + 1e-6 * range) {
                        fail(grid + ", " + values[i] + " -> " + out[i] + ": a level is closer");
                    }
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
