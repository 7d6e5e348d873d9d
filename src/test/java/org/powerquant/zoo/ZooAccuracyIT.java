package org.powerquant.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.powerquant.SharedFixtures;

/**
 * Pins the README's figures for DJL's own zoo ResNetV1 trained on Fashion-MNIST (the committed
 * fixture, loaded through DJL's {@code ResnetBlockFactory}), first 2,000 test images, data-free:
 * W8A8 within 0.3 point of float; W4A4 PowerQuant at least uniform. Measured by {@link
 * ZooAccuracy}; skipped when {@code ../shared} or the fixture is absent.
 */
class ZooAccuracyIT {

    private static ZooFixtures.TestImages testImages() throws Exception {
        Path data = SharedFixtures.fashionMnist();
        ZooFixtures.directoryOrSkip(ZooFixtures.Network.RESNET);
        return ZooFixtures.testImages(data);
    }

    @Test
    void w8a8StaysWithinAThirdOfAPointOfFloat() throws Exception {
        ZooFixtures.TestImages test = testImages();
        ZooFixtures.Network net = ZooFixtures.Network.RESNET;
        double fp32 = ZooAccuracy.top1(net, test, null);
        double w8a8 = ZooAccuracy.top1(net, test, ZooAccuracy.settings().get("W8A8 power"));
        assertTrue(fp32 - w8a8 <= 0.3, "float " + fp32 + " %, W8A8 " + w8a8 + " %");
    }

    @Test
    void w4a4PowerQuantIsAtLeastUniform() throws Exception {
        ZooFixtures.TestImages test = testImages();
        ZooFixtures.Network net = ZooFixtures.Network.RESNET;
        double uniform = ZooAccuracy.top1(net, test, ZooAccuracy.settings().get("W4A4 uniform"));
        double power = ZooAccuracy.top1(net, test, ZooAccuracy.settings().get("W4A4 power"));
        assertTrue(power >= uniform, "W4A4 uniform " + uniform + " %, PowerQuant " + power + " %");
    }
}
