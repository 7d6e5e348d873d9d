package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.artifact.QuantizedArtifact;

/**
 * {@code inspect} and {@code evaluate} on an artifact whose files other than the manifest were
 * edited by hand and sealed again (the manifest records their new checksums): one line naming the
 * file and the field or key at fault, exit 2.
 */
class EditedArtifactFilesCommandsTest {

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path original;

    @BeforeAll
    static void writeArtifact() throws Exception {
        original = ArtifactFixtures.savedDemoW4(shared.resolve("demo-w4"));
    }

    private Path edited(String name, String file, UnaryOperator<String> edit) throws IOException {
        Path target = dir.resolve(name);
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(original)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        ArtifactFixtures.editFileSealed(target, file, edit);
        return target;
    }

    private Path editedReport(String name, Consumer<JsonObject> edit) throws IOException {
        return edited(
                name,
                QuantizedArtifact.REPORT,
                text -> {
                    JsonObject r = JsonParser.parseString(text).getAsJsonObject();
                    edit.accept(r);
                    return r.toString();
                });
    }

    /** Both commands refuse it in one line that starts with the file, then says {@code why}. */
    private static void refused(Path artifact, String file, String why, String... more) {
        String named = artifact.resolve(file) + ": ";
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
            assertTrue(err.contains(named + why), named + why + " in: " + err);
            for (String m : more) {
                assertTrue(err.contains(m), m + " in: " + err);
            }
            assertFalse(err.contains("Exception") || err.contains("gson"), err);
        }
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
                edited(
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
                edited(
                        "engine",
                        QuantizedArtifact.SERVING_PROPERTIES,
                        t -> t.replace("engine=PyTorch", "engine=MXNet")),
                QuantizedArtifact.SERVING_PROPERTIES,
                "key engine is \"MXNet\", it must be \"PyTorch\"");
        refused(
                edited(
                        "no-factory",
                        QuantizedArtifact.SERVING_PROPERTIES,
                        t -> t.replaceFirst("(?m)^blockFactory=.*\n", "")),
                QuantizedArtifact.SERVING_PROPERTIES,
                "key blockFactory is missing, it must be \"" + factory + "\"");
    }
}
