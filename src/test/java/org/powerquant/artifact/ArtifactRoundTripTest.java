package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.TorchvisionResNet;

/** An artifact loads back as the very model that was saved, on the demo network. */
class ArtifactRoundTripTest {

    @TempDir Path dir;

    @Test
    void weightsOnlyDemoLoadsBackBitForBit() throws Exception {
        roundTrip(4, 0);
    }

    @Test
    void w4a4DemoLoadsBackBitForBitWithItsActivationGrids() throws Exception {
        roundTrip(4, 4);
    }

    @Test
    void eightBitDemoLoadsBackBitForBit() throws Exception {
        roundTrip(8, 8);
    }

    private void roundTrip(int weightBits, int activationBits) throws Exception {
        Path artifact = dir.resolve("w" + weightBits + "a" + activationBits);
        try (QuantizedModel<NDList, NDList> q =
                        ArtifactFixtures.quantizedDemo(weightBits, activationBits);
                NDManager manager = NDManager.newBaseManager()) {
            PowerQuant.save(q, artifact, ArtifactFixtures.DEMO_PREPROCESSING);
            NDList input = ArtifactFixtures.input(manager, new Shape(8, 1, 28, 28), 3);
            float[] expected = ArtifactFixtures.logits(q.model(), input);
            try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
                Map<String, float[]> saved = parameters(q);
                Map<String, float[]> read = parameters(loaded);
                assertEquals(saved.keySet(), read.keySet());
                for (Map.Entry<String, float[]> e : saved.entrySet()) {
                    assertArrayEquals(
                            rawBits(e.getValue()), rawBits(read.get(e.getKey())), e.getKey());
                }
                assertEquals(
                        ActivationQuantizers.installed((TorchvisionResNet) q.model().getBlock()),
                        ActivationQuantizers.installed(
                                (TorchvisionResNet) loaded.model().getBlock()));
                assertEquals(activationBits > 0, !loaded.report().activations().isEmpty());
                assertArrayEquals(
                        rawBits(expected),
                        rawBits(ArtifactFixtures.logits(loaded.model(), input)),
                        "logits");
                assertEquals(q.report().toJson(), loaded.report().toJson());
            }
        }
        ArtifactManifest manifest = ArtifactManifest.read(artifact);
        double bits = manifest.size().get("bitsPerQuantizedWeight").getAsDouble();
        assertTrue(bits > weightBits && bits < weightBits + 1, "bits per weight " + bits);
        assertEquals(
                ArtifactFixtures.DEMO_PREPROCESSING.toString(),
                QuantizedArtifact.preprocessing(manifest).toString());
    }

    @Test
    void savingOverAnOlderArtifactLeavesNoStaleFile() throws Exception {
        Path artifact = dir.resolve("model");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(6, 0)) {
            PowerQuant.save(q, artifact);
            Files.writeString(artifact.resolve("stale.txt"), "from an older save");
            PowerQuant.save(q, artifact);
        }
        try (Stream<Path> files = Files.list(artifact)) {
            assertFalse(files.anyMatch(f -> f.getFileName().toString().equals("stale.txt")));
        }
        try (Stream<Path> siblings = Files.list(dir)) {
            assertEquals(1, siblings.count(), "no temporary directory is left beside it");
        }
        ArtifactManifest.read(artifact).verifyFiles();
    }

    static Map<String, float[]> parameters(QuantizedModel<NDList, NDList> q) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : q.model().getBlock().getParameters()) {
            NDArray array = p.getValue().getArray();
            out.put(p.getKey(), array.toFloatArray());
        }
        return out;
    }

    static int[] rawBits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
