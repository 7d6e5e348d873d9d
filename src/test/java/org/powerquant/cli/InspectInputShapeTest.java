package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.artifact.ArtifactFixtures;

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
            PowerQuant.save(q, artifact, ArtifactFixtures.demoPreprocessingAt(32));
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
        ArtifactFixtures.recordPlaceholderInputShape(artifact);
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
