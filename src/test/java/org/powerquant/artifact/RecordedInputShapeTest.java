package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.data.Preprocessing;

/**
 * The input shape an artifact records is the one its model is meant for: for a network that ends in
 * global pooling, the shape its recorded preprocessing produces, not the size the block happened to
 * be initialized with (the ResNet importer's placeholder 128, the demo's 28); an artifact that
 * recorded such a placeholder still loads.
 */
class RecordedInputShapeTest {

    @TempDir Path dir;

    @Test
    void aGloballyPooledNetworkRecordsTheShapeItsPreprocessingProducesAndLoadsWithIt()
            throws Exception {
        Preprocessing at32 = ArtifactFixtures.demoPreprocessingAt(32);
        Path artifact = dir.resolve("demo-32");
        float[] expected;
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0);
                NDManager manager = NDManager.newBaseManager()) {
            PowerQuant.save(q, artifact, at32);
            expected =
                    ArtifactFixtures.logits(
                            q.model(), ArtifactFixtures.input(manager, new Shape(2, 1, 32, 32), 3));
        }
        assertArrayEquals(new long[] {1, 1, 32, 32}, ArtifactManifest.read(artifact).inputShape());
        try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact);
                NDManager manager = NDManager.newBaseManager()) {
            assertArrayEquals(
                    expected,
                    ArtifactFixtures.logits(
                            loaded.model(),
                            ArtifactFixtures.input(manager, new Shape(2, 1, 32, 32), 3)));
        }
    }

    @Test
    void anArtifactThatRecordedAPlaceholderSizeStillLoads() throws Exception {
        Path artifact = ArtifactFixtures.savedDemoW4(dir.resolve("demo"));
        ArtifactFixtures.recordPlaceholderInputShape(artifact);
        try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact);
                NDManager manager = NDManager.newBaseManager()) {
            ArtifactFixtures.logits(
                    loaded.model(), ArtifactFixtures.input(manager, new Shape(1, 1, 28, 28), 3));
        }
    }
}
