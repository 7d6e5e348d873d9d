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

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/** Specification of {@link TorchvisionResNet}'s structure, names and sizes. */
class TorchvisionResNetTest {

    /** torchvision's trainable-parameter count (buffers excluded). */
    private static long trainableCount(TorchvisionResNet net) {
        return net.getTorchParameters().entrySet().stream()
                .filter(e -> !e.getKey().endsWith("running_mean") && !e.getKey().endsWith("running_var"))
                .mapToLong(e -> e.getValue().getArray().size())
                .sum();
    }

    @Test
    void resnet18MatchesTorchvisionSizeAndNames() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = TorchvisionResNet.resnet18().build();
            net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, 224, 224));
            assertEquals(new Shape(2, 1000), net.getOutputShapes(new Shape[] {new Shape(2, 3, 224, 224)})[0]);
            assertEquals(11_689_512L, trainableCount(net));
            Map<String, Parameter> p = net.getTorchParameters();
            assertEquals(new Shape(64, 3, 7, 7), p.get("conv1.weight").getArray().getShape());
            assertEquals(new Shape(64), p.get("layer1.0.bn1.running_var").getArray().getShape());
            assertEquals(new Shape(128, 64, 1, 1), p.get("layer2.0.downsample.0.weight").getArray().getShape());
            assertTrue(p.containsKey("layer2.0.downsample.1.running_mean"));
            assertFalse(p.containsKey("layer1.0.downsample.0.weight"));
            assertEquals(new Shape(1000, 512), p.get("fc.weight").getArray().getShape());
            // 1 stem + 8 units x 2 + 3 downsamples
            assertEquals(20, net.getConvBatchNormPairs().size());
            // 1 stem + 8 units x 2 applications
            assertEquals(17, TorchNames.blocks(net).values().stream().filter(b -> b instanceof Relu).count());
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
            assertEquals(new Shape(256, 64, 1, 1), p.get("layer1.0.conv3.weight").getArray().getShape());
            assertEquals(new Shape(1000, 2048), p.get("fc.weight").getArray().getShape());
            // 1 stem + 16 units x 3 + 4 downsamples
            assertEquals(53, net.getConvBatchNormPairs().size());
        }
    }

    @Test
    void everyConvBatchNormPairIsConsecutiveAndChannelConsistent() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.builder().setKind(ResidualKind.BOTTLENECK).setLayers(1, 2, 1)
                            .optBaseWidth(8).optNumClasses(5).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            List<ConvBatchNormPair> pairs = net.getConvBatchNormPairs();
            long convs = TorchNames.blocks(net).values().stream().filter(b -> b instanceof Conv2d).count();
            long bns = TorchNames.blocks(net).values().stream().filter(b -> b instanceof BatchNorm).count();
            assertEquals(convs, pairs.size());
            assertEquals(bns, pairs.size());
            Map<String, Parameter> p = net.getTorchParameters();
            for (ConvBatchNormPair pair : pairs) {
                long filters = p.get(pair.convName() + ".weight").getArray().getShape().get(0);
                assertEquals(filters, p.get(pair.batchNormName() + ".weight").getArray().size(), pair.convName());
            }
        }
    }

    @Test
    void smallInputVariantKeepsResolutionInStem() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optSmallInput(true).optBaseWidth(16).optNumClasses(10).build();
            Shape in = new Shape(4, 1, 28, 28);
            net.initialize(manager, DataType.FLOAT32, in);
            assertFalse(TorchNames.blocks(net).containsKey("maxpool"));
            assertEquals(new Shape(16, 1, 3, 3), net.getTorchParameters().get("conv1.weight").getArray().getShape());
            NDArray x = manager.randomNormal(in);
            NDArray y = net.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            assertEquals(new Shape(4, 10), y.getShape());
        }
    }

    @Test
    void reluOutputTransformSeesEveryActivation() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            int[] calls = {0};
            List<Relu> relus = TorchNames.blocks(net).values().stream()
                    .filter(b -> b instanceof Relu).map(b -> (Relu) b).toList();
            relus.forEach(r -> r.setOutputTransform(a -> {
                calls[0]++;
                assertTrue(a.min().getFloat() >= 0f);
                return a;
            }));
            net.forward(new ParameterStore(manager, false), new NDList(manager.randomNormal(new Shape(1, 3, 64, 64))), false);
            assertEquals(relus.size(), calls[0]);
        }
    }

    @Test
    void builderRejectsMissingOrNonPositiveLayers() {
        assertThrows(IllegalArgumentException.class, () -> TorchvisionResNet.builder().setKind(ResidualKind.BASIC).build());
        assertThrows(IllegalArgumentException.class,
                () -> TorchvisionResNet.builder().setKind(ResidualKind.BASIC).setLayers(2, 0).build());
        assertThrows(IllegalArgumentException.class, () -> TorchvisionResNet.builder().setLayers(2, 2).build());
    }
}
