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
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

    /**
     * The check at load time is DJL's shape inference, not a forward pass: a classifier that reads
     * a flattened feature map is told the size of that map from the recorded input shape, and an
     * input shape that no longer gives the size its weights were saved for is refused, naming the
     * manifest and the tensor.
     */
    @Test
    void aFlattenedClassifierWhoseInputNoLongerFitsIsRefusedAtLoad() throws Exception {
        Path artifact = dir.resolve("flattened-w4");
        Shape input = new Shape(1, 2, 8, 8);
        Model model = Model.newInstance("flattened");
        SequentialBlock net = new SequentialBlock();
        net.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4).build());
        net.add(Activation.reluBlock());
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(3).build());
        net.initialize(model.getNDManager(), DataType.FLOAT32, input);
        model.setBlock(net);
        ZooModel<NDList, NDList> zoo = new ZooModel<>(model, new NoopTranslator());
        try (QuantizedModel<NDList, NDList> q =
                new QuantizedModel<>(
                        zoo, PowerQuantTransform.builder().weightBits(4).build().apply(zoo))) {
            PowerQuant.save(q, artifact);
        }
        try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
            assertEquals(2, loaded.report().layers().size(), "unedited, it loads");
        }
        Path file = artifact.resolve(ArtifactManifest.FILE);
        JsonObject manifest =
                JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                        .getAsJsonObject();
        JsonArray shape = new JsonArray();
        for (long d : new long[] {1, 2, 10, 10}) {
            shape.add(d);
        }
        manifest.add("inputShape", shape); // 6x6 feature maps become 8x8: 256 inputs, not 144
        Files.writeString(file, ArtifactManifest.seal(manifest), StandardCharsets.UTF_8);
        ArtifactException e =
                assertThrows(ArtifactException.class, () -> PowerQuant.load(artifact));
        assertEquals(file, e.file(), e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains(
                                "its parameters do not fit the network its architecture"
                                        + " describes: tensor 04Linear_weight is (3, 144) float32, its layer"
                                        + " needs (3, 256) float32"),
                e.getMessage());
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
