package org.powerquant.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

import org.junit.jupiter.api.Test;
import org.powerquant.nn.TorchvisionResNet;

import java.util.Random;

/** The bundled demo model loads offline from the classpath and is as accurate as its descriptor says. */
class DemoModelTest {

    @Test
    void bundledModelReachesItsRecordedFloatTop1OnTheBundledTestSet() throws Exception {
        DemoModel demo = DemoModel.bundled();
        DemoData data = DemoData.testSet();
        int n = demo.getRecordedTop1Images();
        assertTrue(n >= 2000 && n <= data.size(), "recorded top-1 measured on " + n + " images");
        int[] labels = data.labels(0, n);
        int correct = 0;
        try (Model model = demo.loadModel(Device.cpu());
                NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            Block block = model.getBlock();
            for (int from = 0; from < n; from += 1000) {
                int to = Math.min(n, from + 1000);
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = demo.preprocess(batch, data.pixels(from, to));
                    NDArray logits = block.forward(new ParameterStore(batch, false), new NDList(x), false)
                            .singletonOrThrow();
                    assertEquals(new Shape(to - from, demo.getClassNames().size()), logits.getShape());
                    long[] predicted = logits.argMax(1).toLongArray();
                    for (int i = 0; i < predicted.length; i++) {
                        if (predicted[i] == labels[from + i]) {
                            correct++;
                        }
                    }
                }
            }
        }
        double top1 = (double) correct / n;
        assertEquals(demo.getRecordedTop1(), top1, 0.001,
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
            assertArrayEquals(new Shape[] {new Shape(1, block.getNumClasses())},
                    block.getOutputShapes(new Shape[] {demo.getInputShape()}));
            long parameters = block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertTrue(parameters < 1_000_000, parameters + " parameters: the demo model must stay small");
        }
    }

    @Test
    void preprocessScalesNormalisesAndShapesWholeImages() {
        DemoModel demo = DemoModel.bundled();
        Random random = new Random(7);
        int perImage = (int) demo.getInputShape().size();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (int trial = 0; trial < 20; trial++) {
                int n = 1 + random.nextInt(5);
                byte[] pixels = new byte[n * perImage];
                random.nextBytes(pixels);
                NDArray x = demo.preprocess(manager, pixels);
                assertEquals(new Shape(n, 1, 28, 28), x.getShape());
                float[] values = x.toFloatArray();
                for (int i = 0; i < pixels.length; i++) {
                    float expected = ((pixels[i] & 0xFF) / 255f - demo.getMean()) / demo.getStd();
                    assertEquals(expected, values[i], 1e-5f);
                }
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> demo.preprocess(manager, new byte[perImage + 1]));
            assertTrue(e.getMessage().startsWith("pixels:"), e.getMessage());
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
