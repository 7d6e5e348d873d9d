package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv2dTranspose;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.quant.PowerQuantizer;

/**
 * The transform on DJL-native blocks: what it quantizes, what it leaves alone, and what it reports.
 */
class PowerQuantTransformTest {

    private static Model smallNetwork() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build())
                        .add(BatchNorm.builder().build())
                        .add(Activation::relu)
                        .add(
                                Conv2dTranspose.builder()
                                        .setKernelShape(new Shape(2, 2))
                                        .setFilters(4)
                                        .build())
                        .add(Blocks.batchFlattenBlock())
                        .add(Linear.builder().setUnits(10).build());
        Model model = Model.newInstance("small", "PyTorch");
        net.setInitializer(new NormalInitializer(0.1f), Parameter.Type.WEIGHT);
        model.setBlock(net);
        net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(2, 3, 12, 12));
        return model;
    }

    private static Map<String, float[]> snapshot(Model model) {
        Map<String, float[]> values = new HashMap<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    @Test
    void quantizesConvolutionTransposedConvolutionAndDenseWeightsOnly() {
        try (Model model = smallNetwork()) {
            Map<String, float[]> before = snapshot(model);
            QuantizationReport report =
                    PowerQuantTransform.builder().weightBits(3).build().apply(model);
            Map<String, float[]> after = snapshot(model);

            List<String> names =
                    report.layers().stream().map(LayerReport::name).collect(Collectors.toList());
            assertEquals(List.of("0.weight", "3.weight", "5.weight"), names);
            assertEquals(
                    List.of(LayerKind.CONV, LayerKind.CONV, LayerKind.DENSE),
                    report.layers().stream().map(LayerReport::kind).collect(Collectors.toList()));
            for (String key : before.keySet()) {
                boolean weight = key.endsWith("weight") && !key.contains("BatchNorm");
                if (weight) {
                    assertFalse(
                            java.util.Arrays.equals(before.get(key), after.get(key)),
                            key + " was not quantized");
                } else {
                    assertArrayEquals(
                            before.get(key), after.get(key), 0.0f, key + " must stay float");
                }
            }
        }
    }

    @Test
    void everyQuantizedWeightIsOnItsReportedGrid() {
        try (Model model = smallNetwork()) {
            QuantizationReport report =
                    PowerQuantTransform.builder().weightBits(4).build().apply(model);
            List<WeightSite> sites = BlockWalker.sites(model.getBlock());
            for (WeightSite site : sites) {
                LayerReport layer = report.layer(site.name());
                float[] w = site.parameter().getArray().toFloatArray();
                PowerQuantizer grid = PowerQuantizer.signed(layer.bits(), layer.exponent());
                int length = w.length / layer.scales().length;
                int distinct =
                        (int)
                                java.util.stream.IntStream.range(0, w.length)
                                        .mapToObj(
                                                i ->
                                                        grid.quantize(
                                                                w[i], layer.scales()[i / length]))
                                        .distinct()
                                        .count();
                assertTrue(
                        distinct <= 2 * grid.maxCode() + 1,
                        site.name() + " uses more codes than the grid has");
                for (int i = 0; i < w.length; i++) {
                    float s = layer.scales()[i / length];
                    assertEquals(
                            w[i],
                            grid.dequantize(grid.quantize(w[i], s), s),
                            0.0f,
                            site.name() + " #" + i);
                }
            }
        }
    }

    @Test
    void skippedLayersStayFloatAndAreListed() {
        try (Model model = smallNetwork()) {
            Map<String, float[]> before = snapshot(model);
            QuantizationReport report =
                    PowerQuantTransform.builder()
                            .skipLayers("5.*", "0.weight")
                            .build()
                            .apply(model);
            assertEquals(
                    List.of("3.weight"), report.layers().stream().map(LayerReport::name).toList());
            assertEquals(List.of("0.weight", "5.weight"), report.skipped());
            Map<String, float[]> after = snapshot(model);
            String linearKey =
                    before.keySet().stream()
                            .filter(k -> k.startsWith("06Linear") && k.endsWith("weight"))
                            .findFirst()
                            .orElseThrow();
            assertArrayEquals(before.get(linearKey), after.get(linearKey), 0.0f);
        }
    }

    @Test
    void nonFiniteWeightIsRefusedNamingTheLayer() {
        try (Model model = smallNetwork()) {
            WeightSite conv = BlockWalker.sites(model.getBlock()).get(0);
            NDArray w = conv.parameter().getArray();
            float[] values = w.toFloatArray();
            values[5] = Float.NaN;
            w.set(values);
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> PowerQuantTransform.builder().build().apply(model));
            assertTrue(e.getMessage().contains("0.weight"), e.getMessage());
        }
    }

    @Test
    void reportPrintsAsTableAndJson() {
        try (Model model = smallNetwork()) {
            QuantizationReport report =
                    PowerQuantTransform.builder().weightBits(5).build().apply(model);
            String table = report.toTable();
            assertTrue(
                    table.contains("5.weight")
                            && table.contains("dense")
                            && table.contains("total"),
                    table);
            com.google.gson.JsonObject json =
                    com.google.gson.JsonParser.parseString(report.toJson()).getAsJsonObject();
            assertEquals(5, json.get("weightBits").getAsInt());
            assertTrue(json.get("seconds").getAsDouble() >= 0);
            com.google.gson.JsonObject first =
                    json.getAsJsonArray("layers").get(0).getAsJsonObject();
            for (String field :
                    new String[] {
                        "name", "kind", "shape", "bits", "exponent", "mse", "uniformMse"
                    }) {
                assertTrue(first.has(field), "layer JSON lacks " + field);
            }
        }
    }

    @Test
    void aClippedReportShowsEachLayersClipInItsTableAndJson() {
        try (Model model = smallNetwork()) {
            QuantizationReport plain =
                    PowerQuantTransform.builder().weightBits(3).build().apply(model);
            assertFalse(plain.isClipped());
            assertFalse(plain.toTable().lines().findFirst().orElseThrow().contains("clip"));
        }
        try (Model model = smallNetwork()) {
            QuantizationReport report =
                    PowerQuantTransform.builder().weightBits(3).clipping(true).build().apply(model);
            assertTrue(report.isClipped(), "no layer of the small network was clipped at 3 bits");
            String header = report.toTable().lines().findFirst().orElseThrow();
            assertTrue(header.matches(".*exponent +clip +scales.*"), header);
            com.google.gson.JsonArray layers =
                    com.google.gson.JsonParser.parseString(report.toJson())
                            .getAsJsonObject()
                            .getAsJsonArray("layers");
            for (int i = 0; i < layers.size(); i++) {
                assertEquals(
                        report.layers().get(i).clip(),
                        layers.get(i).getAsJsonObject().get("clip").getAsDouble(),
                        0.0,
                        report.layers().get(i).name());
            }
        }
    }

    @Test
    void nativeModelSavesAndReloadsWithQuantizedWeights(@TempDir Path dir) throws Exception {
        try (Model model = smallNetwork()) {
            PowerQuantTransform.builder().weightBits(4).build().apply(model);
            Map<String, float[]> quantized = snapshot(model);
            PowerQuant.save(model, dir);
            assertTrue(Files.exists(dir.resolve("small-0000.params")));
            try (Model copy = smallNetwork()) {
                copy.load(dir, "small");
                Map<String, float[]> loaded = snapshot(copy);
                for (String key : quantized.keySet()) {
                    assertArrayEquals(quantized.get(key), loaded.get(key), 0.0f, key);
                }
            }
        }
    }

    @Test
    void builderRefusesBadOptions() {
        assertThrows(
                IllegalArgumentException.class, () -> PowerQuantTransform.builder().weightBits(1));
        assertThrows(
                IllegalArgumentException.class, () -> PowerQuantTransform.builder().weightBits(9));
        assertThrows(
                IllegalArgumentException.class,
                () -> PowerQuantTransform.builder().exponentBounds(1, 0.5));
        assertThrows(
                IllegalArgumentException.class, () -> PowerQuantTransform.builder().tolerance(0));
        assertThrows(
                IllegalArgumentException.class, () -> PowerQuantTransform.builder().threads(0));
    }

    @Test
    void conv1dWeightsAreFoundToo() {
        try (Model model = Model.newInstance("c1", "PyTorch");
                NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock net =
                    new SequentialBlock()
                            .add(
                                    Conv1d.builder()
                                            .setKernelShape(new Shape(3))
                                            .setFilters(4)
                                            .build());
            model.setBlock(net);
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 9));
            QuantizationReport report = PowerQuantTransform.builder().build().apply(model);
            assertEquals(1, report.layers().size());
            assertEquals(LayerKind.CONV, report.layers().get(0).kind());
        }
    }

    @Test
    void theBuildersRefusalsNameTheirRoleAsTheOptionsDo() {
        Map<org.powerquant.Role, org.junit.jupiter.api.function.Executable> refused =
                Map.of(
                        org.powerquant.Role.EXPONENT_BOUNDS,
                        () -> PowerQuantTransform.builder().exponentBounds(1.0, 0.5),
                        org.powerquant.Role.TOLERANCE,
                        () ->
                                PowerQuantTransform.builder()
                                        .exponentBounds(0.5, 0.6)
                                        .tolerance(0.5)
                                        .build(),
                        org.powerquant.Role.SKIP,
                        () -> PowerQuantTransform.builder().skipLayers("fc.weight", " "),
                        org.powerquant.Role.METHOD,
                        () -> PowerQuantTransform.builder().method(null));
        for (Map.Entry<org.powerquant.Role, org.junit.jupiter.api.function.Executable> e :
                refused.entrySet()) {
            org.powerquant.InvalidInputException thrown =
                    assertThrows(org.powerquant.InvalidInputException.class, e.getValue());
            assertEquals(e.getKey(), thrown.role(), thrown.getMessage());
        }
    }
}
