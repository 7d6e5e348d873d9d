package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.artifact.ArtifactManifest;
import org.powerquant.artifact.QuantizedArtifact;

/**
 * {@code inspect} and {@code evaluate} on an artifact edited by hand (its manifest or another of
 * its files, and sealed again; or a manifest field read before the seal): one line naming the file
 * and the field or key at fault, exit 2, no flag the user never typed.
 */
class EditedArtifactCommandsTest {

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path original;

    @BeforeAll
    static void writeArtifact() throws Exception {
        original = ArtifactFixtures.savedDemoW4(shared.resolve("demo-w4"));
    }

    private Path copy(String name) throws IOException {
        return ArtifactFixtures.copy(original, dir.resolve(name));
    }

    private Path edited(String name, Consumer<JsonObject> edit) throws IOException {
        Path a = copy(name);
        ArtifactFixtures.editSealed(a, edit);
        return a;
    }

    private Path editedFile(String name, String file, UnaryOperator<String> edit)
            throws IOException {
        Path a = copy(name);
        ArtifactFixtures.editFileSealed(a, file, edit);
        return a;
    }

    private Path editedReport(String name, Consumer<JsonObject> edit) throws IOException {
        Path a = copy(name);
        ArtifactFixtures.editReportSealed(a, edit);
        return a;
    }

    private static JsonObject firstCodes(JsonObject m) {
        for (var t : m.getAsJsonArray("tensors")) {
            if (t.getAsJsonObject().has("bits")) {
                return t.getAsJsonObject();
            }
        }
        throw new AssertionError("no quantized tensor");
    }

    /**
     * Both commands refuse it in one line that holds the file's path followed by {@code why}, and
     * each of {@code more}; no flag, no Java or Gson words.
     */
    private static void refused(Path artifact, String file, String why, String... more) {
        String named = artifact.resolve(file) + ": " + why;
        for (CliRun run :
                new CliRun[] {
                    CliRun.of("inspect", artifact.toString()),
                    CliRun.evaluate(artifact, "--limit", "10")
                }) {
            String err = run.errorLines().strip();
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.contains(named), named + " in: " + err);
            for (String m : more) {
                assertTrue(err.contains(m), m + " in: " + err);
            }
            assertFalse(err.contains("--"), "no flag: " + err);
            assertFalse(
                    err.contains("Exception") || err.contains("JsonNull") || err.contains("gson"),
                    err);
        }
    }

    /** Both commands refuse it in one line naming the manifest and a field of it. */
    private static void refusedNaming(Path artifact, String field) {
        refused(artifact, ArtifactManifest.FILE, "", field);
    }

    @Test
    void aFieldOfAnotherJsonTypeIsOneLineNamingIt() throws Exception {
        Path a = copy("format-null");
        Path f = a.resolve(ArtifactManifest.FILE);
        String text = Files.readString(f, StandardCharsets.UTF_8);
        Files.writeString(f, text.replaceFirst("\"format\": \"[a-z-]+\"", "\"format\": null"));
        refusedNaming(a, "format");
        refusedNaming(edited("name-null", m -> m.add("name", JsonNull.INSTANCE)), "name");
        refusedNaming(edited("tensors-object", m -> m.add("tensors", new JsonObject())), "tensors");
    }

    @Test
    void aTensorOrSizeTheFilesCannotHoldIsOneLineNamingTheManifestsField() throws Exception {
        refusedNaming(
                edited("exponent", m -> firstCodes(m).addProperty("exponent", 0)), "exponent");
        refusedNaming(edited("bits", m -> firstCodes(m).addProperty("bits", 9)), "bits");
        refusedNaming(
                edited("size", m -> m.getAsJsonObject("size").addProperty("quantizedBytes", 5)),
                "size.quantizedBytes");
    }

    /** inspect refuses what loading refuses, with the same line: evaluate loads the artifact. */
    private static void refusedAsLoadingRefusesIt(Path artifact, String reason) {
        CliRun inspect = CliRun.of("inspect", artifact.toString());
        CliRun evaluate = CliRun.evaluate(artifact, "--limit", "10");
        String err = evaluate.errorLines().strip();
        assertEquals(PowerQuantCli.BAD_INPUT, evaluate.exitCode(), err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains(artifact.resolve(ArtifactManifest.FILE).toString()), err);
        assertTrue(err.contains(reason), err);
        assertEquals(PowerQuantCli.BAD_INPUT, inspect.exitCode(), inspect.out());
        assertEquals(
                err.replace("powerquant evaluate: ", "powerquant inspect: "),
                inspect.errorLines().strip());
        assertEquals("", inspect.out());
    }

    @Test
    void aBrokenArchitectureIsRefusedByInspectAsLoadingRefusesIt() throws Exception {
        refusedAsLoadingRefusesIt(
                edited("kind", m -> m.getAsJsonObject("architecture").addProperty("kind", "vgg")),
                "unknown architecture kind 'vgg'");
        refusedAsLoadingRefusesIt(
                edited("classes", m -> m.getAsJsonObject("architecture").addProperty("classes", 0)),
                "cannot rebuild the network");
        refusedAsLoadingRefusesIt(
                edited(
                        "layers",
                        m -> m.getAsJsonObject("architecture").getAsJsonArray("layers").remove(0)),
                "tensors for a network of");
        refusedAsLoadingRefusesIt(
                edited(
                        "stem",
                        m -> m.getAsJsonObject("architecture").addProperty("smallInput", false)),
                "is not a parameter of the network");
        refusedAsLoadingRefusesIt(
                edited(
                        "layers-string",
                        m -> m.getAsJsonObject("architecture").addProperty("layers", "x")),
                "field architecture.layers must be an array, got the string \"x\"");
        refusedAsLoadingRefusesIt(
                edited(
                        "residual",
                        m -> m.getAsJsonObject("architecture").addProperty("residual", "WEIRD")),
                "field architecture.residual must be one of \"BASIC\", \"BOTTLENECK\"");
        refusedAsLoadingRefusesIt(
                edited(
                        "input-channels",
                        m -> m.getAsJsonObject("architecture").addProperty("inputChannels", 3)),
                "architecture.inputChannels is 3, inputShape [1, 1, 28, 28] has 1 channel");
    }

    @Test
    void aRecordedPreprocessingTheLibraryRefusesIsOneLineNamingTheManifestsField()
            throws Exception {
        refusedNaming(
                edited(
                        "mean",
                        m -> m.getAsJsonObject("preprocessing").add("mean", new JsonArray())),
                "preprocessing");
        refusedNaming(
                edited(
                        "channels",
                        m -> m.getAsJsonObject("preprocessing").addProperty("channels", 7)),
                "preprocessing");
    }

    @Test
    void aReportFieldOfAnotherJsonTypeIsOneLineNamingTheReportAndTheField() throws Exception {
        refused(
                editedReport("weightBits", r -> r.addProperty("weightBits", "four")),
                QuantizedArtifact.REPORT,
                "field weightBits must be an integer, got the string \"four\"");
        refused(
                editedReport("layers", r -> r.addProperty("layers", 3)),
                QuantizedArtifact.REPORT,
                "field layers must be an array, got 3");
        // Gson read a one-element array as its element: this one loaded
        refused(
                editedReport(
                        "exponent",
                        r ->
                                r.getAsJsonArray("layers")
                                        .get(0)
                                        .getAsJsonObject()
                                        .add("exponent", JsonParser.parseString("[1]"))),
                QuantizedArtifact.REPORT,
                "field layers[0] (",
                ").exponent must be a number, got an array");
    }

    @Test
    void aServingPropertyTheArtifactNeedsChangedIsOneLineNamingTheKey() throws Exception {
        String factory = "org.powerquant.artifact.ArtifactBlockFactory";
        refused(
                editedFile(
                        "factory",
                        QuantizedArtifact.SERVING_PROPERTIES,
                        t ->
                                t.replace(
                                        factory,
                                        "ai.djl.basicmodelzoo.cv.classification"
                                                + ".ResnetBlockFactory")),
                QuantizedArtifact.SERVING_PROPERTIES,
                "key blockFactory is \"ai.djl.basicmodelzoo.cv.classification.ResnetBlockFactory\","
                        + " it must be \""
                        + factory
                        + "\"");
        refused(
                editedFile(
                        "engine",
                        QuantizedArtifact.SERVING_PROPERTIES,
                        t -> t.replace("engine=PyTorch", "engine=MXNet")),
                QuantizedArtifact.SERVING_PROPERTIES,
                "key engine is \"MXNet\", it must be \"PyTorch\"");
        refused(
                editedFile(
                        "no-factory",
                        QuantizedArtifact.SERVING_PROPERTIES,
                        t -> t.replaceFirst("(?m)^blockFactory=.*\n", "")),
                QuantizedArtifact.SERVING_PROPERTIES,
                "key blockFactory is missing, it must be \"" + factory + "\"");
    }
}
