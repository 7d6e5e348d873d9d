package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.MalformedModelException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.importer.TorchScriptArchiveWriter.Module;
import org.powerquant.importer.TorchScriptArchiveWriter.Tensor;

/**
 * Specification of {@link TorchScriptArchive} on archives written like torch.jit.save writes them.
 */
class TorchScriptArchiveTest {

    @TempDir Path dir;

    /** A random tensor laid out in storage with permuted (non-contiguous) strides and an offset. */
    private record Case(Tensor tensor, float[] expected) {}

    private static Case randomCase(Random rnd) {
        int rank = rnd.nextInt(5);
        long[] shape = new long[rank];
        int numel = 1;
        for (int d = 0; d < rank; d++) {
            shape[d] = 1L + rnd.nextInt(4);
            numel *= (int) shape[d];
        }
        List<Integer> order = new ArrayList<>();
        for (int d = 0; d < rank; d++) {
            order.add(d);
        }
        Collections.shuffle(order, rnd);
        long[] stride = new long[rank];
        long s = 1;
        for (int i = rank - 1; i >= 0; i--) {
            stride[order.get(i)] = s;
            s *= shape[order.get(i)];
        }
        int offset = rnd.nextInt(4);
        String type = List.of("FloatStorage", "DoubleStorage", "LongStorage").get(rnd.nextInt(3));
        double[] storage = new double[offset + numel + rnd.nextInt(3)];
        float[] expected = new float[numel];
        long[] index = new long[rank];
        for (int i = 0; i < numel; i++) {
            double v =
                    "LongStorage".equals(type)
                            ? rnd.nextInt(2001) - 1000
                            : (float) rnd.nextGaussian();
            expected[i] = (float) v;
            long at = offset;
            for (int d = 0; d < rank; d++) {
                at += index[d] * stride[d];
            }
            storage[(int) at] = v;
            for (int d = rank - 1; d >= 0 && ++index[d] == shape[d]; d--) {
                index[d] = 0;
            }
        }
        return new Case(new Tensor(type, storage, offset, shape, stride), expected);
    }

    @Test
    void readsStridedTensorsOfEveryStorageTypeInRowMajorOrder() throws Exception {
        Random rnd = new Random(42);
        List<Case> cases = new ArrayList<>();
        Module root = new Module("__torch__.Net").put("training", true);
        for (int i = 0; i < 200; i++) {
            Case c = randomCase(rnd);
            cases.add(c);
            root.put("t" + i, c.tensor());
        }
        Path file = ResNetArchives.write(root, dir.resolve("strided.pt"));
        TorchScriptArchive archive = TorchScriptArchive.read(file);
        assertEquals(cases.size(), archive.getTensors().size());
        for (int i = 0; i < cases.size(); i++) {
            TorchTensor t = archive.getTensor("t" + i);
            assertArrayEquals(cases.get(i).tensor().shape(), t.shape(), "t" + i);
            assertArrayEquals(cases.get(i).expected(), t.values(), "t" + i);
            assertEquals(cases.get(i).tensor().storageType(), t.dtype());
        }
    }

    @Test
    void exposesNestedModulesUnmangledWithDottedTensorNamesInOrder() throws Exception {
        Module bn =
                new Module("__torch__.torch.nn.modules.batchnorm.___torch_mangle_7.BatchNorm2d")
                        .put("weight", Tensor.of(new float[] {1, 2}, 2))
                        .put("running_var", Tensor.of(new float[] {3, 4}, 2));
        Module block =
                new Module("__torch__.torchvision.models.resnet.___torch_mangle_9.BasicBlock")
                        .put("bn1", bn)
                        .put("relu", new Module("__torch__.torch.nn.modules.activation.ReLU"));
        Module seq = new Module("__torch__.torch.nn.modules.container.Sequential").put("0", block);
        Module root =
                new Module("__torch__.M")
                        .put("training", false)
                        .put("layer1", seq)
                        .put("bias", null);
        TorchScriptArchive archive =
                TorchScriptArchive.read(ResNetArchives.write(root, dir.resolve("m.pt")));

        assertEquals(
                List.of("", "layer1", "layer1.0", "layer1.0.bn1", "layer1.0.relu"),
                new ArrayList<>(archive.getModules().keySet()));
        assertEquals(
                "__torch__.torchvision.models.resnet.BasicBlock",
                archive.getModules().get("layer1.0").className());
        assertEquals("BatchNorm2d", archive.getModules().get("layer1.0.bn1").simpleClassName());
        assertEquals(
                List.of("layer1.0.bn1.weight", "layer1.0.bn1.running_var"),
                new ArrayList<>(archive.getTensors().keySet()));
        assertArrayEquals(
                new float[] {3, 4}, archive.getTensor("layer1.0.bn1.running_var").values());
        IllegalArgumentException missing =
                assertThrows(IllegalArgumentException.class, () -> archive.getTensor("nope"));
        assertTrue(missing.getMessage().contains("m.pt"));
    }

    @Test
    void badArchivesFailWithOneLineMessageNamingTheFile() throws Exception {
        Path notZip = dir.resolve("random.pt");
        byte[] noise = new byte[1000];
        new Random(1).nextBytes(noise);
        Files.write(notZip, noise);

        Path noPickle = dir.resolve("nopickle.pt");
        try (OutputStream out = Files.newOutputStream(noPickle);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("x/version"));
            zip.write('3');
            zip.closeEntry();
        }

        Path badPickle = dir.resolve("badpickle.pt");
        try (OutputStream out = Files.newOutputStream(badPickle);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("x/data.pkl"));
            zip.write(new byte[] {(byte) 0x80, 2, 'c', 'a'});
            zip.closeEntry();
        }

        Path missingStorage = dir.resolve("nostorage.pt");
        Module root = new Module("__torch__.M").put("w", Tensor.of(new float[] {1, 2, 3}, 3));
        ResNetArchives.write(root, missingStorage);
        try (var fs = java.nio.file.FileSystems.newFileSystem(missingStorage)) {
            Files.delete(fs.getPath("model/data/0"));
        }

        for (Path bad : List.of(notZip, noPickle, badPickle, missingStorage)) {
            MalformedModelException e =
                    assertThrows(
                            MalformedModelException.class,
                            () -> TorchScriptArchive.read(bad),
                            bad.toString());
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
        IOException absent =
                assertThrows(
                        IOException.class, () -> TorchScriptArchive.read(dir.resolve("absent.pt")));
        assertTrue(absent.getMessage().contains("absent.pt"));
    }

    @Test
    void onlyATorchScriptArchivePassesTheCheckBeforeLoading() throws Exception {
        TorchScriptArchive.checkTorchScript(
                Path.of(TorchScriptArchiveTest.class.getResource("tiny_resnet.pt").toURI()));
        Path saved = dir.resolve("state_dict.pt");
        try (OutputStream out = Files.newOutputStream(saved);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : List.of("state_dict/data.pkl", "state_dict/version")) {
                zip.putNextEntry(new ZipEntry(entry));
                zip.write('3');
                zip.closeEntry();
            }
        }
        MalformedModelException torchSave =
                assertThrows(
                        MalformedModelException.class,
                        () -> TorchScriptArchive.checkTorchScript(saved));
        assertTrue(torchSave.getMessage().contains("saved by torch.save"), torchSave.getMessage());
        Path text = Files.writeString(dir.resolve("notes.pt"), "not a model");
        MalformedModelException noZip =
                assertThrows(
                        MalformedModelException.class,
                        () -> TorchScriptArchive.checkTorchScript(text));
        assertTrue(noZip.getMessage().contains("not a zip archive"), noZip.getMessage());
    }
}
