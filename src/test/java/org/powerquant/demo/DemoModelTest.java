package org.powerquant.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.powerquant.data.IdxDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.EvaluationResult;
import org.powerquant.eval.Evaluator;
import org.powerquant.nn.TorchvisionResNet;

/**
 * The bundled demo model loads offline from the classpath and is as accurate as its descriptor
 * says.
 */
class DemoModelTest {

    @Test
    void bundledModelReachesItsRecordedFloatTop1OnTheBundledTestSet() throws Exception {
        DemoModel demo = DemoModel.bundled();
        IdxDataset data = DemoData.testSet();
        int n = demo.getRecordedTop1Images();
        assertTrue(n >= 2000 && n <= data.size(), "recorded top-1 measured on " + n + " images");
        Evaluator evaluator =
                Evaluator.builder()
                        .preprocessing(
                                Preprocessing.builder()
                                        .imageSize((int) demo.getInputShape().get(2))
                                        .channels((int) demo.getInputShape().get(1))
                                        .mean(demo.getMean())
                                        .std(demo.getStd())
                                        .build())
                        .batchSize(250)
                        .device(Device.cpu())
                        .limit(n)
                        .build();
        EvaluationResult result;
        try (Model model = demo.loadModel(Device.cpu())) {
            result = evaluator.evaluate(model, data);
        }
        assertEquals(n, result.images());
        assertTrue(result.skippedImages().isEmpty(), "skipped " + result.skippedImages());
        assertEquals(
                demo.getRecordedTop1(),
                result.top1(),
                0.001,
                "float top-1 of the reloaded model on the first " + n + " bundled test images");
    }

    @Test
    void descriptorRebuildsAGreyTenClassSmallInputResNet() {
        DemoModel demo = DemoModel.bundled();
        TorchvisionResNet block = demo.newBlock();
        assertTrue(block.isSmallInput());
        assertEquals(1, block.getInputChannels());
        assertEquals(demo.getClassNames().size(), block.getNumClasses());
        assertEquals(new Shape(1, 1, 28, 28), demo.getInputShape());
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            block.initialize(manager, DataType.FLOAT32, demo.getInputShape());
            assertArrayEquals(
                    new Shape[] {new Shape(1, block.getNumClasses())},
                    block.getOutputShapes(new Shape[] {demo.getInputShape()}));
            long parameters =
                    block.getParameters().values().stream()
                            .mapToLong(p -> p.getArray().size())
                            .sum();
            assertTrue(
                    parameters < 1_000_000,
                    parameters + " parameters: the demo model must stay small");
        }
    }

    @Test
    void staticLoadIsTheBundledModel() throws Exception {
        try (Model model = DemoModel.load(Device.cpu())) {
            assertEquals(DemoModel.NAME, model.getName());
            assertTrue(model.getBlock().isInitialized());
        }
    }
}
