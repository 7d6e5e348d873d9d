package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.QuantizationMethod;

/** Calibration on real images: what it uses, what it says, and the grids it fits. */
class DataCalibrationTest {

    /** A few random images in memory. */
    private static CalibrationImages images(int count) {
        return new CalibrationImages() {
            @Override
            public int size() {
                return count;
            }

            @Override
            public int[] imageShape() {
                return new int[] {3, SmallNetworks.IMAGE, SmallNetworks.IMAGE};
            }

            @Override
            public float[] image(int index) {
                Random random = new Random(index);
                float[] x = new float[3 * SmallNetworks.IMAGE * SmallNetworks.IMAGE];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                return x;
            }

            @Override
            public String description() {
                return "memory:" + count;
            }
        };
    }

    @Test
    void askingForMoreImagesThanTheDataSetHoldsUsesWhatThereIsAndSaysSo() {
        DataCalibration calibration = DataCalibration.builder(images(5), 256).batchSize(2).build();
        assertEquals(256, calibration.requestedImages());
        assertEquals(5, calibration.usedImages());
        assertTrue(calibration.shortfall().isPresent());
        assertTrue(
                calibration.shortfall().get().requested() == 256
                        && calibration.shortfall().get().used() == 5,
                calibration.shortfall().get().message());
        assertTrue(calibration.warnings().contains(calibration.shortfall().get()));
        assertFalse(calibration.isDataFree());
        assertEquals("data", calibration.mode());
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = SmallNetworks.basic(manager, 7);
            Map<String, org.powerquant.nn.FoldedBatchNorm> folded = SmallNetworks.fold(net);
            ActivationSites sites = ActivationSites.of(net, 4);
            Map<String, ActivationGrid> grids =
                    calibration.calibrate(net, folded, sites, QuantizationMethod.POWER);
            assertEquals(sites.list().size(), grids.size());
            // the same grids as asking for exactly the images there are
            Map<String, ActivationGrid> exact =
                    DataCalibration.builder(images(5), 5)
                            .batchSize(2)
                            .build()
                            .calibrate(net, folded, sites, QuantizationMethod.POWER);
            assertEquals(exact, grids);
        }
    }

    @Test
    void enoughImagesGiveNoShortfallButStillSayTheResultIsNotDataFree() {
        DataCalibration calibration = DataCalibration.builder(images(10), 4).build();
        assertEquals(4, calibration.usedImages());
        assertTrue(calibration.shortfall().isEmpty());
        assertEquals(1, calibration.warnings().size());
        assertEquals(
                org.powerquant.calibrate.CalibrationWarning.Kind.NOT_DATA_FREE,
                calibration.warnings().get(0).kind());
    }

    @Test
    void badCountsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> DataCalibration.builder(images(3), 0));
        assertThrows(
                IllegalArgumentException.class,
                () -> DataCalibration.builder(images(0), 3).build());
    }

    @Test
    void gridsFitTheObservedValuesAndNeverLoseToUniform() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = SmallNetworks.basic(manager, 8);
            Map<String, org.powerquant.nn.FoldedBatchNorm> folded = SmallNetworks.fold(net);
            ActivationSites sites = ActivationSites.of(net, 3);
            Map<String, ActivationGrid> power =
                    DataCalibration.builder(images(6), 6)
                            .build()
                            .calibrate(net, folded, sites, QuantizationMethod.POWER);
            Map<String, ActivationGrid> uniform =
                    DataCalibration.builder(images(6), 6)
                            .build()
                            .calibrate(net, folded, sites, QuantizationMethod.UNIFORM);
            for (ActivationSite site : sites) {
                ActivationGrid p = power.get(site.name());
                ActivationGrid u = uniform.get(site.name());
                assertEquals(1.0, u.exponent());
                assertEquals(0.0, p.lower());
                assertEquals(site.bits(), p.bits());
                assertEquals(
                        u.expectedError(), p.uniformExpectedError(), 1e-12 * u.expectedError());
            }
            ActivationSites nearestSites =
                    ActivationSites.of(net, 3, 8, false, CodeRounding.NEAREST_LEVEL);
            Map<String, ActivationGrid> nearest =
                    DataCalibration.builder(images(6), 6)
                            .build()
                            .calibrate(net, folded, nearestSites, QuantizationMethod.POWER);
            for (ActivationSite site : nearestSites) {
                ActivationGrid n = nearest.get(site.name());
                assertEquals(CodeRounding.NEAREST_LEVEL, n.rounding(), site.name());
                assertTrue(
                        n.expectedError() <= n.uniformExpectedError(),
                        site.name() + ": " + n + " loses to uniform");
            }
            // the observers are gone: every site is back to the identity
            for (ActivationSite site : sites) {
                site.clear();
            }
        }
    }
}
