package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.SharedFixtures;

/** {@code quantize} on the shared ResNet-18 (skipped when ../shared is absent). */
class QuantizeCommandIT {

    @Test
    void quantizesSavesAndReports(@TempDir Path dir) throws Exception {
        Path model = SharedFixtures.resnet18();
        Path output = dir.resolve("w6.pt");
        Path report = dir.resolve("w6.json");
        CliRun run =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "6",
                        "--output",
                        output.toString(),
                        "--report",
                        report.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("layer4.1.conv2.weight"), run.out());
        assertTrue(Files.size(output) > 40_000_000, "a ResNet-18 .pt is about 45 MB");
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertEquals(6, json.get("weightBits").getAsInt());
        assertTrue(json.get("seconds").getAsDouble() > 0);
        JsonArray layers = json.getAsJsonArray("layers");
        assertEquals(21, layers.size());
        for (var element : layers) {
            JsonObject layer = element.getAsJsonObject();
            for (String field :
                    new String[] {
                        "name", "kind", "shape", "bits", "exponent", "mse", "uniformMse"
                    }) {
                assertTrue(layer.has(field), field);
            }
            assertTrue(
                    layer.get("mse").getAsDouble() <= layer.get("uniformMse").getAsDouble(),
                    layer.toString());
        }
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "only the two outputs, no temporary file left");
        }
    }

    @Test
    void quantizesActivationsIntoADirectory(@TempDir Path dir) throws Exception {
        Path model = SharedFixtures.resnet18();
        Path output = dir.resolve("w4a4");
        Path report = dir.resolve("w4a4.json");
        CliRun run =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "4",
                        "--image-size",
                        "64",
                        "--output",
                        output.toString(),
                        "--report",
                        report.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("layer1.0.relu1"), run.out());
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        JsonArray activations = json.getAsJsonArray("activations");
        assertEquals(17, activations.size());
        assertEquals("fc.input", activations.get(16).getAsJsonObject().get("name").getAsString());
        assertEquals(8, activations.get(16).getAsJsonObject().get("bits").getAsInt());
        org.powerquant.artifact.ArtifactManifest manifest =
                org.powerquant.artifact.ArtifactManifest.read(output);
        manifest.verifyFiles();
        assertEquals(17, manifest.activations().size());
        assertEquals(64, manifest.preprocessing().get("imageSize").getAsInt());
        assertEquals("synthetic", manifest.quantization().get("calibrationMode").getAsString());
    }

    @Test
    void rejectsBadActivationBits() {
        Path model = SharedFixtures.resnet18();
        CliRun run =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "9");
        assertTrue(run.exitCode() != 0);
        assertTrue(run.err().contains("--activation-bits"), run.err());
    }

    @Test
    void realCalibrationSaysItIsNotDataFreeAndWhenItHadFewerImagesThanAskedFor(@TempDir Path dir)
            throws Exception {
        Path model = SharedFixtures.resnet18();
        Path data = SharedFixtures.fashionMnist();
        Path images = dir.resolve("five-images.idx");
        Path labels = dir.resolve("five-labels.idx");
        copyFirstRecords(data.resolve("t10k-images-idx3-ubyte.gz"), images, 16, 28 * 28, 5);
        copyFirstRecords(data.resolve("t10k-labels-idx1-ubyte.gz"), labels, 8, 1, 5);
        Path report = dir.resolve("report.json");
        CliRun run =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "4",
                        "--calibration",
                        "idx:" + images + "," + labels,
                        "--calibration-images",
                        "256",
                        "--image-size",
                        "64",
                        "--mean",
                        "0.2860",
                        "--std",
                        "0.3530",
                        "--report",
                        report.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.err().contains("not data-free"), run.err());
        assertTrue(run.err().contains("asked for 256") && run.err().contains("using 5"), run.err());
        JsonObject json = JsonParser.parseString(Files.readString(report)).getAsJsonObject();
        assertTrue(!json.get("dataFree").getAsBoolean());
        assertEquals(
                "data",
                json.getAsJsonArray("activations")
                        .get(0)
                        .getAsJsonObject()
                        .get("mode")
                        .getAsString());
    }

    /**
     * Writes an IDX file with the header of {@code source} and its first records, the count
     * patched.
     */
    private static void copyFirstRecords(
            Path source, Path target, int header, int recordSize, int count)
            throws java.io.IOException {
        try (java.io.DataInputStream in =
                new java.io.DataInputStream(
                        new java.util.zip.GZIPInputStream(Files.newInputStream(source)))) {
            byte[] head = new byte[header];
            in.readFully(head);
            java.nio.ByteBuffer.wrap(head).putInt(4, count);
            byte[] body = new byte[recordSize * count];
            in.readFully(body);
            byte[] all = new byte[header + body.length];
            System.arraycopy(head, 0, all, 0, header);
            System.arraycopy(body, 0, all, header, body.length);
            Files.write(target, all);
        }
    }

    @Test
    void rejectsACalibrationModeWithoutItsData() {
        Path model = SharedFixtures.resnet18();
        CliRun run =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "4",
                        "--calibration-mode",
                        "data");
        assertTrue(run.exitCode() != 0);
        assertTrue(run.err().contains("--calibration"), run.err());
    }
}
