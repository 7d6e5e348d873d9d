package org.powerquant.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Specification of {@link TorchvisionResNet}'s structure, names and sizes. */
class TorchvisionResNetTest {

    /** torchvision's trainable-parameter count (buffers excluded). */
    private static long trainableCount(TorchvisionResNet net) {
        return net.getTorchParameters().entrySet().stream()
                .filter(
                        e ->
                                !e.getKey().endsWith("running_mean")
                                        && !e.getKey().endsWith("running_var"))
                .mapToLong(e -> e.getValue().getArray().size())
                .sum();
    }

    @Test
    void resnet18MatchesTorchvisionSizeAndNames() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = TorchvisionResNet.resnet18().build();
            net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 224, 224));
            assertEquals(
                    new Shape(2, 1000),
                    net.getOutputShapes(new Shape[] {new Shape(2, 3, 224, 224)})[0]);
            assertEquals(11_689_512L, trainableCount(net));
            Map<String, Parameter> p = net.getTorchParameters();
            assertEquals(new Shape(64, 3, 7, 7), p.get("conv1.weight").getArray().getShape());
            assertEquals(new Shape(64), p.get("layer1.0.bn1.running_var").getArray().getShape());
            assertEquals(
                    new Shape(128, 64, 1, 1),
                    p.get("layer2.0.downsample.0.weight").getArray().getShape());
            assertTrue(p.containsKey("layer2.0.downsample.1.running_mean"));
            assertFalse(p.containsKey("layer1.0.downsample.0.weight"));
            assertEquals(new Shape(1000, 512), p.get("fc.weight").getArray().getShape());
            // 1 stem + 8 units x 2 + 3 downsamples
            assertEquals(20, net.getConvBatchNormPairs().size());
            // 1 stem + 8 units x 2 applications
            assertEquals(
                    17,
                    TorchNames.blocks(net).values().stream()
                            .filter(b -> b instanceof Relu)
                            .count());
        }
    }

    @Test
    void resnet50MatchesTorchvisionSize() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = TorchvisionResNet.resnet50().build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 224, 224));
            assertEquals(25_557_032L, trainableCount(net));
            Map<String, Parameter> p = net.getTorchParameters();
            // v1.5: stride on the 3x3 conv
            Block conv2 = TorchNames.blocks(net).get("layer2.0.conv2");
            assertEquals(new Shape(2, 2), ((Conv2d) conv2).getStride());
            assertEquals(
                    new Shape(256, 64, 1, 1), p.get("layer1.0.conv3.weight").getArray().getShape());
            assertEquals(new Shape(1000, 2048), p.get("fc.weight").getArray().getShape());
            // 1 stem + 16 units x 3 + 4 downsamples
            assertEquals(53, net.getConvBatchNormPairs().size());
        }
    }

    @Test
    void everyConvBatchNormPairIsConsecutiveAndChannelConsistent() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.builder()
                            .setKind(ResidualKind.BOTTLENECK)
                            .setLayers(1, 2, 1)
                            .optBaseWidth(8)
                            .optNumClasses(5)
                            .build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            List<ConvBatchNormPair> pairs = net.getConvBatchNormPairs();
            long convs =
                    TorchNames.blocks(net).values().stream()
                            .filter(b -> b instanceof Conv2d)
                            .count();
            long bns =
                    TorchNames.blocks(net).values().stream()
                            .filter(b -> b instanceof BatchNorm)
                            .count();
            assertEquals(convs, pairs.size());
            assertEquals(bns, pairs.size());
            Map<String, Parameter> p = net.getTorchParameters();
            for (ConvBatchNormPair pair : pairs) {
                long filters = p.get(pair.convName() + ".weight").getArray().getShape().get(0);
                assertEquals(
                        filters,
                        p.get(pair.batchNormName() + ".weight").getArray().size(),
                        pair.convName());
            }
        }
    }

    @Test
    void smallInputVariantKeepsResolutionInStem() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18()
                            .optSmallInput(true)
                            .optBaseWidth(16)
                            .optInputChannels(1)
                            .optNumClasses(10)
                            .build();
            Shape in = new Shape(4, 1, 28, 28);
            net.initialize(manager, DataType.FLOAT32, in);
            assertFalse(TorchNames.blocks(net).containsKey("maxpool"));
            assertEquals(
                    new Shape(16, 1, 3, 3),
                    net.getTorchParameters().get("conv1.weight").getArray().getShape());
            NDArray x = manager.randomNormal(in);
            NDArray y =
                    net.forward(new ParameterStore(manager, false), new NDList(x), false)
                            .singletonOrThrow();
            assertEquals(new Shape(4, 10), y.getShape());
        }
    }

    @Test
    void reluOutputTransformSeesEveryActivation() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            int[] calls = {0};
            List<Relu> relus =
                    TorchNames.blocks(net).values().stream()
                            .filter(b -> b instanceof Relu)
                            .map(b -> (Relu) b)
                            .toList();
            relus.forEach(
                    r ->
                            r.setOutputTransform(
                                    a -> {
                                        calls[0]++;
                                        assertTrue(a.min().getFloat() >= 0f);
                                        return a;
                                    }));
            net.forward(
                    new ParameterStore(manager, false),
                    new NDList(manager.randomNormal(new Shape(1, 3, 64, 64))),
                    false);
            assertEquals(relus.size(), calls[0]);
        }
    }

    @Test
    void parametersSurviveDjlSaveAndLoad() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape in = new Shape(2, 3, 32, 32);
            TorchvisionResNet a =
                    TorchvisionResNet.resnet50()
                            .setLayers(1, 1)
                            .optBaseWidth(4)
                            .optNumClasses(3)
                            .build();
            a.initialize(manager, DataType.FLOAT32, in);
            for (Parameter p : a.getTorchParameters().values()) {
                p.getArray()
                        .set(
                                manager.randomUniform(0.5f, 1.5f, p.getArray().getShape())
                                        .toByteBuffer());
            }
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            a.saveParameters(new java.io.DataOutputStream(bytes));
            TorchvisionResNet b =
                    TorchvisionResNet.resnet50()
                            .setLayers(1, 1)
                            .optBaseWidth(4)
                            .optNumClasses(3)
                            .build();
            b.initialize(manager, DataType.FLOAT32, in);
            b.loadParameters(
                    manager,
                    new java.io.DataInputStream(
                            new java.io.ByteArrayInputStream(bytes.toByteArray())));
            NDArray x = manager.randomNormal(in);
            ParameterStore ps = new ParameterStore(manager, false);
            assertEquals(
                    a.forward(ps, new NDList(x), false).singletonOrThrow(),
                    b.forward(ps, new NDList(x), false).singletonOrThrow());
        }
    }

    @Test
    void trainsWithDjlTrainerOnSmallImages() {
        try (ai.djl.Model model = ai.djl.Model.newInstance("tiny")) {
            model.setBlock(
                    TorchvisionResNet.resnet18()
                            .setLayers(1, 1)
                            .optSmallInput(true)
                            .optBaseWidth(8)
                            .optInputChannels(1)
                            .optNumClasses(4)
                            .build());
            ai.djl.training.DefaultTrainingConfig config =
                    new ai.djl.training.DefaultTrainingConfig(
                                    ai.djl.training.loss.Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    ai.djl.training.optimizer.Optimizer.adam()
                                            .optLearningRateTracker(
                                                    ai.djl.training.tracker.Tracker.fixed(0.01f))
                                            .build());
            try (ai.djl.training.Trainer trainer = model.newTrainer(config)) {
                NDManager manager = trainer.getManager();
                Shape in = new Shape(8, 1, 16, 16);
                trainer.initialize(in);
                manager.getEngine().setRandomSeed(3);
                NDArray x = manager.randomNormal(in);
                NDArray y = manager.create(new float[] {0, 1, 2, 3, 0, 1, 2, 3});
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 0; step < 20; step++) {
                    try (ai.djl.training.GradientCollector gc = trainer.newGradientCollector()) {
                        NDArray pred = trainer.forward(new NDList(x)).singletonOrThrow();
                        NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(pred));
                        gc.backward(loss);
                        last = loss.getFloat();
                        first = step == 0 ? last : first;
                    }
                    trainer.step();
                }
                assertTrue(last < first / 2, "loss " + first + " -> " + last);
                TorchvisionResNet net = (TorchvisionResNet) model.getBlock();
                NDArray runningMean = net.getTorchParameters().get("bn1.running_mean").getArray();
                assertTrue(
                        runningMean.abs().sum().getFloat() > 0f,
                        "training updates BatchNorm running statistics");
            }
        }
    }

    @Test
    void builderRejectsMissingOrNonPositiveLayers() {
        assertThrows(
                IllegalArgumentException.class,
                () -> TorchvisionResNet.builder().setKind(ResidualKind.BASIC).build());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        TorchvisionResNet.builder()
                                .setKind(ResidualKind.BASIC)
                                .setLayers(2, 0)
                                .build());
        assertThrows(
                IllegalArgumentException.class,
                () -> TorchvisionResNet.builder().setLayers(2, 2).build());
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet grey = TorchvisionResNet.resnet18().optInputChannels(1).build();
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    grey.initialize(
                                            manager, DataType.FLOAT32, new Shape(1, 3, 32, 32)));
            assertTrue(e.getMessage().contains("(N, 1, H, W)"), e.getMessage());
        }
    }
}
