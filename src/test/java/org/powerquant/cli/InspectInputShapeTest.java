package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import com.google.gson.JsonArray;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.data.Preprocessing;

/**
 * {@code inspect} prints the input the model takes, labelled: for a network that ends in global
 * pooling, the shape its recorded preprocessing produces (also for an artifact that recorded the
 * importer's placeholder size), or any height and width without one.
 */
class InspectInputShapeTest {

    @TempDir Path dir;

    private static String inputShapeLine(Path artifact) {
        CliRun run = CliRun.of("inspect", artifact.toString());
        assertEquals(0, run.exitCode(), run.err());
        return run.out()
                .lines()
                .filter(l -> l.startsWith("input shape: "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no input shape in\n" + run.out()));
    }

    @Test
    void theShapeIsTheOneThePreprocessingProduces() throws Exception {
        Path artifact = dir.resolve("demo-32");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            PowerQuant.save(
                    q,
                    artifact,
                    Preprocessing.builder()
                            .imageSize(32)
                            .channels(1)
                            .mean(0.286f)
                            .std(0.353f)
                            .build());
        }
        String line = inputShapeLine(artifact);
        assertTrue(
                line.startsWith("input shape: [1, 1, 32, 32], as the recorded preprocessing"),
                line);
        assertTrue(line.contains("global pooling"), line);
    }

    @Test
    void aPlaceholderSizeAnOlderArtifactRecordedIsNotShownAsTheModelsInput() throws Exception {
        Path artifact = ArtifactFixtures.savedDemoW4(dir.resolve("demo"));
        JsonArray placeholder = new JsonArray();
        for (long d : new long[] {1, 1, 128, 128}) {
            placeholder.add(d);
        }
        ArtifactFixtures.editSealed(artifact, m -> m.add("inputShape", placeholder));
        String line = inputShapeLine(artifact);
        assertTrue(
                line.startsWith("input shape: [1, 1, 28, 28], as the recorded preprocessing"),
                line);
    }

    @Test
    void withoutPreprocessingAnyHeightAndWidthIsSaid() throws Exception {
        Path artifact = dir.resolve("demo-bare");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            PowerQuant.save(q, artifact);
        }
        assertEquals(
                "input shape: 1 channel, any height and width (the network ends in global pooling;"
                        + " no preprocessing recorded)",
                inputShapeLine(artifact));
    }
}
