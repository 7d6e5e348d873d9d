package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.Pair;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TorchScriptArchive} and {@link ResNetImporter} against the real trained model in
 * ../shared.
 */
class ResNetImporterSharedModelTest {

    private static final int IMAGES = 256;
    private static Path shared;
    private static Path modelFile;

    @BeforeAll
    static void locateShared() {
        shared = Paths.get(System.getProperty("powerquant.shared", "../shared"));
        modelFile = shared.resolve("models/fmnist_resnet18.pt");
        Assumptions.assumeTrue(
                Files.isRegularFile(modelFile),
                "../shared absent: skipping real-model import tests");
    }

    private static ZooModel<NDList, NDList> loadTorchScript() throws Exception {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(modelFile)
                .optEngine("PyTorch")
                .optOption("trainParam", "true")
                .optTranslator(new NoopTranslator())
                .build()
                .loadModel();
    }

    /** The first {@code n} test images, preprocessed as the model expects: (n, 3, 64, 64). */
    private static NDArray fashionMnistTestImages(NDManager manager, int n) throws IOException {
        Path idx = shared.resolve("data/fashion-mnist/t10k-images-idx3-ubyte.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(idx));
                DataInputStream data = new DataInputStream(in)) {
            assertEquals(2051, data.readInt(), "IDX image magic");
            int count = data.readInt();
            int rows = data.readInt();
            int cols = data.readInt();
            byte[] pixels = new byte[Math.min(n, count) * rows * cols];
            data.readFully(pixels);
            float[] scaled = new float[pixels.length];
            for (int i = 0; i < pixels.length; i++) {
                scaled[i] = (pixels[i] & 0xff) / 255f;
            }
            NDArray x = manager.create(scaled, new Shape(Math.min(n, count), rows, cols, 1));
            x = NDImageUtils.resize(x, 64, 64, Image.Interpolation.BILINEAR).transpose(0, 3, 1, 2);
            x = x.sub(0.2860f).div(0.3530f);
            return NDArrays.concat(new NDList(x, x, x), 1);
        }
    }

    private static byte[] fashionMnistTestLabels(int n) throws IOException {
        Path idx = shared.resolve("data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(idx));
                DataInputStream data = new DataInputStream(in)) {
            assertEquals(2049, data.readInt(), "IDX label magic");
            byte[] labels = new byte[Math.min(n, data.readInt())];
            data.readFully(labels);
            return labels;
        }
    }

    @Test
    void archiveHoldsEveryParameterDjlExposesWithIdenticalValues() throws Exception {
        TorchScriptArchive archive = TorchScriptArchive.read(modelFile);
        try (ZooModel<NDList, NDList> model = loadTorchScript()) {
            int compared = 0;
            for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
                TorchTensor t = archive.getTensor(p.getKey());
                NDArray a = p.getValue().getArray();
                assertEquals(a.getShape(), t.getShape(), p.getKey());
                assertArrayEquals(a.toFloatArray(), t.values(), 0f, p.getKey());
                compared++;
            }
            assertEquals(62, compared, "ResNet-18 has 62 trainable tensors");
        }
    }

    @Test
    void batchNormBuffersArePresentAndPlausible() throws Exception {
        TorchScriptArchive archive = TorchScriptArchive.read(modelFile);
        int batchNorms = 0;
        for (TorchModule m : archive.getModules().values()) {
            if (!"BatchNorm2d".equals(m.simpleClassName())) {
                continue;
            }
            batchNorms++;
            TorchTensor mean = archive.getTensor(m.name() + ".running_mean");
            TorchTensor var = archive.getTensor(m.name() + ".running_var");
            long channels = archive.getTensor(m.name() + ".weight").shape()[0];
            assertArrayEquals(new long[] {channels}, var.shape(), m.name());
            assertArrayEquals(new long[] {channels}, mean.shape(), m.name());
            boolean meanVaries = false;
            for (int c = 0; c < channels; c++) {
                assertTrue(
                        var.values()[c] > 0f && Float.isFinite(var.values()[c]),
                        m.name() + " running_var");
                assertTrue(Float.isFinite(mean.values()[c]), m.name() + " running_mean");
                meanVaries |= mean.values()[c] != 0f;
            }
            assertTrue(meanVaries, m.name() + ": running_mean all zero, i.e. untrained");
            assertTrue(
                    archive.getTensor(m.name() + ".num_batches_tracked").values()[0] > 0f,
                    m.name());
        }
        assertEquals(20, batchNorms);
    }

    @Test
    void tracedStrideOfTheRealModelIsChecked(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path copy = Files.copy(modelFile, dir.resolve("stem_stride1.pt"));
        try (java.nio.file.FileSystem zip = java.nio.file.FileSystems.newFileSystem(copy)) {
            Path code = zip.getPath("fmnist_resnet18/code/__torch__/torch/nn/modules/conv.py");
            String text = Files.readString(code);
            Assumptions.assumeTrue(text.contains("[2, 2], [3, 3]"), "unexpected stem code");
            Files.writeString(code, text.replace("[2, 2], [3, 3]", "[1, 1], [3, 3]"));
        }
        TorchScriptArchive archive = TorchScriptArchive.read(copy);
        try (NDManager manager = NDManager.newBaseManager()) {
            UnsupportedModelException e =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            UnsupportedModelException.class,
                            () -> ResNetImporter.importBlock(archive, manager));
            assertTrue(e.getMessage().contains("conv1 has stride [1, 1]"), e.getMessage());
        }
    }

    @Test
    void importedNetworkMatchesTorchScriptLogitsOnRealImages() throws Exception {
        try (ZooModel<NDList, NDList> torchScript = loadTorchScript();
                Model imported = ResNetImporter.importModel(modelFile, Device.cpu());
                Predictor<NDList, NDList> reference = torchScript.newPredictor();
                Predictor<NDList, NDList> candidate = imported.newPredictor(new NoopTranslator());
                NDManager manager = NDManager.newBaseManager()) {
            NDArray x = fashionMnistTestImages(manager, IMAGES);
            float[] want = reference.predict(new NDList(x)).singletonOrThrow().toFloatArray();
            float[] got = candidate.predict(new NDList(x)).singletonOrThrow().toFloatArray();
            assertEquals(want.length, got.length);
            double maxAbsDiff = 0;
            double maxAbsLogit = 0;
            for (int i = 0; i < want.length; i++) {
                maxAbsDiff = Math.max(maxAbsDiff, Math.abs(want[i] - got[i]));
                maxAbsLogit = Math.max(maxAbsLogit, Math.abs(want[i]));
            }
            double relative = maxAbsDiff / maxAbsLogit;
            byte[] labels = fashionMnistTestLabels(IMAGES);
            int correct = 0;
            for (int n = 0; n < labels.length; n++) {
                int best = 0;
                for (int c = 1; c < 10; c++) {
                    best = got[n * 10 + c] > got[n * 10 + best] ? c : best;
                }
                correct += best == labels[n] ? 1 : 0;
            }
            double accuracy = correct / (double) labels.length;
            System.out.printf(
                    "imported ResNet-18 top-1 on the first %d test images: %.4f%n",
                    labels.length, accuracy);
            // a wrong preprocessing or weight mapping would not reach a trained Fashion-MNIST
            // accuracy
            assertTrue(accuracy > 0.85, "top-1 " + accuracy);
            System.out.printf(
                    "import vs TorchScript on %d images: max|diff| %.3e, max|logit| %.3g, relative %.3e%n",
                    IMAGES, maxAbsDiff, maxAbsLogit, relative);
            assertTrue(relative <= 1e-4, "relative logit difference " + relative);
        }
    }
}
