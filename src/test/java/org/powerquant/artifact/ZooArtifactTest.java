package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.HookableNetwork;
import org.powerquant.nn.NetworkGraph;
import org.powerquant.nn.Relu;
import org.powerquant.nn.TorchNames;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.zoo.ZooFixtures;

/**
 * DJL's own zoo networks ({@code ResNetV1}, {@code MobileNetV1}, {@code MobileNetV2}, the
 * architectures of the trained fixtures, here with seeded random parameters and batch-norm
 * statistics), quantized W4A4 (which rewrites them into a {@link HookableNetwork}), saved as an
 * artifact and loaded back: the same network bit for bit (parameters, activation grids, logits,
 * report), in a smaller directory than the float parameters; a wrong or corrupted description of
 * the network is refused in one line naming the manifest.
 */
class ZooArtifactTest {

    private static final Shape INPUT = new Shape(1, 1, ZooFixtures.SIDE, ZooFixtures.SIDE);

    @TempDir Path dir;

    /** A zoo network with seeded random parameters and batch-norm statistics, float. */
    private static ZooModel<NDList, NDList> randomZooNetwork(String name, Block net, Shape input) {
        Model model = Model.newInstance(name);
        net.initialize(model.getNDManager(), DataType.FLOAT32, input);
        Random random = new Random(17);
        for (Map.Entry<String, Block> e : TorchNames.blocks(net).entrySet()) {
            for (var p : e.getValue().getDirectParameters()) {
                Parameter parameter = p.getValue();
                float[] v = new float[Math.toIntExact(parameter.getArray().size())];
                boolean bn = e.getValue() instanceof BatchNorm;
                for (int i = 0; i < v.length; i++) {
                    v[i] =
                            (float)
                                    switch (bn ? p.getKey() : "weight") {
                                        case "runningVar" -> 0.2 + random.nextDouble();
                                        case "gamma" -> 0.5 + random.nextDouble();
                                        default -> random.nextGaussian() * 0.3;
                                    };
                }
                parameter.getArray().set(v);
            }
        }
        model.setBlock(net);
        return new ZooModel<>(model, new NoopTranslator());
    }

    private static QuantizedModel<NDList, NDList> w4a4(ZooFixtures.Network network) {
        return w4a4(network.modelName(), network.newBlock(), INPUT);
    }

    /**
     * A zoo network with seeded random parameters, quantized W4A4: rewritten into a {@link
     * HookableNetwork}.
     */
    static QuantizedModel<NDList, NDList> w4a4(String name, Block net, Shape input) {
        ZooModel<NDList, NDList> zoo = randomZooNetwork(name, net, input);
        PowerQuantTransform transform =
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .activationBits(4)
                        .calibration(new BatchNormModel())
                        // the round trip is exact whatever the rounding: the fastest
                        .rounding(WeightRounding.NEAREST)
                        .threads(2)
                        .build();
        return new QuantizedModel<>(zoo, transform.apply(zoo));
    }

    @ParameterizedTest
    @EnumSource(ZooFixtures.Network.class)
    void aW4a4ZooNetworkLoadsBackBitForBitFromASmallerDirectory(ZooFixtures.Network network)
            throws Exception {
        assertRoundTrip(network.modelName(), network.newBlock(), INPUT);
    }

    /**
     * DJL's {@code ResNetV1} for 64-pixel images has ImageNet's stem, whose max pooling is a
     * lambda: its settings are found by probing and it is rebuilt as DJL's own.
     */
    @Test
    void aResNetV1WithAMaxPoolingStemLoadsBackBitForBit() throws Exception {
        Block resNet18 = ZooFixtures.resNetV1ForLargeImages();
        Path artifact = assertRoundTrip("resnetv1-18", resNet18, new Shape(1, 3, 64, 64));
        JsonObject stemPool =
                firstOfType(
                        ArtifactManifest.read(artifact).architecture().getAsJsonArray("layers"),
                        MaxPoolProbe.NAME);
        assertEquals(3, stemPool.get("kernel").getAsInt());
        assertEquals(2, stemPool.get("stride").getAsInt());
        assertEquals(1, stemPool.get("padding").getAsInt());
    }

    private Path assertRoundTrip(String name, Block net, Shape inputShape) throws Exception {
        Path artifact = dir.resolve(name + "-w4a4");
        try (QuantizedModel<NDList, NDList> q = w4a4(name, net, inputShape);
                NDManager manager = NDManager.newBaseManager()) {
            HookableNetwork saved = assertInstanceOf(HookableNetwork.class, q.model().getBlock());
            PowerQuant.save(q, artifact);
            NDList input =
                    ArtifactFixtures.input(manager, new Shape(3).addAll(inputShape.slice(1)), 3);
            float[] expected = ArtifactFixtures.logits(q.model(), input);
            try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
                HookableNetwork read =
                        assertInstanceOf(HookableNetwork.class, loaded.model().getBlock());
                ArtifactRoundTripTest.assertSameParameters(q, loaded);
                Map<String, ?> grids = ActivationQuantizers.installed(saved);
                assertEquals(
                        NetworkGraph.of(saved).activations().size(),
                        q.report().activations().size());
                assertEquals(
                        q.report().activations().size(), grids.size(), grids.keySet()::toString);
                assertEquals(grids, ActivationQuantizers.installed(read));
                Map<String, Block> blocks = TorchNames.blocks(saved);
                assertTrue(
                        grids.keySet().stream().anyMatch(s -> blocks.get(s) instanceof Relu),
                        "ReLU outputs carry grids: " + grids.keySet());
                assertEquals(
                        saved.getHeadNames(), read.getHeadNames(), "the head is the same blocks");
                assertArrayEquals(
                        ArtifactRoundTripTest.rawBits(expected),
                        ArtifactRoundTripTest.rawBits(
                                ArtifactFixtures.logits(loaded.model(), input)),
                        "logits");
                assertEquals(q.report().toJson(), loaded.report().toJson());
            }
            long floatBytes = 4L * before(q);
            long artifactBytes = directoryBytes(artifact);
            System.out.printf(
                    "%s W4A4 artifact: %d bytes, float parameters %d bytes (%.3f)%n",
                    name, artifactBytes, floatBytes, (double) artifactBytes / floatBytes);
            assertTrue(
                    artifactBytes < floatBytes / 2,
                    artifactBytes + " bytes against " + floatBytes + " bytes of float parameters");
        }
        assertEquals(
                HookableNetworkCodec.KIND,
                ArtifactManifest.read(artifact).architecture().get("kind").getAsString());
        return artifact;
    }

    private static long before(QuantizedModel<NDList, NDList> q) {
        long n = 0;
        for (var p : q.model().getBlock().getParameters()) {
            n += p.getValue().getArray().size();
        }
        return n;
    }

    private static long directoryBytes(Path d) throws IOException {
        long total = 0;
        try (Stream<Path> files = Files.list(d)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                total += Files.size(f);
            }
        }
        return total;
    }

    @Test
    void aWrongOrCorruptDescriptionIsRefusedInOneLineNamingTheManifest() throws Exception {
        Path original = dir.resolve("mobilenetv1");
        try (QuantizedModel<NDList, NDList> q = w4a4(ZooFixtures.Network.MOBILENETV1)) {
            PowerQuant.save(q, original);
        }
        refused(
                original,
                "unknown-type",
                layers -> firstOfType(layers, "relu").addProperty("type", "swish"),
                ".type must be one of \"sequential\", \"conv1d\", \"conv2d\", \"conv3d\","
                        + " \"linear\", \"batchNorm\", \"relu\", \"relu6\", \"parallelResidual\","
                        + " \"invertedResidual\", \"reshape\", \"maxPool2d\", \"lambda\", got the"
                        + " string \"swish\"");
        refused(
                original,
                "missing-entry",
                layers -> firstOfType(layers, "conv2d").remove("groups"),
                ".groups is missing");
        refused(
                original,
                "classifier",
                layers -> {},
                "needs 0 <= head start < classifier",
                a -> a.addProperty("classifier", 99));
        // a batch norm dropped: the ReLU after it moves up, and its grid names a site that is gone
        refused(
                original,
                "dropped-batch-norm",
                layers -> firstOfType(layers, "sequential").getAsJsonArray("layers").remove(1),
                "cannot rebuild the network: activation site 0.2 is not a ReLU");
        // a depthwise convolution described as a full one: its 1-channel kernels no longer fit
        refused(
                original,
                "groups",
                layers -> {
                    JsonObject depthwise = firstOfType(layers, "conv2d", 2);
                    depthwise.addProperty("groups", 1);
                },
                "its parameters do not fit the network its architecture describes: tensor"
                        + " 021_01Conv2d_weight is (8, 1, 3, 3) float32, its layer needs (8, 8, 3,"
                        + " 3) float32");
    }

    private void refused(Path original, String name, Consumer<JsonArray> edit, String reason)
            throws IOException {
        refused(original, name, edit, reason, a -> {});
    }

    /**
     * Copies the artifact, edits its architecture, re-seals the manifest, and expects a refusal.
     */
    private void refused(
            Path original,
            String name,
            Consumer<JsonArray> edit,
            String reason,
            Consumer<JsonObject> editArchitecture)
            throws IOException {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(original)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, copy.resolve(f.getFileName()));
            }
        }
        Path file = copy.resolve(ArtifactManifest.FILE);
        JsonObject manifest =
                JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8))
                        .getAsJsonObject();
        JsonObject architecture = manifest.getAsJsonObject("architecture");
        edit.accept(architecture.getAsJsonArray("layers"));
        editArchitecture.accept(architecture);
        Files.writeString(file, ArtifactManifest.seal(manifest), StandardCharsets.UTF_8);
        ArtifactException e =
                assertThrows(ArtifactException.class, () -> PowerQuant.load(copy), name);
        assertEquals(file, e.file(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), name + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), name + ", one line: " + e.getMessage());
    }

    private static JsonObject firstOfType(JsonArray layers, String type) {
        return firstOfType(layers, type, 1);
    }

    /** The n-th layer of a type, depth first. */
    private static JsonObject firstOfType(JsonArray layers, String type, int n) {
        int[] seen = {0};
        JsonObject found = find(layers, type, n, seen);
        if (found == null) {
            throw new AssertionError("no " + type + " layer number " + n);
        }
        return found;
    }

    private static JsonObject find(JsonArray layers, String type, int n, int[] seen) {
        for (JsonElement element : layers) {
            JsonObject o = element.getAsJsonObject();
            if (type.equals(o.get("type").getAsString()) && ++seen[0] == n) {
                return o;
            }
            if (o.has("layers")) {
                JsonObject inner = find(o.getAsJsonArray("layers"), type, n, seen);
                if (inner != null) {
                    return inner;
                }
            }
        }
        return null;
    }
}
