package org.powerquant.zoo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.HookableNetwork;
import org.powerquant.nn.NetworkGraph;
import org.powerquant.transform.PowerQuantTransform;

/**
 * The committed DJL ResNetV1 fixture loads the way DJL's zoo loads a ResNet (a model directory
 * whose {@code serving.properties} names {@code ResnetBlockFactory}, offline), and {@code
 * PowerQuant.loadQuantized} quantizes it with activations: the block is rewritten, every ReLU gets
 * a quantizer (batch-norm model calibration), and W8A8 logits stay close to the float ones.
 */
class ZooFixtureLoadingTest {

    private static float[] logits(Block block, NDManager manager, float[] x) {
        return block.forward(
                        new ParameterStore(manager, false),
                        new NDList(manager.create(x, new Shape(4, 1, 28, 28))),
                        false)
                .singletonOrThrow()
                .toFloatArray();
    }

    @Test
    void loadsThroughResnetBlockFactoryAndQuantizesWithActivations() throws Exception {
        Path dir = ZooFixtures.directoryOrSkip(ZooFixtures.Network.RESNET);
        Random random = new Random(1);
        float[] x = new float[4 * 28 * 28];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] before;
        try (ZooModel<NDList, NDList> model = ZooFixtures.load(ZooFixtures.Network.RESNET, dir);
                NDManager manager = NDManager.newBaseManager()) {
            // DJL's factory built it: ResNetV1's SequentialBlock, lambda ReLUs and ParallelBlocks
            assertInstanceOf(SequentialBlock.class, model.getBlock());
            assertEquals(9, NetworkGraph.of(model.getBlock()).opaqueJoins().size());
            before = logits(model.getBlock(), manager, x);
        }
        PowerQuantTransform w8a8 =
                PowerQuantTransform.builder()
                        .weightBits(8)
                        .activationBits(8)
                        .calibration(new BatchNormModel())
                        .build();
        try (QuantizedModel<NDList, NDList> q =
                        PowerQuant.loadQuantized(
                                ZooFixtures.criteria(ZooFixtures.Network.RESNET, dir), w8a8);
                NDManager manager = NDManager.newBaseManager()) {
            HookableNetwork net = assertInstanceOf(HookableNetwork.class, q.model().getBlock());
            assertEquals(18, q.report().activations().size());
            float[] after = logits(net, manager, x);
            double error = 0;
            double norm = 0;
            for (int i = 0; i < before.length; i++) {
                error += Math.pow(after[i] - before[i], 2);
                norm += Math.pow(before[i], 2);
            }
            // measured 0.125 on these noise inputs (the batch-norm model at 8 bits clips the
            // tails);
            // a missing or misplaced quantizer gives errors near 1
            assertTrue(Math.sqrt(error / norm) < 0.25, "relative error " + Math.sqrt(error / norm));
        }
    }
}
