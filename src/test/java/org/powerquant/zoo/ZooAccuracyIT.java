package org.powerquant.zoo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.powerquant.SharedFixtures;

/**
 * Pins the README's figures for DJL's own zoo networks trained on Fashion-MNIST (the committed
 * fixtures: the ResNetV1 loaded through DJL's {@code ResnetBlockFactory}, the MobileNets given
 * their block), first 2,000 test images, data-free: W8A8 within 0.3 point of float; W4A4 PowerQuant
 * at least uniform. Measured by {@link ZooAccuracy}; skipped when {@code ../shared} or a fixture is
 * absent.
 */
class ZooAccuracyIT {

    private static ZooFixtures.TestImages testImages(ZooFixtures.Network network) throws Exception {
        Path data = SharedFixtures.fashionMnist();
        ZooFixtures.directoryOrSkip(network);
        return ZooFixtures.testImages(data);
    }

    @ParameterizedTest
    @EnumSource(ZooFixtures.Network.class)
    void w8a8StaysWithinAThirdOfAPointOfFloat(ZooFixtures.Network net) throws Exception {
        ZooFixtures.TestImages test = testImages(net);
        double fp32 = ZooAccuracy.top1(net, test, null);
        double w8a8 = ZooAccuracy.top1(net, test, ZooAccuracy.settings().get("W8A8 power"));
        assertTrue(fp32 - w8a8 <= 0.3, net + ": float " + fp32 + " %, W8A8 " + w8a8 + " %");
    }

    @ParameterizedTest
    @EnumSource(ZooFixtures.Network.class)
    void w4a4PowerQuantIsAtLeastUniform(ZooFixtures.Network net) throws Exception {
        ZooFixtures.TestImages test = testImages(net);
        double uniform = ZooAccuracy.top1(net, test, ZooAccuracy.settings().get("W4A4 uniform"));
        double power = ZooAccuracy.top1(net, test, ZooAccuracy.settings().get("W4A4 power"));
        assertTrue(
                power >= uniform,
                net + ": W4A4 uniform " + uniform + " %, PowerQuant " + power + " %");
    }
}
