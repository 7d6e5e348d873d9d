package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.EvaluationResult;
import org.powerquant.eval.Evaluator;
import org.powerquant.nn.HookableNetwork;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.zoo.ZooFixtures;

/**
 * The trained DJL zoo ResNetV1, loaded as DJL's zoo loads it (its {@code serving.properties} names
 * {@code ResnetBlockFactory}), quantized W4A4 through {@code PowerQuant.loadQuantized} and saved
 * with its preprocessing: {@code evaluate --model DIR} reads the artifact and scores exactly what
 * the in-memory quantized model scores. (The command line quantizes TorchScript files only, so the
 * zoo model is quantized through the API.)
 */
class ZooArtifactCommandsTest {

    private static final Preprocessing FASHION_MNIST =
            Preprocessing.builder()
                    .imageSize(ZooFixtures.SIDE)
                    .channels(1)
                    .mean(ZooFixtures.MEAN)
                    .std(ZooFixtures.STD)
                    .build();

    @TempDir Path dir;

    @Test
    void evaluateScoresTheSavedZooResNetAsTheInMemoryOne() throws Exception {
        ZooFixtures.Network resnet = ZooFixtures.Network.RESNET;
        Path fixture = ZooFixtures.directoryOrSkip(resnet);
        Path artifact = dir.resolve("resnetv1-w4a4");
        PowerQuantTransform w4a4 =
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .activationBits(4)
                        .calibration(new BatchNormModel())
                        .build();
        EvaluationResult inProcess;
        try (QuantizedModel<NDList, NDList> q =
                PowerQuant.loadQuantized(ZooFixtures.criteria(resnet, fixture), w4a4)) {
            assertInstanceOf(HookableNetwork.class, q.model().getBlock());
            PowerQuant.save(q, artifact, FASHION_MNIST);
            inProcess =
                    Evaluator.builder()
                            .preprocessing(FASHION_MNIST)
                            .limit(100)
                            .device(Device.cpu())
                            .build()
                            .evaluate(
                                    q.model(),
                                    DatasetSpec.parse(ArtifactCommandsTest.TEST_SET).open());
        }
        Path json = dir.resolve("r.json");
        CliRun run =
                CliRun.evaluate(
                        artifact,
                        "--limit",
                        "100",
                        "--device",
                        "cpu",
                        "--quiet",
                        "--json",
                        json.toString());
        assertEquals(0, run.exitCode(), run.err());
        JsonObject result = JsonParser.parseString(Files.readString(json)).getAsJsonObject();
        assertEquals("w4a4", result.get("setting").getAsString());
        assertEquals(inProcess.top1Correct(), result.get("top1Correct").getAsInt());
        assertEquals(inProcess.top5Correct(), result.get("top5Correct").getAsInt());
        // a trained network, not noise: well above the 10 % of chance on these 100 images
        assertTrue(inProcess.top1Correct() > 50, inProcess.top1Correct() + " of 100");
    }
}
