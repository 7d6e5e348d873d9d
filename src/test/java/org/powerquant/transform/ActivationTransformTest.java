package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.calibrate.ActivationCalibration;
import org.powerquant.calibrate.ActivationSite;
import org.powerquant.calibrate.ActivationSites;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.ActivationQuantizer;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.BatchNormFoldingTestSupport;
import org.powerquant.nn.Relu;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.CodeRounding;

/** {@link PowerQuantTransform} with activation bits on DJL-native ResNets. */
class ActivationTransformTest {

    private static TorchvisionResNet network(NDManager manager, long seed) {
        TorchvisionResNet net =
                TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(5).build();
        net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 32, 32));
        BatchNormFoldingTestSupport.randomiseBatchNorms(net, new Random(seed));
        return net;
    }

    @Test
    void activationsAreCalibratedOnSyntheticDataByDefaultAtEveryWidth() {
        try (NDManager manager = NDManager.newBaseManager()) {
            QuantizationReport report =
                    PowerQuantTransform.builder()
                            .weightBits(4)
                            .activationBits(4)
                            .imageSize(32, 32)
                            .build()
                            .apply(network(manager, 11));
            assertTrue(report.isDataFree());
            for (ActivationReport a : report.activations()) {
                assertEquals(
                        org.powerquant.calibrate.SyntheticCalibration.MODE, a.mode(), a.name());
            }
            assertTrue(report.toTable().contains("data-free"), report.toTable());
            QuantizationReport eight =
                    PowerQuantTransform.builder()
                            .weightBits(8)
                            .activationBits(8)
                            .imageSize(32, 32)
                            .build()
                            .apply(network(manager, 12));
            assertEquals(
                    org.powerquant.calibrate.SyntheticCalibration.MODE,
                    eight.activations().get(0).mode(),
                    "the same calibration at every width");
        }
    }

    @Test
    void foldsQuantizesWeightsAndInstallsOneQuantizerPerSite() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = network(manager, 1);
            QuantizationReport report =
                    PowerQuantTransform.builder()
                            .weightBits(4)
                            .activationBits(4)
                            .calibration(new BatchNormModel())
                            .build()
                            .apply(net);
            assertEquals(
                    17, report.activations().size(), "16 ReLUs feeding convolutions and fc.input");
            assertEquals(8, report.activation("fc.input").bits());
            assertEquals(4, report.activation("layer3.1.relu1").bits());
            for (ActivationReport a : report.activations()) {
                assertEquals(BatchNormModel.MODE, a.mode());
                assertTrue(a.range() > 0, a.toString());
            }
            Map<String, ActivationGrid> installed = ActivationQuantizers.installed(net);
            assertEquals(17, installed.size());
            Relu last = (Relu) TorchNames.blocks(net).get("layer4.1.relu");
            assertSame(
                    UnaryOperator.identity(),
                    last.getOutputTransform(),
                    "the last ReLU feeds pooling");
            assertInstanceOf(ActivationQuantizer.class, net.getClassifierInputTransform());
            JsonObject json = report.toJsonObject();
            JsonArray rows = json.getAsJsonArray("activations");
            assertEquals(17, rows.size());
            assertEquals("bn-model", rows.get(0).getAsJsonObject().get("mode").getAsString());
            assertTrue(report.toTable().contains("layer1.0.relu1"));
            // the paper's rounding, the default, is not mentioned
            assertTrue(!rows.get(0).getAsJsonObject().has("rounding"), rows.get(0).toString());
            assertTrue(!report.toTable().contains("activation rounding"), report.toTable());

            // every quantized ReLU output lies on its grid
            ActivationGrid grid = installed.get("layer2.0.relu1");
            float[][] seen = throughQuantizer(net, manager, "layer2.0.relu1");
            int n = grid.quantizer().maxCode();
            for (float v : seen[1]) {
                double k = Math.pow(v / grid.range(), grid.exponent()) * n;
                assertEquals((double) Math.round(k), k, 1e-3, "value " + v + " is a level");
            }
        }
    }

    @Test
    void nearestLevelActivationsAreCalibratedForItReportedAndGiveTheClosestLevel() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = network(manager, 13);
            QuantizationReport report =
                    PowerQuantTransform.builder()
                            .weightBits(4)
                            .activationBits(3)
                            .quantizeInput(true)
                            .calibration(new BatchNormModel())
                            .activationRounding(CodeRounding.NEAREST_LEVEL)
                            .build()
                            .apply(net);
            Map<String, ActivationGrid> installed = ActivationQuantizers.installed(net);
            assertEquals(report.activations().size(), installed.size());
            for (Map.Entry<String, ActivationGrid> e : installed.entrySet()) {
                assertEquals(CodeRounding.NEAREST_LEVEL, e.getValue().rounding(), e.getKey());
            }
            for (ActivationReport a : report.activations()) {
                assertEquals(CodeRounding.NEAREST_LEVEL, a.rounding(), a.name());
            }
            assertTrue(
                    report.toTable().contains("activation rounding: nearest-level"),
                    report.toTable());
            JsonObject row =
                    report.toJsonObject().getAsJsonArray("activations").get(0).getAsJsonObject();
            assertEquals("nearest-level", row.get("rounding").getAsString());

            // every quantized ReLU output is the level of its grid closest to the ReLU's output
            ActivationGrid grid = installed.get("layer2.0.relu1");
            assertTrue(grid.exponent() != 1.0, grid + ": a power grid, where the roundings differ");
            float[][] seen = throughQuantizer(net, manager, "layer2.0.relu1");
            org.powerquant.quant.PowerQuantizer q = grid.quantizer();
            for (int i = 0; i < seen[0].length; i++) {
                double y = seen[0][i];
                double closest = Double.POSITIVE_INFINITY;
                for (int k = 0; k <= q.maxCode(); k++) {
                    closest = Math.min(closest, Math.abs(grid.range() * q.level(k) - y));
                }
                double distance = Math.abs(seen[1][i] - y);
                assertTrue(
                        distance <= closest + 1e-6 * grid.range(),
                        y + " -> " + seen[1][i] + ": a level is closer");
            }
        }
    }

    /**
     * Runs one forward pass on random images and returns what a ReLU's installed quantizer took and
     * gave back: {@code {inputs, outputs}}.
     */
    private static float[][] throughQuantizer(
            TorchvisionResNet net, NDManager manager, String reluName) {
        Relu relu = (Relu) TorchNames.blocks(net).get(reluName);
        UnaryOperator<NDArray> quantizer = relu.getOutputTransform();
        float[][] seen = new float[2][];
        relu.setOutputTransform(
                y -> {
                    NDArray q = quantizer.apply(y);
                    seen[0] = y.toFloatArray();
                    seen[1] = q.toFloatArray();
                    return q;
                });
        net.forward(
                new ParameterStore(manager, false),
                new NDList(manager.randomNormal(new Shape(2, 3, 32, 32))),
                false);
        relu.setOutputTransform(quantizer);
        return seen;
    }

    @Test
    void aCalibrationThatIgnoresTheSitesRoundingIsRefused() {
        ActivationCalibration paperOnly =
                new ActivationCalibration() {
                    @Override
                    public String mode() {
                        return "paper-only";
                    }

                    @Override
                    public Map<String, ActivationGrid> calibrate(
                            org.powerquant.nn.ConvNetwork network,
                            Map<String, org.powerquant.nn.FoldedBatchNorm> batchNorms,
                            ActivationSites sites,
                            org.powerquant.quant.QuantizationMethod method) {
                        Map<String, ActivationGrid> grids = new java.util.LinkedHashMap<>();
                        for (ActivationSite site : sites) {
                            grids.put(
                                    site.name(), new ActivationGrid(site.bits(), 0.5, 0, 1, 0, 0));
                        }
                        return grids;
                    }
                };
        try (NDManager manager = NDManager.newBaseManager()) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () ->
                                    PowerQuantTransform.builder()
                                            .weightBits(4)
                                            .activationBits(4)
                                            .calibration(paperOnly)
                                            .activationRounding(CodeRounding.NEAREST_LEVEL)
                                            .build()
                                            .apply(network(manager, 14)));
            assertTrue(e.getMessage().contains("activation relu,"), e.getMessage());
            assertTrue(e.getMessage().contains("nearest-level"), e.getMessage());
        }
    }

    @Test
    void gridsKeepTheirRoundingThroughJsonAndFilesWithoutItAreThePapers() {
        Map<String, ActivationGrid> grids = new java.util.LinkedHashMap<>();
        grids.put("a", new ActivationGrid(4, 0.6, 0, 2.5, 1e-3, 2e-3));
        grids.put("b", new ActivationGrid(3, 0.7, -1, 3, 1e-3, 2e-3, CodeRounding.NEAREST_LEVEL));
        String json = ActivationQuantizers.toJson(grids);
        assertEquals(grids, ActivationQuantizers.fromJson(json));
        JsonObject written = com.google.gson.JsonParser.parseString(json).getAsJsonObject();
        assertTrue(!written.getAsJsonObject("a").has("rounding"), "the default writes as before");
        assertEquals("nearest-level", written.getAsJsonObject("b").get("rounding").getAsString());
        // a file written before the field existed
        String old =
                "{\"relu\": {\"bits\": 4, \"exponent\": 0.55, \"lower\": 0.0, \"range\": 2.0,"
                        + " \"expectedError\": 0.01, \"uniformExpectedError\": 0.02}}";
        assertEquals(
                CodeRounding.POWER_DOMAIN,
                ActivationQuantizers.fromJson(old).get("relu").rounding());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                ActivationQuantizers.fromJson(
                                        old.replace("\"bits\"", "\"rounding\": \"up\", \"bits\"")));
        assertTrue(e.getMessage().contains("relu"), e.getMessage());
    }

    @Test
    void quantizerAndSidecarRoundTrip(@TempDir Path dir) throws Exception {
        try (Model model = Model.newInstance("net", "PyTorch")) {
            TorchvisionResNet net = network(model.getNDManager(), 2);
            model.setBlock(net);
            PowerQuantTransform.builder()
                    .weightBits(6)
                    .activationBits(5)
                    .imageSize(32, 32)
                    .quantizeInput(true)
                    .lastLayerBits(6)
                    .build()
                    .apply(model);
            Map<String, ActivationGrid> grids = ActivationQuantizers.installed(net);
            assertTrue(grids.containsKey("input"));
            assertEquals(6, grids.get("fc.input").bits());
            PowerQuant.save(model, dir);
            Path sidecar = dir.resolve("net" + PowerQuant.ACTIVATIONS_SUFFIX);
            assertTrue(Files.isRegularFile(sidecar));
            assertEquals(grids, ActivationQuantizers.fromJson(Files.readString(sidecar)));
            try (Model loaded = Model.newInstance("net", "PyTorch")) {
                TorchvisionResNet copy =
                        TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(5).build();
                loaded.setBlock(copy);
                loaded.load(dir, "net");
                ActivationQuantizers.install(
                        copy, ActivationQuantizers.fromJson(Files.readString(sidecar)));
                NDManager m = model.getNDManager();
                NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
                float[] a =
                        net.forward(new ParameterStore(m, false), new NDList(x), false)
                                .singletonOrThrow()
                                .toFloatArray();
                float[] b =
                        copy.forward(
                                        new ParameterStore(loaded.getNDManager(), false),
                                        new NDList(x),
                                        false)
                                .singletonOrThrow()
                                .toFloatArray();
                org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
            }
        }
    }

    @Test
    void activationBitsNeedADjlNativeResNet() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock block =
                    new SequentialBlock()
                            .add(Blocks.batchFlattenBlock())
                            .add(Linear.builder().setUnits(3).build());
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    PowerQuantTransform.builder()
                                            .activationBits(4)
                                            .imageSize(32, 32)
                                            .build()
                                            .apply(block));
            assertTrue(e.getMessage().contains("TorchvisionResNet"), e.getMessage());
            assertThrows(
                    IllegalArgumentException.class,
                    () -> PowerQuantTransform.builder().activationBits(9));
            assertThrows(
                    IllegalArgumentException.class,
                    () -> PowerQuantTransform.builder().lastLayerBits(1));
        }
    }
}
