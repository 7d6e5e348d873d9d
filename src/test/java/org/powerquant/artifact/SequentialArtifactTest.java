package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.transform.PowerQuantTransform;

/** DJL {@code SequentialBlock} trees of supported layers round-trip through an artifact. */
class SequentialArtifactTest {

    @TempDir Path dir;

    private static SequentialBlock network() {
        SequentialBlock inner = new SequentialBlock();
        inner.add(
                Conv2d.builder()
                        .setKernelShape(new Shape(3, 3))
                        .optPadding(new Shape(1, 1))
                        .optStride(new Shape(2, 2))
                        .setFilters(12)
                        .optBias(false)
                        .build());
        inner.add(BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.8f).build());
        inner.add(Activation.reluBlock());
        SequentialBlock net = new SequentialBlock();
        net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8).build());
        net.add(Activation.reluBlock());
        net.add(inner);
        net.add(Pool.globalAvgPool2dBlock());
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(5).build());
        return net;
    }

    @Test
    void aSequentialNetworkLoadsBackBitForBit() throws Exception {
        Path artifact = dir.resolve("sequential-w3");
        Shape input = new Shape(2, 3, 16, 16);
        try (NDManager manager = NDManager.newBaseManager()) {
            Model model = Model.newInstance("sequential");
            SequentialBlock net = network();
            net.initialize(model.getNDManager(), DataType.FLOAT32, input);
            model.setBlock(net);
            ZooModel<NDList, NDList> zoo = new ZooModel<>(model, new NoopTranslator());
            NDList x = ArtifactFixtures.input(manager, input, 11);
            try (QuantizedModel<NDList, NDList> q =
                    new QuantizedModel<>(
                            zoo,
                            PowerQuantTransform.builder()
                                    .weightBits(3)
                                    .skipLayers("5.weight")
                                    .build()
                                    .apply(zoo))) {
                assertEquals(2, q.report().layers().size(), "the dense layer stays float");
                PowerQuant.save(q, artifact);
                float[] expected = ArtifactFixtures.logits(q.model(), x);
                try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
                    assertArrayEquals(
                            ArtifactRoundTripTest.rawBits(expected),
                            ArtifactRoundTripTest.rawBits(
                                    ArtifactFixtures.logits(loaded.model(), x)));
                }
            }
        }
        ArtifactManifest manifest = ArtifactManifest.read(artifact);
        assertEquals(SequentialBlockCodec.KIND, manifest.architecture().get("kind").getAsString());
    }

    @Test
    void aBlockWhoseSettingsCannotBeReadIsRefusedByName() {
        SequentialBlock net = new SequentialBlock();
        net.add(Activation.sigmoidBlock());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new SequentialBlockCodec().describe(net));
        assertTrue(e.getMessage().contains("sigmoid"), e.getMessage());
    }
}
