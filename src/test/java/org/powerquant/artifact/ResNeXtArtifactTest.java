package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.PowerQuantTransform;

/**
 * A torchvision ResNeXt (grouped 3x3 convolutions), imported from TorchScript and quantized with
 * every option that reads a convolution's input channels (error-aware rounding, bias correction,
 * activations calibrated on synthetic images), loads back from its artifact as the very model that
 * was saved. The fixture is {@code src/test/python/tiny_resnets.py}'s {@code tiny_resnext.pt}.
 */
class ResNeXtArtifactTest {

    @TempDir Path dir;

    @Test
    void aQuantizedResNeXtLoadsBackBitForBitWithItsGroups() throws Exception {
        Path file =
                Paths.get(
                        ResNeXtArtifactTest.class
                                .getResource("/org/powerquant/importer/tiny_resnext.pt")
                                .toURI());
        PowerQuantTransform transform =
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .activationBits(4)
                        .rounding(WeightRounding.ERROR_AWARE)
                        .biasCorrection(true)
                        .imageSize(64, 64)
                        .threads(2)
                        .build();
        Path artifact = dir.resolve("resnext");
        try (QuantizedModel<NDList, NDList> q =
                        PowerQuant.importQuantized(file, transform, Device.cpu());
                NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = (TorchvisionResNet) q.model().getBlock();
            assertEquals(2, net.getGroups());
            assertFalse(ActivationQuantizers.installed(net).isEmpty());
            PowerQuant.save(q, artifact);
            NDList input = ArtifactFixtures.input(manager, new Shape(4, 3, 64, 64), 3);
            float[] expected = ArtifactFixtures.logits(q.model(), input);
            try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact)) {
                TorchvisionResNet read = (TorchvisionResNet) loaded.model().getBlock();
                assertEquals(2, read.getGroups());
                ArtifactRoundTripTest.assertSameParameters(q, loaded);
                assertEquals(
                        ActivationQuantizers.installed(net), ActivationQuantizers.installed(read));
                assertArrayEquals(
                        ArtifactRoundTripTest.rawBits(expected),
                        ArtifactRoundTripTest.rawBits(
                                ArtifactFixtures.logits(loaded.model(), input)),
                        "logits");
            }
        }
    }
}
