package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;

/**
 * A manifest edited by hand and sealed again (so that its checksum holds) is refused when it is
 * read, with one line naming the manifest and the field at fault: a field that is missing, null or
 * of another JSON type, a tensor the parameter file cannot hold, size figures its tensors do not
 * imply, a preprocessing the library does not accept.
 */
class ManifestFieldRefusalTest {

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path original;
    private static JsonObject manifest;

    @BeforeAll
    static void writeArtifact() throws Exception {
        original = ArtifactFixtures.savedDemoW4(shared.resolve("demo-w4"));
        manifest =
                JsonParser.parseString(Files.readString(original.resolve(ArtifactManifest.FILE)))
                        .getAsJsonObject();
    }

    private int copies;

    private Path edited(Consumer<JsonObject> edit) throws IOException {
        Path target = ArtifactFixtures.copy(original, dir.resolve("copy" + copies++));
        ArtifactFixtures.editSealed(target, edit);
        return target;
    }

    /** Reading the manifest and loading the artifact both refuse it, naming the manifest. */
    private static ArtifactException refused(Path artifact, String... words) {
        ArtifactException read =
                FieldFaults.refusedAlike(
                        () -> ArtifactManifest.read(artifact), () -> PowerQuant.load(artifact));
        FieldFaults.assertOneLine(read, artifact.resolve(ArtifactManifest.FILE), words);
        return read;
    }

    private static boolean valid(JsonElement original, String key, JsonElement value) {
        // no preprocessing recorded; no activation grids; an empty array where an array belongs
        // (refused for what it holds, another field may be named)
        return (key.equals("preprocessing") && value.isJsonNull())
                || (key.equals("activations") && value.isJsonObject())
                || (original.isJsonArray() && value.isJsonArray());
    }

    @Test
    void everyTopLevelFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt() throws Exception {
        List<String> keys = new ArrayList<>(manifest.keySet());
        keys.remove("manifestSha256");
        for (String key : keys) {
            for (JsonElement value : FieldFaults.ofEveryKind()) {
                if (!valid(manifest.get(key), key, value)) {
                    refused(edited(m -> m.add(key, value.deepCopy())), key);
                }
            }
            if (!key.equals("preprocessing")) {
                refused(edited(m -> m.remove(key)), key);
            }
        }
    }

    @Test
    void aSealOfAnotherJsonTypeIsRefusedNamingIt() throws Exception {
        for (String value : new String[] {"null", "{}", "[]", "7"}) {
            Path a = edited(m -> {});
            Path f = a.resolve(ArtifactManifest.FILE);
            String text = Files.readString(f, StandardCharsets.UTF_8);
            Files.writeString(
                    f,
                    text.replaceFirst(
                            "\"manifestSha256\": \"[0-9a-f]+\"", "\"manifestSha256\": " + value));
            refused(a, "manifestSha256");
        }
    }

    @Test
    void everyTensorFieldOfAnotherJsonTypeOrMissingIsRefusedNamingTheTensor() throws Exception {
        JsonArray tensors = manifest.getAsJsonArray("tensors");
        int codes = -1;
        int floats = -1;
        for (int i = 0; i < tensors.size(); i++) {
            String encoding = tensors.get(i).getAsJsonObject().get("encoding").getAsString();
            if (codes < 0 && encoding.equals("codes")) {
                codes = i;
            } else if (floats < 0 && encoding.equals("float32")) {
                floats = i;
            }
        }
        for (int i : new int[] {codes, floats}) {
            JsonObject t = tensors.get(i).getAsJsonObject();
            for (String key : t.keySet()) {
                for (JsonElement value : FieldFaults.ofEveryKind()) {
                    if (valid(t.get(key), key, value)) {
                        continue;
                    }
                    refused(
                            edited(m -> tensor(m, i).add(key, value.deepCopy())),
                            "tensors[" + i + "]",
                            key);
                }
                refused(edited(m -> tensor(m, i).remove(key)), "tensors[" + i + "]", key);
            }
        }
    }

    private static JsonObject tensor(JsonObject m, int i) {
        return m.getAsJsonArray("tensors").get(i).getAsJsonObject();
    }

    private static int firstCodes() {
        JsonArray tensors = manifest.getAsJsonArray("tensors");
        for (int i = 0; i < tensors.size(); i++) {
            if (tensors.get(i).getAsJsonObject().has("bits")) {
                return i;
            }
        }
        throw new AssertionError("no quantized tensor");
    }

    @Test
    void aTensorTheParameterFileCannotHoldIsRefusedNamingTheManifestAndTheTensor()
            throws Exception {
        int i = firstCodes();
        String name = tensor(manifest, i).get("parameter").getAsString();
        long codeBytes = tensor(manifest, i).get("codeBytes").getAsLong();
        Object[][] cases = {
            {"exponent", 0}, {"exponent", -0.5}, {"bits", 9}, {"bits", 1},
            {"bits", 4.5}, {"scales", 0}, {"scales", 7}, {"codeBytes", codeBytes + 1}
        };
        for (Object[] c : cases) {
            String key = (String) c[0];
            Number value = (Number) c[1];
            refused(
                    edited(m -> tensor(m, i).addProperty(key, value)),
                    "tensors[" + i + "] (" + name + ")." + key);
        }
        refused(edited(m -> tensor(m, i).addProperty("encoding", "int4")), "encoding", "int4");
    }

    @Test
    void sizeFiguresTheTensorsDoNotImplyAreRefused() throws Exception {
        for (String key : manifest.getAsJsonObject("size").keySet()) {
            refused(
                    edited(m -> m.getAsJsonObject("size").addProperty(key, 5)),
                    "size." + key,
                    "the tensors make it");
        }
    }

    @Test
    void aRecordedPreprocessingTheLibraryRefusesIsRefusedNamingTheManifestsField()
            throws Exception {
        Object[][] cases = {
            {"mean", new JsonArray()},
            {"std", JsonParser.parseString("[0,0,0]")},
            {"channels", new JsonPrimitive(7)},
            {"imageSize", new JsonPrimitive(-5)},
            {"mean", JsonParser.parseString("[\"a\"]")},
        };
        for (Object[] c : cases) {
            String key = (String) c[0];
            JsonElement value = (JsonElement) c[1];
            ArtifactException e =
                    refused(
                            edited(m -> m.getAsJsonObject("preprocessing").add(key, value)),
                            "field preprocessing");
            assertFalse(e.getMessage().contains("--"), "no flag: " + e.getMessage());
        }
    }
}
