package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.InvalidInputException;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.Role;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.CodeRounding;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationReport;

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
    void nearestLevelActivationsLoadBackBitForBitWithTheirRounding() throws Exception {
        PowerQuantTransform nearest =
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .activationBits(4)
                        .calibration(new BatchNormModel())
                        .activationRounding(CodeRounding.NEAREST_LEVEL)
                        .threads(2)
                        .build();
        Path artifact = dir.resolve("nearest");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(nearest)) {
            roundTrip(q, artifact, 4);
        }
        JsonObject grids = ArtifactManifest.read(artifact).activations();
        assertFalse(grids.isEmpty());
        for (String site : grids.keySet()) {
            assertEquals(
                    "nearest-level",
                    grids.getAsJsonObject(site).get("rounding").getAsString(),
                    site);
        }
    }

    @Test
    void eightBitDemoLoadsBackBitForBit() throws Exception {
        roundTrip(8, 8);
    }

    @Test
    void mixedPrecisionDemoLoadsBackBitForBitWithEachLayersWidth() throws Exception {
        PowerQuantTransform mixed =
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .sizeBudget(4.5)
                        .activationBits(4)
                        .calibration(new BatchNormModel())
                        .threads(2)
                        .build();
        Path artifact = dir.resolve("mixed");
        QuantizationReport report;
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(mixed)) {
            report = q.report();
            assertTrue(report.isMixedPrecision(), report.toTable());
            assertTrue(report.averageBits() <= 4.5, report.toTable());
            roundTrip(q, artifact, 4);
        }
        ArtifactManifest manifest = ArtifactManifest.read(artifact);
        Map<String, Integer> stored = new LinkedHashMap<>();
        for (JsonObject t : manifest.tensors()) {
            if (t.has("bits")) {
                stored.put(t.get("name").getAsString(), t.get("bits").getAsInt());
            }
        }
        Map<String, Integer> chosen = new LinkedHashMap<>();
        report.layers().forEach(l -> chosen.put(l.name(), l.bits()));
        assertEquals(chosen, stored, "the manifest stores each layer's own width");
        // the artifact's figure adds the scales and exponents to the codes the budget bounds
        double perWeight = manifest.size().get("bitsPerQuantizedWeight").getAsDouble();
        assertTrue(
                perWeight > report.averageBits() && perWeight < report.averageBits() + 1,
                perWeight + " bits per weight, codes " + report.averageBits());
    }

    private void roundTrip(int weightBits, int activationBits) throws Exception {
        Path artifact = dir.resolve("w" + weightBits + "a" + activationBits);
        try (QuantizedModel<NDList, NDList> q =
                ArtifactFixtures.quantizedDemo(weightBits, activationBits)) {
            roundTrip(q, artifact, activationBits);
        }
        ArtifactManifest manifest = ArtifactManifest.read(artifact);
        for (String site : manifest.activations().keySet()) { // the existing format, unchanged
            assertFalse(manifest.activations().getAsJsonObject(site).has("rounding"), site);
        }
        double bits = manifest.size().get("bitsPerQuantizedWeight").getAsDouble();
        assertTrue(bits > weightBits && bits < weightBits + 1, "bits per weight " + bits);
        assertEquals(
                ArtifactFixtures.DEMO_PREPROCESSING.toString(),
                QuantizedArtifact.preprocessing(manifest).toString());
    }

    private static void roundTrip(
            QuantizedModel<NDList, NDList> q, Path artifact, int activationBits) throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
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
        Path reference = Files.createDirectory(dir.resolve("reference"));
        assertEquals(
                Files.getPosixFilePermissions(reference),
                Files.getPosixFilePermissions(artifact),
                "the artifact directory follows the umask like any new directory");
    }

    @Test
    void anArtifactIsNotQuantizedAgainByTheApi() throws Exception {
        Path artifact = dir.resolve("w4");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            PowerQuant.save(q, artifact);
        }
        PowerQuantTransform w8 = PowerQuantTransform.builder().weightBits(8).build();
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .build();
        for (org.junit.jupiter.api.function.Executable call :
                List.<org.junit.jupiter.api.function.Executable>of(
                        () -> PowerQuant.loadQuantized(criteria, w8).close(),
                        () -> PowerQuant.importQuantized(artifact, w8, Device.cpu()).close())) {
            InvalidInputException e = assertThrows(InvalidInputException.class, call);
            assertEquals(Role.MODEL, e.role());
            assertTrue(e.getMessage().contains("is a quantized artifact"), e.getMessage());
        }
    }

    @Test
    void anArtifactGivenToLoadQuantizedIsRefusedBeforeItsParametersAreRead() throws Exception {
        Path artifact = dir.resolve("w4");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            PowerQuant.save(q, artifact);
        }
        // unreadable parameters: had the engine read the artifact, it would have failed on them
        Files.write(artifact.resolve(QuantizedArtifact.PARAMETERS), new byte[] {1, 2, 3});
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .build();
        PowerQuantTransform w8 = PowerQuantTransform.builder().weightBits(8).build();
        InvalidInputException e =
                assertThrows(
                        InvalidInputException.class,
                        () -> PowerQuant.loadQuantized(criteria, w8).close());
        assertEquals(Role.MODEL, e.role());
        assertTrue(e.getMessage().contains(artifact + " is a quantized artifact"), e.getMessage());
    }

    /** Every parameter of two models has the same name and the same value, bit for bit. */
    static void assertSameParameters(
            QuantizedModel<NDList, NDList> saved, QuantizedModel<NDList, NDList> loaded) {
        Map<String, float[]> before = parameters(saved);
        Map<String, float[]> after = parameters(loaded);
        assertEquals(before.keySet(), after.keySet());
        for (Map.Entry<String, float[]> e : before.entrySet()) {
            assertArrayEquals(rawBits(e.getValue()), rawBits(after.get(e.getKey())), e.getKey());
        }
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
