package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
 * The shared torchvision MobileNetV2 (skipped without ../shared), first 2,000 Fashion-MNIST test
 * images: the imported float network has PyTorch's accuracy (92.60 %, ../shared/README.md) within
 * 0.05, and data-free W8A8 PowerQuant (classifier input 8 bits, image input float) is within 0.3
 * points of it. The lower bit widths are a benchmark run ({@link ActivationQuantizationBenchmark}
 * with {@code -Dmodel=fmnist_mobilenet_v2.pt}; README).
 */
class MobileNetV2AccuracyIT {

    private static final int IMAGES = 2000;

    @Test
    void floatMatchesPyTorchAndW8a8IsNearFloat() throws Exception {
        FashionMnistTestSet data = FashionMnistTestSet.read(SharedFixtures.fashionMnist());
        double floatAccuracy;
        try (QuantizedModel<NDList, NDList> f =
                PowerQuant.importQuantized(
                        SharedFixtures.mobileNetV2(),
                        PowerQuantTransform.builder().skipLayers("*").build(),
                        Device.cpu())) {
            floatAccuracy = data.accuracy(f.model(), IMAGES);
        }
        assertEquals(92.60, floatAccuracy, 0.05, "float top-1 vs PyTorch's");
        PowerQuantTransform w8a8 =
                PowerQuantTransform.builder()
                        .weightBits(8)
                        .activationBits(8)
                        .method(QuantizationMethod.POWER)
                        .imageSize(64, 64)
                        .build();
        try (QuantizedModel<NDList, NDList> q =
                PowerQuant.importQuantized(SharedFixtures.mobileNetV2(), w8a8, Device.cpu())) {
            double accuracy = data.accuracy(q.model(), IMAGES);
            assertTrue(
                    accuracy >= floatAccuracy - 0.3,
                    "W8A8 " + accuracy + " % vs float " + floatAccuracy + " %");
        }
    }
}
