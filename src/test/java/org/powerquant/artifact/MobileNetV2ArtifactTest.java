package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.Relu6;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionMobileNetV2;
import org.powerquant.transform.PowerQuantTransform;

/** An artifact of a quantized MobileNetV2 loads back as the very model that was saved. */
class MobileNetV2ArtifactTest {

    private static final Shape INPUT = new Shape(4, 3, 32, 32);

    @TempDir Path dir;

    @Test
    void weightsOnlyMobileNetV2LoadsBackBitForBit() throws Exception {
        roundTrip(4, 0);
    }

    @Test
    void w4a4MobileNetV2LoadsBackBitForBitWithItsReLU6Grids() throws Exception {
        roundTrip(4, 4);
    }

    /** A tiny MobileNetV2 (width 0.25, 10 classes) with seeded random parameters. */
    private static ZooModel<NDList, NDList> tinyMobileNetV2(long seed) {
        Model model = Model.newInstance("mobilenet-v2");
        TorchvisionMobileNetV2 net =
                TorchvisionMobileNetV2.builder()
                        .optWidthMultiplier(0.25f)
                        .optNumClasses(10)
                        .build();
        net.initialize(model.getNDManager(), DataType.FLOAT32, INPUT);
        Random random = new Random(seed);
        for (Map.Entry<String, Parameter> e : TorchNames.parameters(net).entrySet()) {
            NDArray a = e.getValue().getArray();
            float[] v = new float[Math.toIntExact(a.size())];
            boolean variance = e.getKey().endsWith("running_var");
            for (int i = 0; i < v.length; i++) {
                v[i] =
                        variance
                                ? 0.5f + 1.5f * random.nextFloat()
                                : (float) (0.3 * random.nextGaussian());
            }
            a.set(v);
        }
        model.setBlock(net);
        return new ZooModel<>(model, new NoopTranslator());
    }

    private void roundTrip(int weightBits, int activationBits) throws Exception {
        Path artifact = dir.resolve("mbv2-w" + weightBits + "a" + activationBits);
        ZooModel<NDList, NDList> zoo = tinyMobileNetV2(5);
        PowerQuantTransform.Builder transform =
                PowerQuantTransform.builder().weightBits(weightBits).threads(2);
        if (activationBits > 0) {
            transform.activationBits(activationBits).calibration(new BatchNormModel());
        }
        try (QuantizedModel<NDList, NDList> q =
                        new QuantizedModel<>(zoo, transform.build().apply(zoo));
                NDManager manager = NDManager.newBaseManager()) {
            PowerQuant.save(q, artifact);
            NDList input = ArtifactFixtures.input(manager, INPUT, 3);
            float[] expected = ArtifactFixtures.logits(q.model(), input);
            try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
                assertTrue(loaded.model().getBlock() instanceof TorchvisionMobileNetV2);
                ArtifactRoundTripTest.assertSameParameters(q, loaded);
                Map<String, ?> grids =
                        ActivationQuantizers.installed(
                                (TorchvisionMobileNetV2) q.model().getBlock());
                assertEquals(
                        grids,
                        ActivationQuantizers.installed(
                                (TorchvisionMobileNetV2) loaded.model().getBlock()));
                if (activationBits > 0) {
                    Map<String, ?> blocks = TorchNames.blocks(q.model().getBlock());
                    assertTrue(
                            grids.keySet().stream()
                                    .anyMatch(site -> blocks.get(site) instanceof Relu6),
                            "ReLU6 outputs carry grids: " + grids.keySet());
                } else {
                    assertTrue(grids.isEmpty(), grids.keySet().toString());
                }
                assertArrayEquals(
                        ArtifactRoundTripTest.rawBits(expected),
                        ArtifactRoundTripTest.rawBits(
                                ArtifactFixtures.logits(loaded.model(), input)),
                        "logits");
                assertEquals(q.report().toJson(), loaded.report().toJson());
            }
        }
        ArtifactManifest manifest = ArtifactManifest.read(artifact);
        assertEquals(
                TorchvisionMobileNetV2Codec.KIND,
                manifest.architecture().get("kind").getAsString());
    }
}
