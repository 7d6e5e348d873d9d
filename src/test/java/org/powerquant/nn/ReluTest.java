package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.quant.ActivationGrid;

/**
 * A ReLU block's output is its transform applied to the activation's output, whether or not the
 * block skips its own pass because the quantizer's clip does its work.
 */
class ReluTest {

    @Test
    void theOutputIsTheTransformOfTheActivationForEveryGrid() {
        Random random = new Random(3);
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x =
                    manager.randomNormal(
                            0, 4, new Shape(4000), ai.djl.ndarray.types.DataType.FLOAT32);
            int skipped = 0;
            for (int trial = 0; trial < 40; trial++) {
                double a = trial % 2 == 0 ? 1 : 0.3 + random.nextDouble();
                double lower = trial % 4 < 2 ? 0 : (random.nextDouble() - 0.5) * 2;
                double range = 0.5 + random.nextDouble() * 9; // above and below 6
                ActivationQuantizer q =
                        new ActivationQuantizer(
                                new ActivationGrid(2 + random.nextInt(7), a, lower, range, 0, 0));
                for (Relu relu : new Relu[] {new Relu(), new Relu6()}) {
                    relu.setOutputTransform(q);
                    NDArray activated =
                            relu instanceof Relu6 ? Activation.relu6(x) : Activation.relu(x);
                    float[] expected = q.apply(activated).toFloatArray();
                    float[] out =
                            relu.forward(new ParameterStore(manager, false), new NDList(x), false)
                                    .singletonOrThrow()
                                    .toFloatArray();
                    assertArrayEquals(expected, out, relu + " with " + q);
                    if (q.absorbsClip(0, relu instanceof Relu6 ? Relu6.UPPER_BOUND : 1e30)) {
                        skipped++;
                    }
                }
            }
            assertTrue(skipped > 10 && skipped < 70, skipped + " of 80 skip the pass");
        }
    }

    @Test
    void aQuantizerAbsorbsAClipExactlyWhenItsOwnRangeLiesInside() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.randomUniform(-10f, 10f, new Shape(10000));
            Random random = new Random(8);
            int absorbed = 0;
            int changed = 0;
            for (int trial = 0; trial < 50; trial++) {
                double lower = random.nextDouble() * 4 - 2;
                ActivationQuantizer q =
                        new ActivationQuantizer(
                                new ActivationGrid(
                                        4,
                                        0.4 + random.nextDouble(),
                                        lower,
                                        1 + random.nextDouble() * 6,
                                        0,
                                        0));
                double min = random.nextDouble() * 4 - 2;
                double max = min + random.nextDouble() * 8;
                boolean same =
                        java.util.Arrays.equals(
                                q.apply(x.clip(min, max)).toFloatArray(),
                                q.apply(x).toFloatArray());
                if (q.absorbsClip(min, max)) {
                    absorbed++;
                    assertTrue(same, q + " after clip to [" + min + ", " + max + "]");
                } else if (!same) {
                    changed++;
                }
            }
            assertTrue(
                    absorbed >= 5 && changed >= 5, absorbed + " absorbed, " + changed + " changed");
        }
    }

    @Test
    void aResNetQuantizedWithTheFastPathsComputesWhatTheSlowPathComputes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(8).optNumClasses(10).build();
            Shape input = new Shape(4, 3, 48, 48);
            net.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, input);
            NDArray x = manager.randomNormal(input);
            Random random = new Random(4);
            java.util.List<Relu> relus = new java.util.ArrayList<>();
            java.util.List<ActivationQuantizer> quantizers = new java.util.ArrayList<>();
            for (ai.djl.nn.Block b : TorchNames.blocks(net).values()) {
                if (b instanceof Relu relu) {
                    relus.add(relu);
                    quantizers.add(
                            new ActivationQuantizer(
                                    new ActivationGrid(
                                            4,
                                            relus.size() % 3 == 0 ? 1 : 0.4 + random.nextDouble(),
                                            0,
                                            0.5 + random.nextDouble(),
                                            0,
                                            0)));
                }
            }
            ParameterStore ps = new ParameterStore(manager, false);
            for (int i = 0; i < relus.size(); i++) { // opaque: no skipped ReLU, no reordered pool
                ActivationQuantizer q = quantizers.get(i);
                relus.get(i).setOutputTransform(y -> q.apply(y));
            }
            float[] slow = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
            for (int i = 0; i < relus.size(); i++) {
                relus.get(i).setOutputTransform(quantizers.get(i));
            }
            assertTrue(quantizers.get(0).nonDecreasing(), "the stem's quantizer pools first");
            float[] fast = net.forward(ps, new NDList(x), false).singletonOrThrow().toFloatArray();
            assertArrayEquals(slow, fast);
        }
    }
}
