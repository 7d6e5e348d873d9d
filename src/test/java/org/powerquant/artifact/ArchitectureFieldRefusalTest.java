package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.nn.TorchvisionMobileNetV2;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.zoo.ZooFixtures;

/**
 * A manifest whose architecture was edited by hand and sealed again is refused in one line naming
 * the manifest and the architecture's field by its path ({@code architecture.layers[1]}, {@code
 * architecture.layers[4].main.layers[0].filters}) and what it must be, for every field of every
 * built-in codec given every other JSON type, or missing: a ResNet, a MobileNetV2, DJL zoo networks
 * rewritten into hookable layer trees, and a plain sequential tree. Gson's getters threw their own
 * words (a cast, a number format, {@code JsonNull}) or read a one-element array as its element, a
 * string as false and 1.5 as 1.
 */
class ArchitectureFieldRefusalTest {

    private static final Pattern INDEX = Pattern.compile("\\[(\\d+)]");

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path resNet;
    private static Path mobileNetV2;
    private static Path sequential;
    private static Path zooResNet;
    private static Path zooMobileNetV2;

    @BeforeAll
    static void writeArtifacts() throws Exception {
        resNet = ArtifactFixtures.savedDemoW4(shared.resolve("resnet"));
        mobileNetV2 =
                saved(
                        TorchvisionMobileNetV2.builder()
                                .optWidthMultiplier(0.25f)
                                .optNumClasses(10)
                                .build(),
                        new Shape(1, 3, 32, 32),
                        "mobilenet-v2");
        sequential = saved(sequentialNetwork(), new Shape(1, 3, 16, 16), "sequential");
        for (ZooFixtures.Network network :
                new ZooFixtures.Network[] {
                    ZooFixtures.Network.RESNET, ZooFixtures.Network.MOBILENETV2
                }) {
            Path target = shared.resolve(network.modelName());
            try (QuantizedModel<NDList, NDList> q =
                    ZooArtifactTest.w4a4(
                            network.modelName(),
                            network.newBlock(),
                            new Shape(1, 1, ZooFixtures.SIDE, ZooFixtures.SIDE))) {
                PowerQuant.save(q, target);
            }
            if (network == ZooFixtures.Network.RESNET) {
                zooResNet = target;
            } else {
                zooMobileNetV2 = target;
            }
        }
    }

    private static SequentialBlock sequentialNetwork() {
        SequentialBlock inner = new SequentialBlock();
        inner.add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(6).build());
        inner.add(BatchNorm.builder().optEpsilon(1e-3f).optMomentum(0.8f).build());
        inner.add(Activation.reluBlock());
        SequentialBlock net = new SequentialBlock();
        net.add(inner);
        net.add(Pool.globalAvgPool2dBlock());
        net.add(Blocks.batchFlattenBlock());
        net.add(Linear.builder().setUnits(5).build());
        return net;
    }

    /** A network initialized with its default parameters, quantized W4, saved. */
    private static Path saved(Block net, Shape input, String name) throws Exception {
        Model model = Model.newInstance(name);
        net.initialize(model.getNDManager(), DataType.FLOAT32, input);
        model.setBlock(net);
        ZooModel<NDList, NDList> zoo = new ZooModel<>(model, new NoopTranslator());
        Path target = shared.resolve(name);
        try (QuantizedModel<NDList, NDList> q =
                new QuantizedModel<>(
                        zoo,
                        PowerQuantTransform.builder()
                                .weightBits(4)
                                .threads(2)
                                .build()
                                .apply(zoo))) {
            PowerQuant.save(q, target);
        }
        return target;
    }

    private int copies;

    /** A copy of an artifact's manifest alone, edited and sealed: enough to read and rebuild. */
    private Path editedManifest(Path original, Consumer<JsonObject> edit) throws IOException {
        Path target = dir.resolve("copy" + copies++);
        Files.createDirectories(target);
        Files.copy(original.resolve(ArtifactManifest.FILE), target.resolve(ArtifactManifest.FILE));
        ArtifactFixtures.editSealed(target, edit);
        return target;
    }

    /** A copy of a whole artifact, its manifest edited and sealed. */
    private Path edited(Path original, Consumer<JsonObject> edit) throws IOException {
        Path target = ArtifactFixtures.copy(original, dir.resolve("copy" + copies++));
        ArtifactFixtures.editSealed(target, edit);
        return target;
    }

    /** The architecture check ({@code inspect}'s) refuses it in one line naming the manifest. */
    private static String refusedByCheck(Path artifact, String... words) {
        return FieldFaults.assertOneLine(
                FieldFaults.refusedAlike(() -> ArtifactManifest.read(artifact).checkArchitecture()),
                artifact.resolve(ArtifactManifest.FILE),
                words);
    }

    /** Loading and the architecture check refuse it with the same line naming the manifest. */
    private static String refused(Path artifact, String... words) {
        return FieldFaults.assertOneLine(
                FieldFaults.refusedAlike(
                        () -> ArtifactManifest.read(artifact).checkArchitecture(),
                        () -> PowerQuant.load(artifact)),
                artifact.resolve(ArtifactManifest.FILE),
                words);
    }

    private static JsonObject architecture(JsonObject manifest) {
        return manifest.getAsJsonObject("architecture");
    }

    private static JsonObject architecture(Path artifact) throws IOException {
        return architecture(
                JsonParser.parseString(Files.readString(artifact.resolve(ArtifactManifest.FILE)))
                        .getAsJsonObject());
    }

    /**
     * Whether a value is of the original's JSON type and may be right: an empty object or array is
     * refused for what it holds, a boolean for what it says; every string field is one of a few
     * names, none of them "no"; 1.5 fits a field that holds a fraction.
     */
    private static boolean sameType(JsonElement original, JsonElement value) {
        if (original.isJsonObject() || original.isJsonArray()) {
            return original.isJsonObject() ? value.isJsonObject() : value.isJsonArray();
        }
        JsonPrimitive o = original.getAsJsonPrimitive();
        if (!value.isJsonPrimitive()) {
            return false;
        }
        JsonPrimitive v = value.getAsJsonPrimitive();
        if (o.isBoolean()) {
            return v.isBoolean();
        }
        if (o.isNumber()) {
            return v.isNumber() && o.getAsString().matches(".*[.eE].*");
        }
        return false;
    }

    /** A value in the architecture and its path. */
    private record Site(String path, JsonElement value) {}

    /**
     * Every field of the architecture (but its kind), depth first; of a layer tree only the first
     * of the values with the same path once the indices are dropped, in a layer of the same type.
     */
    private static List<Site> sites(JsonObject architecture) {
        List<Site> out = new ArrayList<>();
        collect(architecture, "architecture", out, new HashSet<>());
        return out;
    }

    private static void collect(JsonElement node, String path, List<Site> out, Set<String> seen) {
        if (node.isJsonObject()) {
            JsonObject o = node.getAsJsonObject();
            for (String key : o.keySet()) {
                String childPath = path + "." + key;
                if (!childPath.equals("architecture.kind")) {
                    add(o.get(key), childPath, type(o), out, seen);
                }
            }
        } else if (node.isJsonArray()) {
            JsonArray a = node.getAsJsonArray();
            for (int i = 0; i < a.size(); i++) {
                add(a.get(i), path + "[" + i + "]", type(a.get(i)), out, seen);
            }
        }
    }

    /** Adds a value unless one of the same path, indices dropped, and layer type was; descends. */
    private static void add(
            JsonElement value, String path, String type, List<Site> out, Set<String> seen) {
        if (seen.add(type + ":" + INDEX.matcher(path).replaceAll("[]"))) {
            out.add(new Site(path, value));
        }
        collect(value, path, out, seen);
    }

    private static String type(JsonElement e) {
        return e.isJsonObject() && e.getAsJsonObject().has("type")
                ? e.getAsJsonObject().get("type").getAsString()
                : "";
    }

    /** Replaces (or with null, removes) the value at a path such as {@code architecture.a[2].b}. */
    private static void set(JsonObject manifest, String path, JsonElement value) {
        List<Object> steps = new ArrayList<>();
        for (String part : path.substring("architecture.".length()).split("\\.", -1)) {
            int bracket = part.indexOf('[');
            steps.add(bracket < 0 ? part : part.substring(0, bracket));
            Matcher m = INDEX.matcher(part);
            while (m.find()) {
                steps.add(Integer.parseInt(m.group(1)));
            }
        }
        JsonElement parent = architecture(manifest);
        for (Object step : steps.subList(0, steps.size() - 1)) {
            parent =
                    step instanceof Integer i
                            ? parent.getAsJsonArray().get(i)
                            : parent.getAsJsonObject().get((String) step);
        }
        Object last = steps.get(steps.size() - 1);
        if (last instanceof Integer i) {
            parent.getAsJsonArray().set(i, value);
        } else if (value == null) {
            parent.getAsJsonObject().remove((String) last);
        } else {
            parent.getAsJsonObject().add((String) last, value);
        }
    }

    /**
     * Every field of an artifact's architecture given every other JSON type, or removed, is refused
     * naming the field by its path.
     *
     * @return the paths tried
     */
    private List<String> everyFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt(Path artifact)
            throws IOException {
        List<String> tried = new ArrayList<>();
        for (Site site : sites(architecture(artifact))) {
            String path = site.path();
            for (JsonElement value : FieldFaults.ofEveryType(site.value(), "no", 1.5)) {
                if (sameType(site.value(), value)) {
                    continue;
                }
                refusedByCheck(
                        editedManifest(artifact, m -> set(m, path, value.deepCopy())),
                        "field " + path + " must be ");
            }
            // groups: absent in artifacts written before ResNeXts were imported, and read as 1
            boolean optional = path.endsWith(".shortcut") || path.equals("architecture.groups");
            if (!path.endsWith("]") && !optional) {
                refusedByCheck(
                        editedManifest(artifact, m -> set(m, path, null)),
                        "field " + path + " is missing");
            }
            tried.add(path);
        }
        return tried;
    }

    @Test
    void everyResNetFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt() throws Exception {
        List<String> tried = everyFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt(resNet);
        assertTrue(tried.contains("architecture.layers[0]"), tried::toString);
        assertTrue(tried.contains("architecture.smallInput"), tried::toString);
        assertTrue(tried.contains("architecture.groups"), tried::toString);
    }

    @Test
    void aResNetArtifactWrittenBeforeGroupsLoadsWithGroupsOne() throws Exception {
        Path older = edited(resNet, m -> architecture(m).remove("groups"));
        try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(older)) {
            assertEquals(1, ((TorchvisionResNet) loaded.model().getBlock()).getGroups());
        }
    }

    @Test
    void everyMobileNetV2FieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt() throws Exception {
        List<String> tried = everyFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt(mobileNetV2);
        assertTrue(tried.contains("architecture.widthMultiplier"), tried::toString);
    }

    @Test
    void everyLayerTreeFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt() throws Exception {
        List<String> tried = new ArrayList<>();
        for (Path artifact : new Path[] {sequential, zooResNet, zooMobileNetV2}) {
            tried.addAll(everyFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt(artifact));
        }
        for (String nested :
                new String[] {
                    "architecture\\.layers\\[\\d+]\\.main\\.layers\\[\\d+]\\.filters",
                    "architecture\\.layers\\[\\d+]\\.shortcut\\.layers\\[\\d+]\\.kernel\\[0]",
                    "architecture(\\.layers\\[\\d+])+\\.conv\\.layers\\[\\d+]\\.groups",
                    "architecture(\\.layers\\[\\d+])+\\.shape\\[\\d+]",
                    "architecture\\.layers\\[\\d+]\\.layers\\[\\d+]\\.epsilon",
                    "architecture\\.layers\\[\\d+]\\.name",
                    "architecture\\.headStart"
                }) {
            assertTrue(tried.stream().anyMatch(p -> p.matches(nested)), nested + " in " + tried);
        }
    }

    @Test
    void theEditsOnceMetInJavasWordsOrReadLenientlyAreOneLineNamingTheFieldAndWhatItMustBe()
            throws Exception {
        Object[][] cases = {
            {
                "layers",
                new JsonPrimitive("x"),
                "field architecture.layers must be an array, got the string \"x\""
            },
            {
                "layers",
                JsonParser.parseString("[2, \"a\", 2, 2]"),
                "field architecture.layers[1] must be an integer, got the string \"a\""
            },
            {
                "classes",
                new JsonPrimitive("ten"),
                "field architecture.classes must be an integer, got the string \"ten\""
            },
            {
                "residual",
                new JsonPrimitive(3),
                "field architecture.residual must be one of \"BASIC\", \"BOTTLENECK\", got 3"
            },
            {
                "residual",
                new JsonPrimitive("WEIRD"),
                "field architecture.residual must be one of \"BASIC\", \"BOTTLENECK\", got the"
                        + " string \"WEIRD\""
            },
            {
                "inputChannels",
                JsonNull.INSTANCE,
                "field architecture.inputChannels must be an integer, got null"
            },
            {
                "baseWidth",
                JsonParser.parseString("[64]"),
                "field architecture.baseWidth must be an integer, got an array"
            },
            {
                "smallInput",
                new JsonPrimitive("no"),
                "field architecture.smallInput must be true or false, got the string \"no\""
            },
            {
                "classes",
                new JsonPrimitive(1.5),
                "field architecture.classes must be an integer, got 1.5"
            },
        };
        for (Object[] c : cases) {
            String key = (String) c[0];
            JsonElement value = (JsonElement) c[1];
            Path artifact = edited(resNet, m -> architecture(m).add(key, value.deepCopy()));
            String message = refused(artifact, (String) c[2]);
            assertEquals(
                    artifact.resolve(ArtifactManifest.FILE) + ": " + c[2],
                    message,
                    "nothing before or after the field's line");
        }
    }

    @Test
    void inputChannelsTheInputShapeDoesNotHaveAreRefusedNamingTheManifestAndBoth()
            throws Exception {
        // the demo takes 1-channel images
        String message =
                refused(
                        edited(resNet, m -> architecture(m).addProperty("inputChannels", 3)),
                        "architecture.inputChannels is 3",
                        "inputShape [1, 1, 28, 28] has 1 channel");
        assertFalse(message.contains(QuantizedArtifact.PARAMETERS), message);
        refused(
                edited(resNet, m -> m.add("inputShape", JsonParser.parseString("[1, 3, 28, 28]"))),
                "architecture.inputChannels is 1",
                "inputShape [1, 3, 28, 28] has 3 channels");
        refused(
                edited(mobileNetV2, m -> architecture(m).addProperty("inputChannels", 1)),
                "architecture.inputChannels is 1",
                "has 3 channels");
        refused(
                edited(zooResNet, m -> architecture(m).addProperty("inputChannels", 3)),
                "architecture.inputChannels is 3",
                "has 1 channel");
    }
}
