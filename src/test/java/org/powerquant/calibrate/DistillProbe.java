package org.powerquant.calibrate;

import ai.djl.Device;
import ai.djl.Model;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import org.powerquant.importer.ResNetImporter;
import org.powerquant.nn.BatchNormFolding;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchvisionResNet;

/** Scratch probe: distillation time and mismatch on the shared ResNet-18. */
public final class DistillProbe {
    public static void main(String[] args) throws Exception {
        int batch = Integer.parseInt(args[0]);
        int iters = Integer.parseInt(args[1]);
        double lr = Double.parseDouble(args[2]);
        try (Model model = ResNetImporter.importModel(Paths.get("/work/shared/models/fmnist_resnet18.pt"), Device.cpu())) {
            TorchvisionResNet net = (TorchvisionResNet) model.getBlock();
            Map<String, FoldedBatchNorm> targets = new LinkedHashMap<>();
            for (FoldedBatchNorm f : BatchNormFolding.fold(net)) {
                targets.put(f.batchNormName(), f);
            }
            DistilledData.Batch b = DistilledData.builder().batchSize(batch).iterations(iters).learningRate(lr).build()
                    .generate(net, targets, 64, 64);
            System.out.printf("batch %d iters %d lr %.3f: mismatch %.4f -> %.5f (x%.1f) in %.1f s%n", batch, iters, lr,
                    b.initialMismatch(), b.finalMismatch(), b.reduction(), b.seconds());
        }
    }
}
