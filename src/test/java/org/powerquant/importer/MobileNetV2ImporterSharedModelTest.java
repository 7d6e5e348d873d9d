package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.SharedFixtures;
import org.powerquant.nn.TorchvisionMobileNetV2;

/** {@link MobileNetV2Importer} against the trained torchvision MobileNetV2 in ../shared. */
class MobileNetV2ImporterSharedModelTest {

    private static final int IMAGES = 128;

    @Test
    void importedNetworkMatchesTorchScriptLogitsOnRealImages() throws Exception {
        Path file = SharedFixtures.mobileNetV2();
        try (ZooModel<NDList, NDList> torchScript =
                        Criteria.builder()
                                .setTypes(NDList.class, NDList.class)
                                .optModelPath(file)
                                .optEngine("PyTorch")
                                .optTranslator(new NoopTranslator())
                                .build()
                                .loadModel();
                Model imported = TorchvisionImporter.importModel(file, Device.cpu());
                Predictor<NDList, NDList> reference = torchScript.newPredictor();
                Predictor<NDList, NDList> candidate = imported.newPredictor(new NoopTranslator());
                NDManager manager = NDManager.newBaseManager()) {
            assertTrue(imported.getBlock() instanceof TorchvisionMobileNetV2);
            NDArray x = SharedFixtures.testBatch(manager, IMAGES);
            float[] want = reference.predict(new NDList(x)).singletonOrThrow().toFloatArray();
            float[] got = candidate.predict(new NDList(x)).singletonOrThrow().toFloatArray();
            assertEquals(IMAGES * 10, got.length);
            double maxAbsDiff = 0;
            double maxAbsLogit = 0;
            for (int i = 0; i < want.length; i++) {
                maxAbsDiff = Math.max(maxAbsDiff, Math.abs(want[i] - got[i]));
                maxAbsLogit = Math.max(maxAbsLogit, Math.abs(want[i]));
            }
            double relative = maxAbsDiff / maxAbsLogit;
            System.out.printf(
                    "MobileNetV2 import vs TorchScript on %d images: max|diff| %.3e, relative"
                            + " %.3e%n",
                    IMAGES, maxAbsDiff, relative);
            assertTrue(relative <= 1e-4, "relative logit difference " + relative);
        }
    }

    @Test
    void tracedGroupsOfADepthwiseConvolutionAreChecked(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(SharedFixtures.mobileNetV2(), dir.resolve("groups.pt"));
        String conv =
                "fmnist_mobilenet_v2/code/__torch__/torch/nn/modules/conv/___torch_mangle_10.py";
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(copy)) {
            Path code = zip.getPath(conv);
            String text = Files.readString(code);
            Assumptions.assumeTrue(text.contains("[0, 0], 96,"), "unexpected depthwise code");
            Files.writeString(code, text.replace("[0, 0], 96,", "[0, 0], 1,"));
        }
        TorchScriptArchive archive = TorchScriptArchive.read(copy);
        try (NDManager manager = NDManager.newBaseManager()) {
            UnsupportedModelException e =
                    assertThrows(
                            UnsupportedModelException.class,
                            () -> TorchvisionImporter.importBlock(archive, manager));
            assertTrue(e.getMessage().contains("groups 1"), e.getMessage());
            assertTrue(e.getMessage().contains("groups 96"), e.getMessage());
        }
    }
}
