package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;

/** Weight names come from the one naming source, {@link TorchNames}, for every block tree. */
class BlockWalkerTest {

    @Test
    void bottleneckUnitsAreNamedByPositionAsInTorchvision() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = smallBottleneckResNet(manager);
            List<String> names = BlockWalker.sites(net).stream().map(WeightSite::name).toList();
            assertTrue(names.contains("layer1.0.conv1.weight"), names.toString());
            assertTrue(names.contains("layer1.1.conv3.weight"), names.toString());
            assertTrue(names.contains("layer2.0.downsample.0.weight"), names.toString());
            assertSameNamesAsTorchNames(net);
        }
    }

    @Test
    void namesAreUniqueAndAgreeWithTorchNamesForBasicBlocks() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            assertSameNamesAsTorchNames(net);
        }
    }

    /**
     * On a torchvision-style Bottleneck ResNet, {@code layer1.0.*} leaves exactly the first unit's
     * weights (its three convolutions and its downsample) in float; a pattern that matches nothing
     * is an error naming it, with the skip role.
     */
    @Test
    void skipPatternsMatchBottleneckUnitsByPosition() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = smallBottleneckResNet(manager);
            QuantizationReport report =
                    PowerQuantTransform.builder()
                            .weightBits(4)
                            .skipLayers("layer1.0.*")
                            .build()
                            .apply(net);
            assertEquals(
                    List.of(
                            "layer1.0.conv1.weight",
                            "layer1.0.conv2.weight",
                            "layer1.0.conv3.weight",
                            "layer1.0.downsample.0.weight"),
                    report.skipped());
            assertTrue(
                    report.layers().stream().noneMatch(l -> l.name().startsWith("layer1.0.")),
                    report.layers().toString());
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    PowerQuantTransform.builder()
                                            .weightBits(4)
                                            .skipLayers("layer1.Bottleneck.*")
                                            .build()
                                            .apply(net));
            assertTrue(e.getMessage().contains("layer1.Bottleneck.*"), e.getMessage());
            assertEquals(Role.SKIP, ((InvalidInputException) e).role());
        }
    }

    /** A two-stage torchvision-style Bottleneck ResNet, random initial weights. */
    private static TorchvisionResNet smallBottleneckResNet(NDManager manager) {
        TorchvisionResNet net =
                TorchvisionResNet.resnet50()
                        .setLayers(2, 2)
                        .optBaseWidth(4)
                        .optNumClasses(3)
                        .build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        return net;
    }

    /** Every weight the walker finds is the parameter TorchNames gives that name; no repeats. */
    private static void assertSameNamesAsTorchNames(Block net) {
        Map<String, Parameter> torch = TorchNames.parameters(net);
        Set<String> seen = new HashSet<>();
        List<WeightSite> sites = BlockWalker.sites(net);
        for (WeightSite site : sites) {
            assertTrue(seen.add(site.name()), "repeated name " + site.name());
            assertSame(torch.get(site.name()), site.parameter(), site.name());
        }
        assertTrue(sites.size() > 10, sites.size() + " weights");
    }
}
