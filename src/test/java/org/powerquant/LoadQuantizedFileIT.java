package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.NoopTranslator;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.transform.PowerQuantTransform;

/**
 * {@link PowerQuant#loadQuantized} with activation bits imports the very file the criteria names,
 * even when its name does not end in {@code .pt} and its folder holds another {@code .pt}: the
 * import took the folder's first {@code .pt} file instead (here a {@code torch.save} file, refused
 * as "a.pt: unreadable TorchScript data.pkl"; a TorchScript file there would have been quantized in
 * place of the model asked for).
 */
class LoadQuantizedFileIT {

    @TempDir Path dir;

    @Test
    void theFileTheCriteriaNamesIsTheOneImported() throws Exception {
        Path model = Files.copy(SharedFixtures.resnet18(), dir.resolve("resnet.torchscript"));
        try (OutputStream out = Files.newOutputStream(dir.resolve("a.pt"));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("a/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, '.'});
            zip.closeEntry();
        }
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(model)
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        PowerQuantTransform w4a8 =
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .activationBits(8)
                        .calibration(new BatchNormModel())
                        .threads(2)
                        .build();
        try (QuantizedModel<NDList, NDList> q = PowerQuant.loadQuantized(criteria, w4a8)) {
            assertTrue(q.model().getBlock() instanceof TorchvisionResNet);
            assertEquals(21, q.report().layers().size(), "ResNet-18: 20 convolutions and fc");
        }
    }
}
