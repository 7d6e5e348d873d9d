package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.importer.ResNetArchives;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

/**
 * {@code quantize} and {@code evaluate} with activation bits: the one option set gives the same
 * W4A4 model in both commands. A small torchvision-style ResNet (random weights, written as a
 * TorchScript archive) is evaluated on the first images of the bundled Fashion-MNIST test set; the
 * data-free W4A4 PowerQuant model scores the same counts whether {@code evaluate} quantizes it or
 * {@code quantize} writes it and {@code evaluate} reads the artifact. ({@code compare} with
 * activation bits runs on the shared ResNet-18 in {@code EvaluateCommandIT}: it needs a model the
 * engine can load as TorchScript.)
 */
class ActivationBitsCommandsTest {

    private static final String[] PREPROCESSING = {
        "--image-size", "32", "--channels", "1", "--mean", "0.286", "--std", "0.353", "--quiet"
    };
    private static final String[] DATA = {
        "--dataset", ArtifactCommandsTest.TEST_SET, "--limit", "64"
    };
    private static final String[] W4A4 = {"--weight-bits", "4", "--activation-bits", "4"};

    @TempDir static Path dir;

    private static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            TorchvisionResNet net =
                    TorchvisionResNet.builder()
                            .setKind(ResidualKind.BASIC)
                            .setLayers(1, 1)
                            .optBaseWidth(8)
                            .optNumClasses(10)
                            .optInputChannels(1)
                            .optSmallInput(true)
                            .build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 32, 32));
            model = ResNetArchives.write(net, dir.resolve("small-resnet.pt"));
        }
    }

    private static String[] args(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] part : parts) {
            all.addAll(Arrays.asList(part));
        }
        return all.toArray(new String[0]);
    }

    private static JsonObject run(Path json, String[]... parts) throws IOException {
        CliRun run = CliRun.of(args(args(parts), new String[] {"--json", json.toString()}));
        assertEquals(0, run.exitCode(), run.out() + run.err());
        return JsonParser.parseString(Files.readString(json)).getAsJsonObject();
    }

    @Test
    void evaluateCompareAndTheArtifactAgreeOnTheW4a4Model() throws IOException {
        JsonObject evaluated =
                run(
                        dir.resolve("evaluate.json"),
                        new String[] {"evaluate", "--model", model.toString()},
                        W4A4,
                        DATA,
                        PREPROCESSING);
        assertEquals("w4a4", evaluated.get("setting").getAsString());
        assertEquals("power", evaluated.get("method").getAsString());
        assertEquals(64, evaluated.get("images").getAsInt());

        Path artifact = dir.resolve("w4a4");
        CliRun quantize =
                CliRun.of(
                        args(
                                new String[] {
                                    "quantize",
                                    "--model",
                                    model.toString(),
                                    "--output",
                                    artifact.toString()
                                },
                                PREPROCESSING,
                                W4A4));
        assertEquals(0, quantize.exitCode(), quantize.out() + quantize.err());
        JsonObject fromArtifact =
                run(
                        dir.resolve("artifact.json"),
                        new String[] {"evaluate", "--model", artifact.toString()},
                        DATA,
                        PREPROCESSING);
        assertEquals("w4a4", fromArtifact.get("setting").getAsString());

        for (String key : new String[] {"top1Correct", "top5Correct"}) {
            assertEquals(
                    evaluated.get(key).getAsInt(),
                    fromArtifact.get(key).getAsInt(),
                    key + ": evaluate vs quantize + evaluate");
        }
    }

    @Test
    void evaluateWithBiasCorrectionImportsATorchScriptModelAsItDoesForActivationBits()
            throws IOException {
        JsonObject corrected =
                run(
                        dir.resolve("bias.json"),
                        new String[] {"evaluate", "--model", model.toString()},
                        new String[] {"--weight-bits", "3", "--bias-correction"},
                        DATA,
                        PREPROCESSING);
        assertEquals("w3", corrected.get("setting").getAsString());
        assertEquals(64, corrected.get("images").getAsInt());
    }
}
