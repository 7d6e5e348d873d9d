package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.SharedFixtures;
import org.powerquant.artifact.ArtifactManifest;
import org.powerquant.calibrate.DataCalibration;
import org.powerquant.calibrate.DatasetCalibrationImages;
import org.powerquant.calibrate.DistilledData;
import org.powerquant.calibrate.SyntheticCalibration;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.EvaluationResult;
import org.powerquant.eval.Evaluator;
import org.powerquant.transform.PowerQuantTransform;

/**
 * Artifacts of the shared ResNet-18: loaded bit for bit, evaluated by {@code evaluate --model DIR}
 * exactly as the model quantized in process, and as small as the issue asks.
 */
class ArtifactEvaluationIT {

    private static final Preprocessing FMNIST =
            Preprocessing.builder().imageSize(64).mean(0.2860f).std(0.3530f).build();
    private static final int IMAGES = 100;

    private static String idx(String prefix) {
        Path data = SharedFixtures.fashionMnist();
        return "idx:"
                + data.resolve(prefix + "-images-idx3-ubyte.gz")
                + ","
                + data.resolve(prefix + "-labels-idx1-ubyte.gz");
    }

    /**
     * The transform of a mode. Calibration is kept small (4 distilled images, 5 steps; 16 real
     * images): what is checked is that the artifact reproduces whatever grids were found.
     */
    private static PowerQuantTransform transform(String mode) throws Exception {
        PowerQuantTransform.Builder b = PowerQuantTransform.builder().weightBits(4);
        switch (mode) {
            case "weights-only" -> {
                return b.build();
            }
            case "synthetic" -> {
                return b.activationBits(4)
                        .calibration(
                                SyntheticCalibration.builder()
                                        .imageSize(64, 64)
                                        .distiller(
                                                DistilledData.builder()
                                                        .batchSize(4)
                                                        .iterations(5)
                                                        .seed(0)
                                                        .build())
                                        .build())
                        .build();
            }
            default -> {
                return b.activationBits(4)
                        .calibration(
                                DataCalibration.builder(
                                                new DatasetCalibrationImages(
                                                        DatasetSpec.parse(idx("train")).open(),
                                                        FMNIST),
                                                16)
                                        .build())
                        .build();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"weights-only", "synthetic", "data"})
    void evaluateOnTheArtifactGivesTheInProcessResultImageForImage(String mode, @TempDir Path dir)
            throws Exception {
        Path model = SharedFixtures.resnet18();
        Path artifact = dir.resolve("resnet18-" + mode);
        EvaluationResult inProcess;
        float[] logits;
        try (QuantizedModel<NDList, NDList> q =
                        PowerQuant.importQuantized(model, transform(mode), Device.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            PowerQuant.save(q, artifact, FMNIST);
            inProcess =
                    Evaluator.builder()
                            .preprocessing(FMNIST)
                            .limit(IMAGES)
                            .device(Device.cpu())
                            .build()
                            .evaluate(q.model(), DatasetSpec.parse(idx("t10k")).open());
            logits = logits(q, new NDList(SharedFixtures.testBatch(manager, 64)));
            try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
                float[] again = logits(loaded, new NDList(SharedFixtures.testBatch(manager, 64)));
                assertArrayEquals(bits(logits), bits(again), "logits of the loaded artifact");
            }
        }
        if (mode.equals("weights-only")) {
            checkSize(model, artifact, 4);
        }
        Path json = dir.resolve("result.json");
        CliRun run =
                CliRun.of(
                        "evaluate",
                        "--model",
                        artifact.toString(),
                        "--dataset",
                        idx("t10k"),
                        "--limit",
                        String.valueOf(IMAGES),
                        "--device",
                        "cpu",
                        "--quiet",
                        "--json",
                        json.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(IMAGES, result.get("images").getAsInt());
        assertEquals(inProcess.top1Correct(), result.get("top1Correct").getAsInt(), run.out());
        assertEquals(inProcess.top5Correct(), result.get("top5Correct").getAsInt());
        assertEquals(
                mode.equals("weights-only") ? "w4" : "w4a4", result.get("setting").getAsString());
    }

    @Test
    void eightBitArtifactsTakeAboutEightBitsPerWeight(@TempDir Path dir) throws Exception {
        Path model = SharedFixtures.resnet18();
        Path artifact = dir.resolve("w8");
        try (QuantizedModel<NDList, NDList> q =
                PowerQuant.importQuantized(
                        model, PowerQuantTransform.builder().weightBits(8).build(), Device.cpu())) {
            PowerQuant.save(q, artifact, FMNIST);
        }
        checkSize(model, artifact, 8);
    }

    /**
     * At most b + 0.1 bits per quantized weight; at 4 bits, at most a seventh of the float model.
     */
    private static void checkSize(Path model, Path artifact, int bits) throws Exception {
        ArtifactManifest manifest = ArtifactManifest.read(artifact);
        double perWeight = manifest.size().get("bitsPerQuantizedWeight").getAsDouble();
        long total;
        try (Stream<Path> files = Files.list(artifact)) {
            total = files.mapToLong(ArtifactEvaluationIT::size).sum();
        }
        double ratio = (double) Files.size(model) / total;
        System.out.printf(
                "ResNet-18 W%d artifact: %.4f bits per quantized weight, %d bytes on disk,"
                        + " 1/%.2f of the float .pt (%d bytes)%n",
                bits, perWeight, total, ratio, Files.size(model));
        assertTrue(perWeight <= bits + 0.1, perWeight + " bits per weight at " + bits);
        if (bits == 4) {
            assertTrue(ratio >= 7, "the directory is 1/" + ratio + " of the float model");
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static float[] logits(QuantizedModel<NDList, NDList> q, NDList input) throws Exception {
        try (var predictor = q.model().newPredictor()) {
            return predictor.predict(input).singletonOrThrow().toFloatArray();
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
