package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import org.junit.jupiter.api.Test;
import org.powerquant.FashionMnistTestSet;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.SharedFixtures;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;

/**
 * Data-free W8A8 on the shared ResNet-18, first 2,000 Fashion-MNIST test images (skipped without
 * ../shared): PowerQuant within 0.3 points of float. The W4A4 figures of both methods on the same
 * images are pinned by {@code ReadmeTablesIT} (the README's ablation table), the full-test-set ones
 * are in the README's targets table.
 */
class ActivationAccuracyIT {

    private static final int IMAGES = 2000;

    private static double accuracy(
            FashionMnistTestSet data, int weightBits, int activationBits, QuantizationMethod method)
            throws Exception {
        PowerQuantTransform transform =
                PowerQuantTransform.builder()
                        .weightBits(weightBits)
                        .activationBits(activationBits)
                        .method(method)
                        .imageSize(64, 64)
                        .build();
        try (QuantizedModel<NDList, NDList> q =
                PowerQuant.importQuantized(SharedFixtures.resnet18(), transform, Device.cpu())) {
            return data.accuracy(q.model(), IMAGES);
        }
    }

    @Test
    void w8a8IsNearFloat() throws Exception {
        FashionMnistTestSet data = FashionMnistTestSet.read(SharedFixtures.fashionMnist());
        double floatAccuracy;
        try (QuantizedModel<NDList, NDList> f =
                PowerQuant.importQuantized(
                        SharedFixtures.resnet18(),
                        PowerQuantTransform.builder().skipLayers("*").build(),
                        Device.cpu())) {
            floatAccuracy = data.accuracy(f.model(), IMAGES);
        }
        double w8a8 = accuracy(data, 8, 8, QuantizationMethod.POWER);
        assertTrue(
                w8a8 >= floatAccuracy - 0.3,
                "W8A8 " + w8a8 + " % vs float " + floatAccuracy + " %");
    }
}
