package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.powerquant.SharedFixtures;
import org.powerquant.importer.ResNetImporter;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchvisionResNet;

/**
 * On the shared ResNet-18 (skipped without ../shared), the default distillation matches the batch
 * norms tenfold.
 */
class DistilledDataIT {

    @Test
    void defaultDistillationOfTheSharedResNet18CutsTheMismatchTenfold() throws Exception {
        try (Model model = ResNetImporter.importModel(SharedFixtures.resnet18(), Device.cpu())) {
            TorchvisionResNet net = (TorchvisionResNet) model.getBlock();
            Map<String, FoldedBatchNorm> targets = SmallNetworks.fold(net);
            DistilledData.Batch batch =
                    DistilledData.builder().build().generate(net, targets, 64, 64);
            System.out.printf(
                    "distilled %d images in %.1f s: mismatch %.4f -> %.4f (x%.1f)%n",
                    batch.shape().get(0),
                    batch.seconds(),
                    batch.initialMismatch(),
                    batch.finalMismatch(),
                    batch.reduction());
            assertTrue(
                    batch.reduction() >= 10,
                    "mismatch " + batch.initialMismatch() + " -> " + batch.finalMismatch());
        }
    }
}
