package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.SharedFixtures;
import org.powerquant.quant.PowerQuantizer;
import org.powerquant.quant.QuantizationMethod;

/**
 * PowerQuant on a genuinely trained TorchScript ResNet-18 (from ../shared; skipped when absent).
 */
class TorchScriptQuantizationIT {

    private static Criteria<NDList, NDList> criteria(Path model) {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(model)
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator())
                .build();
    }

    private static NDArray logits(ZooModel<NDList, NDList> model, NDArray batch) throws Exception {
        try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
            return predictor.predict(new NDList(batch)).singletonOrThrow();
        }
    }

    @Test
    void powerQuantBeatsUniformAtFourBitsInWeightErrorAndInLogits(@TempDir Path dir)
            throws Exception {
        Path pt = SharedFixtures.resnet18();
        byte[] before = Files.readAllBytes(pt);
        try (NDManager manager = NDManager.newBaseManager("PyTorch");
                ZooModel<NDList, NDList> reference = criteria(pt).loadModel();
                QuantizedModel<NDList, NDList> power =
                        PowerQuant.loadQuantized(
                                criteria(pt), PowerQuantTransform.builder().weightBits(4).build());
                QuantizedModel<NDList, NDList> uniform =
                        PowerQuant.loadQuantized(
                                criteria(pt),
                                PowerQuantTransform.builder()
                                        .weightBits(4)
                                        .method(QuantizationMethod.UNIFORM)
                                        .build())) {
            QuantizationReport report = power.report();
            long expected =
                    reference.getBlock().getParameters().stream()
                            .filter(p -> p.getKey().endsWith(".weight"))
                            .filter(p -> p.getValue().getArray().getShape().dimension() >= 2)
                            .count();
            assertEquals(21, expected, "ResNet-18 has 20 convolutions and one dense layer");
            assertEquals(
                    expected, report.layers().size(), "every conv and dense weight is quantized");
            assertTrue(
                    report.totalSquaredError() <= 0.8 * report.totalUniformSquaredError(),
                    "power "
                            + report.totalSquaredError()
                            + " vs uniform "
                            + report.totalUniformSquaredError());
            assertEquals(
                    report.totalUniformSquaredError(),
                    uniform.report().totalSquaredError(),
                    1e-9 * report.totalUniformSquaredError(),
                    "the uniform baseline is the a = 1 grid");

            NDArray batch = SharedFixtures.testBatch(manager, 64);
            NDArray fp = logits(reference, batch);
            double powerDistance = logits(power.model(), batch).sub(fp).square().mean().getFloat();
            double uniformDistance =
                    logits(uniform.model(), batch).sub(fp).square().mean().getFloat();
            assertTrue(
                    powerDistance < uniformDistance,
                    "logit MSE to float: power " + powerDistance + ", uniform " + uniformDistance);

            Path saved = dir.resolve("resnet18-w4.pt");
            PowerQuant.save(power.model(), saved);
            NDArray quantizedLogits = logits(power.model(), batch);
            try (ZooModel<NDList, NDList> reloaded = criteria(saved).loadModel()) {
                NDArray again = logits(reloaded, batch);
                assertArrayEquals(
                        quantizedLogits.toFloatArray(),
                        again.toFloatArray(),
                        1e-5f,
                        "the saved .pt reproduces the quantized logits");
                assertWeightsOnTheirGrids(reloaded.getBlock().getParameters().toMap(), report);
            }
        }
        assertArrayEquals(before, Files.readAllBytes(pt), "the input model file is never modified");
    }

    private static void assertWeightsOnTheirGrids(
            Map<String, Parameter> parameters, QuantizationReport report) {
        for (LayerReport layer : report.layers()) {
            float[] w = parameters.get(layer.name()).getArray().toFloatArray();
            PowerQuantizer grid = PowerQuantizer.signed(layer.bits(), layer.exponent());
            int length = w.length / layer.scales().length;
            for (int i = 0; i < w.length; i++) {
                float s = layer.scales()[i / length];
                assertEquals(
                        w[i],
                        grid.dequantize(grid.quantize(w[i], s), s),
                        0.0f,
                        layer.name() + " weight " + i + " is off its grid");
            }
        }
    }
}
