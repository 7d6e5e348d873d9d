package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.artifact.ArtifactManifest;

/**
 * {@code inspect} and {@code evaluate} on an artifact whose manifest was edited by hand (and sealed
 * again, or in a field read before the seal): one line naming the manifest and the field, exit 2,
 * no flag the user never typed.
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
        Path target = dir.resolve(name);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(original)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    private Path edited(String name, Consumer<JsonObject> edit) throws IOException {
        Path a = copy(name);
        ArtifactFixtures.editSealed(a, edit);
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

    private static void refused(Path artifact, String field) {
        String manifest = artifact.resolve(ArtifactManifest.FILE).toString();
        for (CliRun run :
                new CliRun[] {
                    CliRun.of("inspect", artifact.toString()),
                    CliRun.of(
                            "evaluate",
                            "--model",
                            artifact.toString(),
                            "--dataset",
                            ArtifactCommandsTest.TEST_SET,
                            "--limit",
                            "10")
                }) {
            String err = run.errorLines().strip();
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), err);
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.contains(manifest), err);
            assertTrue(err.contains(field), err);
            assertFalse(err.contains("--"), "no flag: " + err);
            assertFalse(err.contains("Exception") || err.contains("JsonNull"), err);
        }
    }

    @Test
    void aFieldOfAnotherJsonTypeIsOneLineNamingIt() throws Exception {
        Path a = copy("format-null");
        Path f = a.resolve(ArtifactManifest.FILE);
        String text = Files.readString(f, StandardCharsets.UTF_8);
        Files.writeString(f, text.replaceFirst("\"format\": \"[a-z-]+\"", "\"format\": null"));
        refused(a, "format");
        refused(edited("name-null", m -> m.add("name", JsonNull.INSTANCE)), "name");
        refused(edited("tensors-object", m -> m.add("tensors", new JsonObject())), "tensors");
    }

    @Test
    void aTensorOrSizeTheFilesCannotHoldIsOneLineNamingTheManifestsField() throws Exception {
        refused(edited("exponent", m -> firstCodes(m).addProperty("exponent", 0)), "exponent");
        refused(edited("bits", m -> firstCodes(m).addProperty("bits", 9)), "bits");
        refused(
                edited("size", m -> m.getAsJsonObject("size").addProperty("quantizedBytes", 5)),
                "size.quantizedBytes");
    }

    /** inspect refuses what loading refuses, with the same line: evaluate loads the artifact. */
    private static void refusedAsLoadingRefusesIt(Path artifact, String reason) {
        CliRun inspect = CliRun.of("inspect", artifact.toString());
        CliRun evaluate =
                CliRun.of(
                        "evaluate",
                        "--model",
                        artifact.toString(),
                        "--dataset",
                        ArtifactCommandsTest.TEST_SET,
                        "--limit",
                        "10");
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
        refused(
                edited(
                        "mean",
                        m -> m.getAsJsonObject("preprocessing").add("mean", new JsonArray())),
                "preprocessing");
        refused(
                edited(
                        "channels",
                        m -> m.getAsJsonObject("preprocessing").addProperty("channels", 7)),
                "preprocessing");
    }
}
