package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The graph found by walking blocks: fold pairs, activation sites, joins, pooling, classifier and
 * unknown blocks of torchvision's ResNet-18/50 and MobileNetV2 and DJL's own ResNetV1 and
 * MobileNetV2; folding is exact on each (on torchvision's ResNets also in {@link
 * BatchNormFoldingTest}).
 */
class NetworkGraphTest {

    @Test
    void torchvisionResNet18() {
        NetworkGraph g = NetworkGraph.of(TorchvisionResNet.resnet18().optBaseWidth(4).build());
        // 20 convolutions, each followed by its batch norm (3 of them in downsample shortcuts)
        assertEquals(20, g.foldPairs().size());
        assertEquals("conv1", g.foldPairs().get(0).convName());
        assertEquals("layer2.0.downsample.1", g.foldPairs().get(7).batchNormName());
        // the stem ReLU and two per basic block
        assertEquals(1 + 2 * 8, g.activations().size());
        assertEquals("relu", g.activations().get(0));
        assertEquals(8, g.joins().size());
        assertEquals(List.of("maxpool", "avgpool"), g.pools());
        assertEquals("fc", g.classifier());
        assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
        g.checkActivationsPlaceable();
    }

    @Test
    void torchvisionResNet50() {
        NetworkGraph g = NetworkGraph.of(TorchvisionResNet.resnet50().optBaseWidth(4).build());
        assertEquals(1 + 3 * 16 + 4, g.foldPairs().size());
        assertEquals(1 + 3 * 16, g.activations().size());
        assertEquals(16, g.joins().size());
        assertEquals("fc", g.classifier());
        assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
    }

    @Test
    void torchvisionMobileNetV2() {
        NetworkGraph g = NetworkGraph.of(TorchvisionMobileNetV2.builder().build());
        // stem, 2 in the unexpanded first unit, 3 in each of the 16 others, the last 1x1
        assertEquals(1 + 2 + 3 * 16 + 1, g.foldPairs().size());
        assertTrue(
                g.foldPairs().stream()
                        .anyMatch(
                                p ->
                                        p.convName().equals("features.2.conv.1.0")
                                                && p.conv().getGroups() == 96),
                "the depthwise convolution of features.2 is a fold pair");
        assertEquals(1 + 1 + 2 * 16 + 1, g.activations().size());
        assertEquals(g.activations(), g.relu6Activations());
        assertEquals("features.1.conv.0.2", g.activations().get(1));
        // stride-1 units that keep their width: 1 + 2 + 3 + 2 + 2 per setting row
        assertEquals(
                List.of(3, 5, 6, 8, 9, 10, 12, 13, 15, 16).stream()
                        .map(i -> "features." + i)
                        .toList(),
                g.joins());
        assertEquals(List.of("avgpool"), g.pools());
        assertEquals("classifier.1", g.classifier());
        assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
        g.checkActivationsPlaceable();
    }

    @Test
    void djlResNetV1HasItsPairsButItsJoinsAndActivationsAreReportedByName() {
        Block net =
                ResNetV1.builder()
                        .setImageShape(new Shape(1, 28, 28))
                        .setNumLayers(20)
                        .setOutSize(10)
                        .build();
        NetworkGraph g = NetworkGraph.of(net);
        // ResNet-20: the stem, 9 basic units of two conv/batch-norm pairs, 2 projection shortcuts
        assertEquals(1 + 2 * 9 + 2, g.foldPairs().size());
        assertEquals(9, g.joins().size());
        assertEquals(g.joins(), g.opaqueJoins());
        // the ReLU between the unit's convolutions is an anonymous lambda
        assertEquals(9, g.unknownBlocks().size(), g.unknownBlocks().toString());
        assertTrue(
                g.unknownBlocks().get(0).startsWith("1.0.2 (LambdaBlock"),
                g.unknownBlocks().get(0));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, g::checkActivationsPlaceable);
        assertTrue(e.getMessage().contains("1.0.2"), e.getMessage());
    }

    @Test
    void djlMobileNetV2HasItsPairsAndLambdaRelu6s() {
        NetworkGraph g = NetworkGraph.of(MobileNetV2.builder().setOutSize(10).build());
        assertEquals(53, g.foldPairs().size());
        assertTrue(g.activations().isEmpty());
        assertEquals(36, g.unhookedActivations().size());
        assertEquals(10, g.opaqueJoins().size());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, g::checkActivationsPlaceable);
        assertTrue(e.getMessage().contains("not understood"), e.getMessage());
    }

    /** A block of a type the walker has never heard of. */
    private static final class Mystery extends AbstractBlock {
        @Override
        protected NDList forwardInternal(
                ParameterStore store, NDList inputs, boolean training, PairList<String, Object> p) {
            return inputs;
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inputShapes;
        }
    }

    @Test
    void anUnknownBlockIsReportedByName() {
        SequentialBlock net =
                new SequentialBlock()
                        .add(TorchLayers.conv(4, 3, 1, 1))
                        .add(TorchLayers.batchNorm())
                        .add(new Relu())
                        .add(new Mystery());
        NetworkGraph g = NetworkGraph.of(net);
        assertEquals(List.of("3 (Mystery)"), g.unknownBlocks());
        assertEquals(1, g.foldPairs().size());
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, g::checkActivationsPlaceable);
        assertEquals(
                "activation bits cannot be placed: block 3 (Mystery) is not understood",
                e.getMessage());
    }

    private static void randomiseBatchNorms(Block net, Random random) {
        for (var e : TorchNames.blocks(net).entrySet()) {
            if (!(e.getValue() instanceof BatchNorm bn)) {
                continue;
            }
            for (var p : bn.getDirectParameters()) {
                Parameter parameter = p.getValue();
                int n = (int) parameter.getArray().size();
                double[] d =
                        IntStream.range(0, n)
                                .mapToDouble(
                                        i ->
                                                p.getKey().equals("runningVar")
                                                        ? 0.05 + random.nextDouble() * 2
                                                        : random.nextGaussian() * 0.5)
                                .toArray();
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = (float) d[i];
                }
                parameter.getArray().set(v);
            }
        }
    }

    private static void assertFoldingIsExact(Block net, Shape input, long seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            net.initialize(manager, DataType.FLOAT32, input);
            randomiseBatchNorms(net, new Random(seed));
            manager.getEngine().setRandomSeed((int) seed);
            NDArray x = manager.randomNormal(input);
            ParameterStore store = new ParameterStore(manager, false);
            float[] before =
                    net.forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
            int pairs = NetworkGraph.of(net).foldPairs().size();
            assertEquals(pairs, BatchNormFolding.fold(net).size());
            float[] after =
                    net.forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
            double scale = 0;
            for (float v : before) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 1e-4 * scale, net.getClass() + " output " + i);
            }
        }
    }

    @Test
    void foldingIsExactOnEveryNetwork() {
        assertFoldingIsExact(
                TorchvisionMobileNetV2.builder()
                        .optWidthMultiplier(0.25f)
                        .optNumClasses(10)
                        .build(),
                new Shape(1, 3, 32, 32),
                1);
        // DJL's zoo convolutions have biases of their own, which move into the batch norm
        assertFoldingIsExact(
                ResNetV1.builder()
                        .setImageShape(new Shape(1, 28, 28))
                        .setNumLayers(20)
                        .setOutSize(10)
                        .build(),
                new Shape(2, 1, 28, 28),
                3);
        assertFoldingIsExact(
                MobileNetV2.builder().setOutSize(10).build(), new Shape(1, 3, 16, 16), 4);
    }
}
