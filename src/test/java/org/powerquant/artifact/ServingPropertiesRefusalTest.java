package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;

/**
 * A {@code serving.properties} edited by hand and sealed again (the manifest records its new
 * checksum) is refused before DJL reads it, with one line naming the file, the key, what it holds
 * and what it must be: every key the artifact writes there, removed or given another value. DJL
 * used to load the directory with another engine, block factory or parameter file and fail in its
 * own words ({@code No model with the specified URI ...}, a null pointer in another factory, {@code
 * DIR.pt file not found}).
 */
class ServingPropertiesRefusalTest {

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path original;
    private static Properties written;

    @BeforeAll
    static void writeArtifact() throws Exception {
        original = ArtifactFixtures.savedDemoW4(shared.resolve("demo-w4"));
        written = new Properties();
        try (InputStream in =
                Files.newInputStream(original.resolve(QuantizedArtifact.SERVING_PROPERTIES))) {
            written.load(in);
        }
        assertEquals(3, written.size(), written.toString());
    }

    private int copies;

    private Path edited(UnaryOperator<String> edit) throws IOException {
        Path target = ArtifactFixtures.copy(original, dir.resolve("copy" + copies++));
        ArtifactFixtures.editFileSealed(target, QuantizedArtifact.SERVING_PROPERTIES, edit);
        return target;
    }

    /** Verifying, reading the report and loading all refuse it with the same line. */
    private static void refused(Path artifact, String why) {
        ArtifactException verify =
                FieldFaults.refusedAlike(
                        () -> ArtifactManifest.read(artifact).verifyFiles(),
                        () -> QuantizedArtifact.readReport(artifact),
                        () -> PowerQuant.load(artifact));
        Path file = artifact.resolve(QuantizedArtifact.SERVING_PROPERTIES);
        assertEquals(file + ": " + why, FieldFaults.assertOneLine(verify, file));
    }

    private static String line(String key) {
        return "(?m)^" + Pattern.quote(key) + "=.*$";
    }

    @Test
    void everyKeyTheArtifactWritesGivenAnotherValueIsRefusedNamingIt() throws Exception {
        for (String key : written.stringPropertyNames()) {
            String value = written.getProperty(key);
            String other = "not-" + value;
            refused(
                    edited(
                            t ->
                                    t.replaceFirst(
                                            line(key),
                                            Matcher.quoteReplacement(key + "=" + other))),
                    "key " + key + " is \"" + other + "\", it must be \"" + value + "\"");
        }
    }

    @Test
    void everyKeyTheArtifactWritesRemovedIsRefusedNamingIt() throws Exception {
        for (String key : written.stringPropertyNames()) {
            refused(
                    edited(t -> t.replaceFirst(line(key) + "\n", "")),
                    "key " + key + " is missing, it must be \"" + written.getProperty(key) + "\"");
        }
    }

    @Test
    void anotherBlockFactoryOrEngineIsRefusedBeforeDjlLoadsIt() throws Exception {
        refused(
                edited(t -> t.replace(ArtifactBlockFactory.class.getName(), "my.OtherFactory")),
                "key blockFactory is \"my.OtherFactory\", it must be \""
                        + ArtifactBlockFactory.class.getName()
                        + "\"");
        refused(
                edited(t -> t.replace("engine=PyTorch", "engine=MXNet")),
                "key engine is \"MXNet\", it must be \"PyTorch\"");
    }

    @Test
    void theSameKeysWrittenOtherwiseAndOtherKeysLoad() throws Exception {
        // Properties syntax DJL reads alike: spaces around '=', another order, comments, more keys
        Path a =
                edited(
                        t -> {
                            StringBuilder b = new StringBuilder("! rewritten\nextra.key = 1\n");
                            for (String key : written.stringPropertyNames()) {
                                b.append(key).append(" = ").append(written.getProperty(key));
                                b.append('\n');
                            }
                            return b.toString();
                        });
        ArtifactManifest.read(a).verifyFiles();
        assertFalse(QuantizedArtifact.readReport(a).layers().isEmpty());
    }
}
