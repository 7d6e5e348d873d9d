package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * A ReLU6's backward pass reads the bound the forward pass used, even when the garbage collector
 * runs in between, and its forward pass is DJL's {@link Activation#relu6}, bit for bit.
 */
class Relu6Test {

    private static final float[] INPUTS = {-3f, -0.5f, 0.25f, 1f, 2.5f, 5.75f, 6.5f, 9f, 100f};

    @Test
    void theGradientIsOneInsideTheClipAndZeroOutsideAfterACollection() throws Exception {
        float[] expected = new float[INPUTS.length];
        for (int i = 0; i < INPUTS.length; i++) {
            expected[i] = INPUTS[i] > 0 && INPUTS[i] < 6 ? 1f : 0f;
        }
        for (int trial = 0; trial < 5; trial++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray x = manager.create(INPUTS).duplicate(); // engine-owned memory
                x.setRequiresGradient(true);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray loss = new Relu6().activate(x).sum();
                    collectGarbage(); // frees the Java buffers of closed arrays
                    collector.backward(loss);
                }
                assertArrayEquals(expected, x.getGradient().toFloatArray(), "trial " + trial);
            }
        }
    }

    @Test
    void theOutputsAreDjlsRelu6() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(INPUTS);
            assertArrayEquals(
                    Activation.relu6(x).toFloatArray(), new Relu6().activate(x).toFloatArray());
        }
    }

    private static void collectGarbage() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
    }
}
