package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.artifact.QuantizedArtifact;
import org.powerquant.data.DatasetSpec;
import org.powerquant.eval.EvaluationResult;
import org.powerquant.eval.Evaluator;

/** {@code evaluate --model DIR} and {@code inspect DIR} on an artifact of the demo network. */
class ArtifactCommandsTest {

    private static final Path DEMO = Path.of("src/main/resources/org/powerquant/demo");
    static final String TEST_SET =
            "idx:"
                    + DEMO.resolve("t10k-images-idx3-ubyte.gz")
                    + ","
                    + DEMO.resolve("t10k-labels-idx1-ubyte.gz");

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path artifact;
    private static EvaluationResult inProcess;

    @BeforeAll
    static void quantizeAndEvaluateInProcess() throws Exception {
        artifact = shared.resolve("demo-w4a4");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 4)) {
            PowerQuant.save(q, artifact, ArtifactFixtures.DEMO_PREPROCESSING);
            inProcess =
                    Evaluator.builder()
                            .preprocessing(ArtifactFixtures.DEMO_PREPROCESSING)
                            .limit(300)
                            .device(Device.cpu())
                            .build()
                            .evaluate(q.model(), DatasetSpec.parse(TEST_SET).open());
        }
    }

    @Test
    void evaluateReadsTheArtifactWithItsRecordedPreprocessing() throws Exception {
        Path json = dir.resolve("r.json");
        CliRun run =
                CliRun.evaluate(
                        artifact,
                        "--limit",
                        "300",
                        "--device",
                        "cpu",
                        "--quiet",
                        "--json",
                        json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("demo-w4a4 (w4a4)"), run.out());
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(inProcess.top1Correct(), result.get("top1Correct").getAsInt());
        assertEquals(inProcess.top5Correct(), result.get("top5Correct").getAsInt());
        assertEquals("w4a4", result.get("setting").getAsString());
    }

    @Test
    void anExplicitFlagOverridesTheRecordedPreprocessing() {
        CliRun run = CliRun.evaluate(artifact, "--limit", "10", "--channels", "3", "--quiet");
        assertTrue(run.exitCode() != 0, "a 3-channel input does not fit the 1-channel model");
    }

    @Test
    void evaluateRefusesQuantizingAnArtifactAgain() {
        CliRun run = CliRun.evaluate(artifact, "--weight-bits", "4");
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("--weight-bits"), run.err());
    }

    @Test
    void evaluateRefusesEveryQuantizationOptionOnAnArtifactNamingIt() {
        for (List<String> flags :
                List.of(
                        List.of("--rounding", "error-aware"),
                        List.of("--skip", "fc.weight"),
                        List.of("--per-tensor", "--bias-correction"))) {
            List<String> args =
                    new java.util.ArrayList<>(
                            List.of(
                                    "evaluate",
                                    "--model",
                                    artifact.toString(),
                                    "--dataset",
                                    TEST_SET,
                                    "--dry-run"));
            args.addAll(flags);
            CliRun run = CliRun.of(args.toArray(String[]::new));
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), flags + ": " + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            for (String flag : flags) {
                if (flag.startsWith("--")) {
                    assertTrue(run.err().contains(flag), flag + " named in " + run.err());
                }
            }
        }
    }

    @Test
    void aFileInsideAnArtifactIsRefusedAsAModelByEveryCommand() {
        Path inside = artifact.resolve("parameters.ndlist");
        for (CliRun run :
                List.of(
                        CliRun.evaluate(inside, "--dry-run"),
                        CliRun.of("quantize", "--model", inside.toString(), "--weight-bits", "4"),
                        CliRun.of(
                                "compare", "--model", inside.toString(), "--dataset", TEST_SET))) {
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("is a file of the quantized artifact"), run.err());
        }
    }

    @Test
    void anotherChannelCountThanTheRecordedPerChannelNormalisationIsRefusedNamingChannels()
            throws Exception {
        Path rgb = dir.resolve("recorded-rgb");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            PowerQuant.save(
                    q,
                    rgb,
                    org.powerquant.data.Preprocessing.builder()
                            .imageSize(28)
                            .channels(3)
                            .mean(0.4f, 0.5f, 0.6f)
                            .std(0.2f, 0.3f, 0.4f)
                            .build());
        }
        CliRun run = CliRun.evaluate(rgb, "--channels", "1", "--dry-run");
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.err());
        assertTrue(
                run.err().contains("--channels 1 does not fit the artifact's recorded"), run.err());
        assertTrue(run.err().contains("give --mean and --std"), run.err());
    }

    @Test
    void anArtifactWithoutRecordedPreprocessingIsEvaluatedWithAWarning() throws Exception {
        Path bare = dir.resolve("no-preprocessing");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            PowerQuant.save(q, bare);
        }
        CliRun defaults = CliRun.evaluate(bare, "--dry-run");
        assertEquals(0, defaults.exitCode(), defaults.err());
        assertTrue(defaults.err().contains("records no preprocessing"), defaults.err());
        CliRun given =
                CliRun.evaluate(
                        bare,
                        "--image-size",
                        "28",
                        "--channels",
                        "1",
                        "--mean",
                        "0.286",
                        "--std",
                        "0.353",
                        "--dry-run");
        assertEquals(0, given.exitCode(), given.err());
        assertEquals("", given.err().strip());
    }

    @Test
    void inspectPrintsManifestAndReport() {
        CliRun run = CliRun.of("inspect", artifact.toString());
        assertEquals(0, run.exitCode(), run.err());
        String out = run.out();
        for (String expected :
                new String[] {
                    "format 1",
                    "w4a4",
                    "bits per weight",
                    "checksum ok",
                    "layer1.0.conv1.weight",
                    "a = ",
                    "layer1.0.relu1",
                    "size on disk",
                    // the recorded preprocessing, as the flags that give it
                    "preprocessing: --image-size 28 --mean 0.286 --std 0.353 --channels 1 ("
                }) {
            assertTrue(out.contains(expected), expected + " in\n" + out);
        }
    }

    @Test
    void quantizeAndCompareRefuseAnArtifactOrAnyDirectoryAsTheirFloatModel() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));
        for (Path model : List.of(artifact, plain)) {
            for (CliRun run :
                    List.of(
                            CliRun.of(
                                    "quantize", "--model", model.toString(), "--weight-bits", "4"),
                            CliRun.of(
                                    "compare",
                                    "--model",
                                    model.toString(),
                                    "--dataset",
                                    TEST_SET))) {
                assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
                assertEquals(1, run.err().strip().lines().count(), run.err());
                assertTrue(run.err().contains("--model " + model), run.err());
                assertTrue(
                        run.err().contains(model == artifact ? "quantized artifact" : "directory"),
                        run.err());
            }
        }
    }

    @Test
    void inspectTakesTheRunFlagsOfEveryCommand() {
        CliRun quiet = CliRun.of("inspect", artifact.toString(), "--quiet");
        assertEquals(0, quiet.exitCode(), quiet.err());
        assertTrue(quiet.out().contains("checksum ok"), quiet.out());
        CliRun dry = CliRun.of("inspect", artifact.toString(), "--dry-run");
        assertEquals(0, dry.exitCode(), dry.err());
        assertEquals("", dry.out());
        CliRun missing = CliRun.of("inspect", dir.resolve("missing").toString(), "--dry-run");
        assertEquals(PowerQuantCli.BAD_INPUT, missing.exitCode(), missing.err());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
    }

    @Test
    void everyCommandRefusesACorruptedArtifactWithOneLineNamingTheFile() throws Exception {
        Path copy = ArtifactFixtures.copy(artifact, dir.resolve("corrupted"));
        Path params = copy.resolve(QuantizedArtifact.PARAMETERS);
        byte[] bytes = Files.readAllBytes(params);
        bytes[bytes.length / 2] ^= 1;
        Files.write(params, bytes);
        for (CliRun run :
                new CliRun[] {CliRun.of("inspect", copy.toString()), CliRun.evaluate(copy)}) {
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.err());
            assertTrue(run.err().contains(params.toString()), run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
        }
    }
}
