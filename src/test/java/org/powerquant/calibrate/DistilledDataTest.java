package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.QuantizationMethod;

/** A distilled batch takes on the statistics the batch norms recorded, repeatably. */
class DistilledDataTest {

    private static final DistilledData DISTILLER =
            DistilledData.builder().batchSize(8).iterations(60).learningRate(0.2).seed(5).build();

    @Test
    void batchStatisticsApproachTheRecordedStatisticsTenfold() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = SmallNetworks.basic(manager, 1);
            Map<String, FoldedBatchNorm> targets = SmallNetworks.fold(net);
            DistilledData.Batch batch =
                    DISTILLER.generate(net, targets, SmallNetworks.IMAGE, SmallNetworks.IMAGE);
            assertTrue(
                    batch.reduction() >= 10,
                    "mismatch " + batch.initialMismatch() + " -> " + batch.finalMismatch());
            assertEquals(8 * 3 * SmallNetworks.IMAGE * SmallNetworks.IMAGE, batch.images().length);
            assertEquals(60, batch.iterations());
        }
    }

    @Test
    void aFixedSeedGivesTheSameBatchAndTheSameRangesTwice() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = SmallNetworks.basic(manager, 2);
            Map<String, FoldedBatchNorm> targets = SmallNetworks.fold(net);
            SyntheticCalibration calibration =
                    SyntheticCalibration.builder()
                            .distiller(DISTILLER)
                            .imageSize(SmallNetworks.IMAGE, SmallNetworks.IMAGE)
                            .build();
            ActivationSites sites = ActivationSites.of(net, 4);
            SyntheticCalibration.Outcome first =
                    calibration.calibrateDetailed(net, targets, sites, QuantizationMethod.POWER);
            SyntheticCalibration.Outcome second =
                    calibration.calibrateDetailed(net, targets, sites, QuantizationMethod.POWER);
            assertArrayEquals(first.batch().images(), second.batch().images());
            assertEquals(first.grids(), second.grids());
            assertEquals(sites.list().size(), first.grids().size());
            for (ActivationGrid grid : first.grids().values()) {
                assertTrue(grid.range() > 0);
            }
            // another seed gives another batch
            DistilledData other =
                    DistilledData.builder()
                            .batchSize(8)
                            .iterations(60)
                            .learningRate(0.2)
                            .seed(6)
                            .build();
            assertFalse(
                    java.util.Arrays.equals(
                            first.batch().images(),
                            other.generate(net, targets, SmallNetworks.IMAGE, SmallNetworks.IMAGE)
                                    .images()));
        }
    }

    @Test
    void parametersStayFrozenAndUnchanged() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = SmallNetworks.basic(manager, 3);
            Map<String, FoldedBatchNorm> targets = SmallNetworks.fold(net);
            Map<String, Parameter> parameters = net.getTorchParameters();
            Map<String, float[]> before = new java.util.HashMap<>();
            Map<String, Boolean> gradients = new java.util.HashMap<>();
            parameters.forEach(
                    (k, p) -> {
                        before.put(k, p.getArray().toFloatArray());
                        gradients.put(k, p.getArray().hasGradient());
                    });
            DistilledData.builder()
                    .batchSize(4)
                    .iterations(3)
                    .build()
                    .generate(net, targets, SmallNetworks.IMAGE, SmallNetworks.IMAGE);
            parameters.forEach(
                    (k, p) -> {
                        assertArrayEquals(before.get(k), p.getArray().toFloatArray(), k);
                        assertEquals(gradients.get(k), p.getArray().hasGradient(), k);
                    });
        }
    }

    @Test
    void aNetworkWithoutTargetsIsRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = SmallNetworks.basic(manager, 4);
            assertThrows(
                    IllegalArgumentException.class,
                    () -> DISTILLER.generate(net, Map.of(), 16, 16));
        }
    }
}
