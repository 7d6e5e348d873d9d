package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.powerquant.zoo.ZooFixtures;

/**
 * DJL's zoo networks rewritten into hookable blocks: the rewrite is exact (outputs equal bit for
 * bit on random inputs, the very same parameters), the graph of the result has the expected fold
 * pairs, activation sites and joins, and what the rewrite does not understand is still reported by
 * name.
 */
class HookableNetworkTest {

    static Block resNet20() {
        return ResNetV1.builder()
                .setImageShape(new Shape(1, 28, 28))
                .setNumLayers(20)
                .setOutSize(10)
                .build();
    }

    static Block mobileNetV1() {
        return MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(10).build();
    }

    static Block mobileNetV2() {
        return MobileNetV2.builder()
                .setOutSize(10)
                .optFilters(new int[] {8, 8, 8, 16, 16, 24, 32, 48, 64})
                .optStrides(new int[] {1, 1, 2, 2, 1, 1, 2, 1, 1})
                .optMultiTimes(new int[] {1, 2, 2, 2, 2, 2, 2})
                .build();
    }

    /** Random batch-norm statistics, so that folding and joins see something else than 0 and 1. */
    static void randomiseBatchNorms(Block net, long seed) {
        Random random = new Random(seed);
        for (var e : TorchNames.blocks(net).entrySet()) {
            if (!(e.getValue() instanceof BatchNorm bn)) {
                continue;
            }
            for (var p : bn.getDirectParameters()) {
                Parameter parameter = p.getValue();
                int n = (int) parameter.getArray().size();
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] =
                            (float)
                                    (p.getKey().equals("runningVar")
                                            ? 0.05 + random.nextDouble() * 2
                                            : p.getKey().equals("gamma")
                                                    ? 0.5 + random.nextDouble()
                                                    : random.nextGaussian() * 0.5);
                }
                parameter.getArray().set(v);
            }
        }
    }

    private static float[] forward(Block net, NDManager manager, Shape shape, long seed) {
        Random random = new Random(seed);
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        NDArray x = manager.create(values, shape);
        return net.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow()
                .toFloatArray();
    }

    private static Set<Parameter> parameters(Block net) {
        Set<Parameter> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(net.getParameters().values());
        return set;
    }

    /** Rewrites and checks exactness on three random inputs of two batch sizes. */
    private static HookableNetwork assertExactRewrite(Block net, Shape input, NDManager manager) {
        net.initialize(manager, DataType.FLOAT32, input);
        randomiseBatchNorms(net, 7);
        List<float[]> before = new ArrayList<>();
        Shape[] shapes = {input, input, new Shape(3).addAll(input.slice(1))};
        for (int i = 0; i < shapes.length; i++) {
            before.add(forward(net, manager, shapes[i], 100 + i));
        }
        HookableNetwork rewritten = HookableNetwork.rewrite(net);
        for (int i = 0; i < shapes.length; i++) {
            assertArrayEquals(before.get(i), forward(rewritten, manager, shapes[i], 100 + i));
            // the original is left as it was
            assertArrayEquals(before.get(i), forward(net, manager, shapes[i], 100 + i));
        }
        assertEquals(parameters(net), parameters(rewritten), "the very same parameters");
        return rewritten;
    }

    @Test
    void resNetV1BecomesResidualUnitsWithExplicitReluSites() {
        try (NDManager manager = NDManager.newBaseManager()) {
            HookableNetwork net = assertExactRewrite(resNet20(), new Shape(2, 1, 28, 28), manager);
            NetworkGraph g = NetworkGraph.of(net);
            assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
            assertTrue(g.unhookedActivations().isEmpty());
            assertTrue(g.opaqueJoins().isEmpty());
            // 9 basic units: one conv/batch-norm pair per convolution, 3 projection shortcuts
            assertEquals(2 * 9 + 3, g.foldPairs().size());
            assertEquals("1.0.0", g.foldPairs().get(0).convName());
            assertEquals("1.1.1", g.foldPairs().get(2).batchNormName());
            // the ReLU inside each unit and the one after each join
            assertEquals(2 * 9, g.activations().size());
            assertEquals(List.of("1.0.2", "1.2", "2.0.2", "2.1"), g.activations().subList(0, 4));
            assertEquals(
                    IntStream.rangeClosed(1, 9).mapToObj(Integer::toString).toList(), g.joins());
            assertTrue(net.getHeadNames().contains("10"), net.getHeadNames().toString());
            assertEquals(List.of("10"), g.pools());
            assertEquals("12", g.classifier());
            // parameter names are the DJL block's
            assertEquals(
                    TorchNames.parameters(resNet20Initialised(manager)).keySet(),
                    TorchNames.parameters(net).keySet());
            g.checkActivationsPlaceable();
        }
    }

    /**
     * DJL builds {@code ResNetV1} for images of 64 pixels or more with ImageNet's stem (7x7
     * stride-2 convolution, batch norm, ReLU, 3x3 stride-2 max pooling) and bottleneck units.
     */
    @Test
    void resNetV1ForLargeImagesKeepsItsStemAndMaxPooling() {
        Block resNet18 = ZooFixtures.resNetV1ForLargeImages();
        Shape input = new Shape(2, 3, 64, 64);
        try (NDManager manager = NDManager.newBaseManager()) {
            HookableNetwork net = assertExactRewrite(resNet18, input, manager);
            NetworkGraph g = NetworkGraph.of(net);
            assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
            assertTrue(g.opaqueJoins().isEmpty());
            // the stem, 8 bottleneck units of three pairs, 4 projection shortcuts
            assertEquals(1 + 3 * 8 + 4, g.foldPairs().size());
            assertEquals("0", g.foldPairs().get(0).convName());
            assertEquals("1", g.foldPairs().get(0).batchNormName());
            assertEquals(7, g.foldPairs().get(0).conv().getKernelShape().get(0));
            // the stem's ReLU, two inside each unit, one after each join
            assertEquals(1 + 3 * 8, g.activations().size());
            assertEquals(List.of("2", "4.0.2", "4.0.5", "4.2"), g.activations().subList(0, 4));
            assertEquals(
                    IntStream.rangeClosed(4, 11).mapToObj(Integer::toString).toList(), g.joins());
            assertEquals(List.of("3", "12"), g.pools(), "the max pooling and the global pooling");
            assertEquals("14", g.classifier());
            g.checkActivationsPlaceable();
            float[] before = forward(net, manager, input, 5);
            assertEquals(g.foldPairs().size(), BatchNormFolding.fold(net).size());
            float[] after = forward(net, manager, input, 5);
            double scale = 0;
            for (float v : before) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < before.length; i++) {
                assertEquals(before[i], after[i], 1e-4 * scale, "logit " + i);
            }
        }
    }

    private static Block resNet20Initialised(NDManager manager) {
        Block b = resNet20();
        b.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
        return b;
    }

    @Test
    void mobileNetV1LambdaRelusBecomeSites() {
        try (NDManager manager = NDManager.newBaseManager()) {
            HookableNetwork net =
                    assertExactRewrite(mobileNetV1(), new Shape(2, 1, 32, 32), manager);
            NetworkGraph g = NetworkGraph.of(net);
            assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
            // the stem and 13 depthwise-separable units of two conv/batch-norm/ReLU each
            assertEquals(1 + 2 * 13, g.foldPairs().size());
            assertEquals(1 + 2 * 13, g.activations().size());
            assertTrue(g.relu6Activations().isEmpty());
            assertTrue(
                    g.foldPairs().stream()
                            .anyMatch(p -> p.convName().equals("1.0") && p.conv().getGroups() == 8),
                    "the first depthwise convolution is a fold pair");
            assertEquals(List.of("0.2", "1.2", "1.3.2"), g.activations().subList(0, 3));
            assertTrue(g.joins().isEmpty());
            assertEquals("15", g.classifier());
            g.checkActivationsPlaceable();
        }
    }

    @Test
    void mobileNetV2JoinsBecomeInvertedResidualsAndRelu6sSites() {
        try (NDManager manager = NDManager.newBaseManager()) {
            HookableNetwork net =
                    assertExactRewrite(mobileNetV2(), new Shape(2, 1, 28, 28), manager);
            NetworkGraph g = NetworkGraph.of(net);
            assertTrue(g.unknownBlocks().isEmpty(), g.unknownBlocks().toString());
            // pre, 17 bottlenecks of three pairs, conv1
            assertEquals(1 + 3 * 17 + 1, g.foldPairs().size());
            assertEquals(1 + 2 * 17 + 1, g.activations().size());
            assertEquals(g.activations(), g.relu6Activations());
            // stride-1 units that keep their width (filters 8, 8, 8, 16, 16, 24, 32, 48)
            assertEquals(
                    List.of(
                            "1.0", "2.1", "3.1", "3.2", "4.0", "4.1", "4.2", "4.3", "5.1", "5.2",
                            "6.1", "6.2"),
                    g.joins());
            assertEquals(List.of("0.2", "1.0.conv.2", "1.0.conv.5"), g.activations().subList(0, 3));
            assertEquals(List.of("9"), g.pools());
            g.checkActivationsPlaceable();
        }
    }

    @Test
    void foldingIsExactOnTheRewrittenNetworks() {
        Block[] nets = {resNet20(), mobileNetV1(), mobileNetV2()};
        Shape[] inputs = {
            new Shape(2, 1, 28, 28), new Shape(2, 1, 32, 32), new Shape(2, 1, 28, 28)
        };
        for (int k = 0; k < nets.length; k++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                HookableNetwork net = assertExactRewrite(nets[k], inputs[k], manager);
                float[] before = forward(net, manager, inputs[k], 5);
                int pairs = NetworkGraph.of(net).foldPairs().size();
                assertEquals(pairs, BatchNormFolding.fold(net).size());
                float[] after = forward(net, manager, inputs[k], 5);
                double scale = 0;
                for (float v : before) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < before.length; i++) {
                    assertEquals(before[i], after[i], 1e-4 * scale, "network " + k + " logit " + i);
                }
            }
        }
    }

    @Test
    void whatTheRewriteDoesNotUnderstandIsReportedByName() {
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock body =
                    new SequentialBlock()
                            .add(TorchLayers.conv(4, 3, 1, 1))
                            .add(TorchLayers.batchNorm())
                            .add(Activation.reluBlock())
                            // a join that concatenates: not a residual sum
                            .add(
                                    new ParallelBlock(
                                            list ->
                                                    new NDList(
                                                            list.get(0)
                                                                    .singletonOrThrow()
                                                                    .concat(
                                                                            list.get(1)
                                                                                    .singletonOrThrow(),
                                                                            1)),
                                            List.of(
                                                    new SequentialBlock()
                                                            .add(TorchLayers.conv(4, 3, 1, 1)),
                                                    Blocks.identityBlock())))
                            .add(Activation.sigmoidBlock())
                            .add(Pool.globalAvgPool2dBlock())
                            .add(Linear.builder().setUnits(3).build());
            HookableNetwork net = assertExactRewrite(body, new Shape(2, 1, 8, 8), manager);
            NetworkGraph g = NetworkGraph.of(net);
            assertEquals(List.of("2"), g.activations(), "the lambda ReLU became a site");
            assertEquals(List.of("3"), g.opaqueJoins());
            assertEquals(List.of("4 (LambdaBlock sigmoid)"), g.unknownBlocks());
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, g::checkActivationsPlaceable);
            assertTrue(e.getMessage().contains("4 (LambdaBlock sigmoid)"), e.getMessage());
        }
    }

    @Test
    void aLambdaIsAReluOnlyIfItComputesOne() {
        assertTrue(LambdaActivations.hookable((LambdaBlock) Activation.reluBlock()).isPresent());
        assertTrue(
                LambdaActivations.hookable((LambdaBlock) Activation.relu6Block()).get()
                        instanceof Relu6);
        assertTrue(
                LambdaActivations.hookable(new LambdaBlock(Activation::relu)).isPresent(),
                "an anonymous method reference, as in ResNetV1's units");
        // named like a ReLU, computes something else
        assertTrue(
                LambdaActivations.hookable(
                                new LambdaBlock(
                                        l -> new NDList(l.singletonOrThrow().clip(0, 100)), "ReLU"))
                        .isEmpty());
        assertTrue(
                LambdaActivations.hookable((LambdaBlock) Activation.leakyReluBlock(0.01f))
                        .isEmpty());
        assertTrue(LambdaActivations.hookable((LambdaBlock) Blocks.identityBlock()).isEmpty());
        assertTrue(
                LambdaActivations.hookable(
                                new LambdaBlock(l -> new NDList(l.singletonOrThrow().reshape(-1))))
                        .isEmpty());
    }

    @Test
    void aNetworkWithoutHeadOrNotInitialisedIsRefused() {
        Block net = resNet20();
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> HookableNetwork.rewrite(net));
        assertTrue(e.getMessage().contains("initialised"), e.getMessage());
        try (NDManager manager = NDManager.newBaseManager()) {
            SequentialBlock headless =
                    new SequentialBlock().add(TorchLayers.conv(4, 3, 1, 1)).add(new Relu());
            headless.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 8, 8));
            e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> HookableNetwork.rewrite(headless));
            assertTrue(e.getMessage().contains("global pooling"), e.getMessage());
        }
    }

    @Test
    void applyToABlockSaysHowToRewriteIt() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Block net = resNet20();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 28, 28));
            var transform =
                    org.powerquant.transform.PowerQuantTransform.builder()
                            .weightBits(8)
                            .activationBits(8)
                            .calibration(new org.powerquant.calibrate.BatchNormModel())
                            .build();
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> transform.apply(net));
            assertTrue(e.getMessage().contains("HookableNetwork.rewrite"), e.getMessage());
            try (Model model = Model.newInstance("zoo")) {
                model.setBlock(net);
                transform.apply(model);
                assertSame(HookableNetwork.class, model.getBlock().getClass());
                Map<String, Block> blocks = TorchNames.blocks(model.getBlock());
                assertTrue(
                        ((Relu) blocks.get("1.0.2")).getOutputTransform()
                                instanceof ActivationQuantizer,
                        "a quantizer sits on the unit's inner ReLU");
            }
        }
    }
}
