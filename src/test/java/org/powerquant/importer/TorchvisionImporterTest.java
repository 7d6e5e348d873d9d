package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.importer.TorchScriptArchiveWriter.Module;
import org.powerquant.importer.TorchScriptArchiveWriter.Tensor;

/** Which importer an archive goes to, and the refusal of an archive that neither takes. */
class TorchvisionImporterTest {

    @TempDir Path dir;

    @Test
    void aNetworkOfNeitherFamilyIsRefusedNamingBothAndTheWeightOnlyWay() throws Exception {
        Module custom =
                new Module("__torch__.my.Net")
                        .put(
                                "conv",
                                new Module("__torch__.torch.nn.modules.conv.Conv2d")
                                        .put("weight", Tensor.of(new float[8], 2, 1, 2, 2)));
        Path file = ResNetArchives.write(custom, dir.resolve("custom.pt"));
        TorchScriptArchive archive = TorchScriptArchive.read(file);
        try (NDManager manager = NDManager.newBaseManager()) {
            UnsupportedModelException e =
                    assertThrows(
                            UnsupportedModelException.class,
                            () -> TorchvisionImporter.importBlock(archive, manager));
            String m = e.getMessage();
            assertTrue(
                    m.startsWith(file.toString())
                            && m.contains(
                                    "neither a torchvision ResNet nor a torchvision MobileNetV2")
                            && m.contains("root module is __torch__.my.Net")
                            && m.contains("MobileNetV2s are imported")
                            && m.contains("weight-only"),
                    m);
        }
    }
}
