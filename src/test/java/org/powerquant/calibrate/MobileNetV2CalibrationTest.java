package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.BatchNormFolding;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchvisionMobileNetV2;

/**
 * Distillation, the first step of synthetic calibration, walks a MobileNetV2's inverted residuals
 * and matches its batch norms (the grids fitted afterwards to ReLU6 samples cannot exceed their
 * largest sample, 6 at most).
 */
class MobileNetV2CalibrationTest {

    @Test
    void distilledDataMatchesEveryBatchNormOfTheInvertedResiduals() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            TorchvisionMobileNetV2 net =
                    TorchvisionMobileNetV2.builder()
                            .optWidthMultiplier(0.25f)
                            .optNumClasses(10)
                            .build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            Map<String, FoldedBatchNorm> folded = new LinkedHashMap<>();
            for (FoldedBatchNorm bn : BatchNormFolding.fold(net)) {
                folded.put(bn.batchNormName(), bn);
            }
            DistilledData.Batch batch =
                    DistilledData.builder()
                            .batchSize(4)
                            .iterations(30)
                            .learningRate(0.2)
                            .seed(1)
                            .build()
                            .generate(net, folded, 16, 16);
            assertTrue(
                    batch.reduction() >= 2,
                    "mismatch " + batch.initialMismatch() + " -> " + batch.finalMismatch());
        }
    }
}
