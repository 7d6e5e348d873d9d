package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.SharedFixtures;
import org.powerquant.importer.ResNetImporter;

/** Batch-norm folding keeps the network's function to float precision. */
class BatchNormFoldingTest {

    @Test
    void foldingAndQuantizingManyTimesLeavesNoArraysInTheModelsManager() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            org.powerquant.transform.PowerQuantTransform quantize =
                    org.powerquant.transform.PowerQuantTransform.builder().weightBits(4).build();
            Random random = new Random(3);
            int[] arrays = new int[8];
            for (int round = 0; round < arrays.length; round++) {
                randomiseBatchNorms(net, random);
                BatchNormFolding.fold(net);
                quantize.apply(net);
                arrays[round] = manager.getManagedArrays().size();
            }
            assertEquals(
                    arrays[1],
                    arrays[arrays.length - 1],
                    "arrays in the manager after each round: " + java.util.Arrays.toString(arrays));
        }
    }

    /**
     * Gives every batch norm random statistics and affine parameters (trained-like, not identity).
     */
    static void randomiseBatchNorms(TorchvisionResNet net, Random random) {
        for (Map.Entry<String, Parameter> e : net.getTorchParameters().entrySet()) {
            String name = e.getKey();
            NDArray array = e.getValue().getArray();
            int n = (int) array.size();
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                if (name.endsWith("running_var")) {
                    v[i] = (float) (0.05 + random.nextDouble() * 2);
                } else if (name.endsWith("running_mean")
                        || name.endsWith("bn1.bias")
                        || name.endsWith("bn2.bias")
                        || name.endsWith("bn3.bias")
                        || name.endsWith("downsample.1.bias")) {
                    v[i] = (float) (random.nextGaussian() * 0.5);
                } else if (name.matches(".*(bn\\d|downsample\\.1)\\.weight")) {
                    v[i] = (float) (random.nextGaussian() * 0.8);
                }
            }
            if (name.matches(".*(bn\\d|downsample\\.1)\\.(weight|bias|running_mean|running_var)")) {
                array.set(v);
            }
        }
    }

    private static float[] forward(TorchvisionResNet net, NDManager manager, NDArray x) {
        return net.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
    }

    private static void assertClose(float[] expected, float[] actual, double relative) {
        double scale = 0;
        for (float v : expected) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], relative * scale, "logit " + i);
        }
    }

    @Test
    void foldedNetworksComputeTheSameLogits() {
        Random random = new Random(42);
        TorchvisionResNet.Builder[] builders = {
            TorchvisionResNet.resnet18().optBaseWidth(8).optNumClasses(7),
            TorchvisionResNet.builder()
                    .setKind(ResidualKind.BOTTLENECK)
                    .setLayers(1, 2, 1)
                    .optBaseWidth(8)
                    .optNumClasses(5),
            TorchvisionResNet.resnet18().optBaseWidth(4).optSmallInput(true).optNumClasses(3)
        };
        for (TorchvisionResNet.Builder builder : builders) {
            try (NDManager manager = NDManager.newBaseManager()) {
                TorchvisionResNet net = builder.build();
                net.initialize(manager, DataType.FLOAT32, new Shape(4, 3, 32, 32));
                randomiseBatchNorms(net, random);
                manager.getEngine().setRandomSeed(7);
                NDArray x = manager.randomNormal(new Shape(4, 3, 32, 32));
                float[] before = forward(net, manager, x);
                List<FoldedBatchNorm> folded = BatchNormFolding.fold(net);
                assertEquals(net.getConvBatchNormPairs().size(), folded.size());
                float[] after = forward(net, manager, x);
                assertClose(before, after, 1e-5);
            }
        }
    }

    @Test
    void statisticsAreTheBatchNormsShiftAndScaleAndTheBatchNormBecomesABias() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(2).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            randomiseBatchNorms(net, new Random(3));
            Map<String, Parameter> p = net.getTorchParameters();
            float[] gamma = p.get("layer1.0.bn2.weight").getArray().toFloatArray();
            float[] beta = p.get("layer1.0.bn2.bias").getArray().toFloatArray();
            float[] mean = p.get("layer1.0.bn2.running_mean").getArray().toFloatArray();
            float[] var = p.get("layer1.0.bn2.running_var").getArray().toFloatArray();
            float[] w = p.get("layer1.0.conv2.weight").getArray().toFloatArray();
            FoldedBatchNorm stats =
                    BatchNormFolding.fold(net).stream()
                            .filter(f -> f.batchNormName().equals("layer1.0.bn2"))
                            .findFirst()
                            .orElseThrow();
            assertEquals("layer1.0.conv2", stats.convName());
            assertEquals(1e-5f, stats.epsilon());
            float[] folded = p.get("layer1.0.conv2.weight").getArray().toFloatArray();
            float[] bias = p.get("layer1.0.bn2.bias").getArray().toFloatArray();
            int perChannel = w.length / gamma.length;
            for (int c = 0; c < gamma.length; c++) {
                assertEquals(beta[c], stats.mean()[c]);
                assertEquals(Math.abs(gamma[c]), stats.std()[c]);
                double s = gamma[c] / Math.sqrt(var[c] + 1e-5);
                assertEquals(beta[c] - mean[c] * s, bias[c], 1e-5 * (1 + Math.abs(bias[c])));
                for (int i = 0; i < perChannel; i++) {
                    assertEquals(
                            w[c * perChannel + i] * s,
                            folded[c * perChannel + i],
                            1e-5 * Math.abs(s) + 1e-7);
                }
            }
            for (float g : p.get("layer1.0.bn2.weight").getArray().toFloatArray()) {
                assertEquals(1f, g);
            }
            for (float m : p.get("layer1.0.bn2.running_mean").getArray().toFloatArray()) {
                assertEquals(0f, m);
            }
            IllegalArgumentException again =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            IllegalArgumentException.class, () -> BatchNormFolding.fold(net));
            assertTrue(
                    again.getMessage().contains("bn1")
                            && again.getMessage().contains("already folded"),
                    again.getMessage());
        }
    }

    @Test
    void foldedSharedResNet18MatchesOnRealImages() throws Exception {
        java.nio.file.Path model = SharedFixtures.resnet18();
        try (Model imported = ResNetImporter.importModel(model, Device.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = (TorchvisionResNet) imported.getBlock();
            NDArray x = SharedFixtures.testBatch(manager, 64);
            float[] before = forward(net, manager, x);
            BatchNormFolding.fold(net);
            float[] after = forward(net, manager, x);
            assertClose(before, after, 1e-5);
            NDArray b = manager.create(before, new Shape(64, 10));
            NDArray a = manager.create(after, new Shape(64, 10));
            assertTrue(b.argMax(1).eq(a.argMax(1)).all().getBoolean(), "same predictions");
        }
    }
}
