package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.SharedFixtures;
import org.powerquant.eval.Fixtures;

/**
 * {@code evaluate} and {@code compare} on the shared ResNet-18 and MobileNetV2 (skipped when
 * ../shared is absent).
 */
class EvaluateCommandIT {

    @TempDir Path dir;

    private static String fashionMnistTestSet() {
        Path data = SharedFixtures.fashionMnist();
        return "idx:"
                + data.resolve("t10k-images-idx3-ubyte.gz")
                + ","
                + data.resolve("t10k-labels-idx1-ubyte.gz");
    }

    /**
     * Runs a command on a model and data set with the shared ResNet-18's preprocessing, quietly.
     */
    private static CliRun onSharedModel(
            String command, String model, String dataset, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                command,
                                "--model",
                                model,
                                "--dataset",
                                dataset,
                                "--image-size",
                                "64",
                                "--mean",
                                "0.2860",
                                "--std",
                                "0.3530",
                                "--quiet"));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }

    @Test
    void aModelKeptBesideThePluginLoadsAsItself() throws Exception {
        // DJL scans a model's directory for jars and a classes folder holding a BlockFactory and
        // calls the first it finds: with powerquant-cli.jar beside a .pt, that was the artifact
        // factory, and every command refused the .pt as "not a PowerQuant artifact".
        Path beside = dir.resolve("models");
        Path factory = beside.resolve("classes/org/powerquant/artifact/ArtifactBlockFactory.class");
        Files.createDirectories(factory.getParent());
        try (var in =
                org.powerquant.artifact.ArtifactBlockFactory.class.getResourceAsStream(
                        "ArtifactBlockFactory.class")) {
            Files.copy(in, factory);
        }
        Path model = Files.copy(SharedFixtures.resnet18(), beside.resolve("model.pt"));
        CliRun run =
                onSharedModel("evaluate", model.toString(), fashionMnistTestSet(), "--limit", "64");
        assertEquals(0, run.exitCode(), run.err());
    }

    @Test
    void evaluatesAQuantizedModelAndWritesJson() throws Exception {
        Path model = SharedFixtures.resnet18();
        Path json = dir.resolve("eval.json");
        CliRun run =
                onSharedModel(
                        "evaluate",
                        model.toString(),
                        fashionMnistTestSet(),
                        "--limit",
                        "256",
                        "--weight-bits",
                        "8",
                        "--json",
                        json.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(256, result.get("images").getAsInt());
        double top1 = result.get("top1").getAsDouble();
        double top5 = result.get("top5").getAsDouble();
        assertTrue(top1 > 0.85 && top1 <= top5 && top5 <= 1, result.toString());
        assertTrue(
                result.get("seconds").getAsDouble() > 0
                        && result.get("imagesPerSecond").getAsDouble() > 0);
        assertTrue(run.out().contains("top-1"), run.out());
    }

    @Test
    void modelNarrowerThanTheClassesIsRefused() throws Exception {
        Path model = SharedFixtures.resnet18();
        Path root = dir.resolve("eleven-classes");
        for (int c = 0; c < 11; c++) {
            Fixtures.writeImage(
                    root.resolve("class" + (char) ('a' + c)).resolve("0.png"), c, 28, 28, false);
        }
        CliRun run = onSharedModel("evaluate", model.toString(), "folder:" + root);
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.err());
        assertEquals(1, run.errorLines().lines().count(), run.errorLines());
        assertTrue(run.errorLines().contains("11"), run.errorLines());
    }

    @Test
    void unreadableImagesAreSkippedCountedAndReported() throws Exception {
        Path model = SharedFixtures.resnet18();
        Path root = dir.resolve("mixed");
        Fixtures.writeImage(root.resolve("a/0.png"), 1, 28, 28, false);
        Fixtures.writeImage(root.resolve("b/0.png"), 2, 28, 28, false);
        Files.writeString(root.resolve("b/broken.png"), "not an image");
        Path json = dir.resolve("mixed.json");
        CliRun run =
                onSharedModel(
                        "evaluate", model.toString(), "folder:" + root, "--json", json.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("1 unreadable"), run.out());
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals(2, result.get("images").getAsInt());

        Path broken = dir.resolve("all-broken");
        Files.createDirectories(broken.resolve("a"));
        Files.writeString(broken.resolve("a/0.png"), "not an image");
        CliRun none = onSharedModel("evaluate", model.toString(), "folder:" + broken);
        assertEquals(PowerQuantCli.BAD_INPUT, none.exitCode(), none.err());
    }

    @Test
    void compareWithActivationBitsWritesTableJsonAndChart() throws Exception {
        Path model = SharedFixtures.resnet18();
        Path json = dir.resolve("table.json");
        Path png = dir.resolve("table.png");
        CliRun run =
                onSharedModel(
                        "compare",
                        model.toString(),
                        fashionMnistTestSet(),
                        "--limit",
                        "128",
                        "--settings",
                        "fp32, w4a4",
                        "--json",
                        json.toString(),
                        "--plot",
                        png.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains("uniform") && run.out().contains("power"), run.out());
        assertTrue(
                run.err().lines().noneMatch(l -> l.startsWith("fp32 ") || l.startsWith("w4a4 ")),
                "--quiet: no line per setting on stderr, the table is on stdout: " + run.err());
        com.google.gson.JsonArray rows =
                JsonParser.parseString(Files.readString(json))
                        .getAsJsonObject()
                        .getAsJsonArray("rows");
        assertEquals(3, rows.size(), rows.toString());
        assertEquals("w4a4", rows.get(1).getAsJsonObject().get("setting").getAsString());
        assertEquals("w4a4", rows.get(2).getAsJsonObject().get("setting").getAsString());
        assertTrue(Files.size(png) > 10_000);
    }

    @Test
    void compareRefusesBiasCorrectionOnAMobileNetV2BeforeEvaluatingAnything() {
        Path model = SharedFixtures.mobileNetV2();
        // Not quiet: a row evaluated before the refusal would print its line (and progress) on
        // stderr. The float row used to be evaluated first (minutes on the full test set).
        CliRun run =
                CliRun.of(
                        "compare",
                        "--model",
                        model.toString(),
                        "--dataset",
                        fashionMnistTestSet(),
                        "--image-size",
                        "64",
                        "--mean",
                        "0.2860",
                        "--std",
                        "0.3530",
                        "--limit",
                        "64",
                        "--settings",
                        "fp32,w4",
                        "--bias-correction");
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.err());
        assertEquals("", run.out(), "nothing evaluated, nothing printed");
        assertEquals(
                List.of(
                        "powerquant compare: error: --bias-correction needs a torchvision ResNet (its layers'"
                                + " bias targets are known for ResNets only), got"
                                + " TorchvisionMobileNetV2"),
                run.errorLines().lines().toList(),
                "one line, no row or progress line before it");
    }
}
