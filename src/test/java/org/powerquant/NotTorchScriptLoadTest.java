package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.transform.PowerQuantTransform;

/**
 * {@link PowerQuant#loadQuantized} with a criteria whose local model path is not TorchScript, and
 * {@link PowerQuant#importQuantized} with such a file, refuse it in one line naming the file and
 * saying what it is. The criteria path gave the engine's "PytorchStreamReader failed locating file
 * constants.pkl: file not found" (an {@code EngineException} naming nothing), and the import path
 * said "it was saved by torch.save ..." without the file.
 */
class NotTorchScriptLoadTest {

    @TempDir Path dir;

    private final PowerQuantTransform w4 = PowerQuantTransform.builder().weightBits(4).build();

    /** A zip laid out as {@code torch.save} writes one: data.pkl, no constants.pkl, no code. */
    private static Path torchSaved(Path file) throws IOException {
        String root = file.getFileName().toString().replace(".pt", "") + "/";
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : List.of("data.pkl", "version", "data/0")) {
                zip.putNextEntry(new ZipEntry(root + entry));
                zip.write(new byte[] {(byte) 0x80, 2, '.'});
                zip.closeEntry();
            }
        }
        return file;
    }

    private static Criteria<NDList, NDList> criteria(Path modelPath) {
        return Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(modelPath)
                .optEngine("PyTorch")
                .optTranslator(new NoopTranslator())
                .build();
    }

    private MalformedModelException refusal(Path modelPath) {
        return assertThrows(
                MalformedModelException.class,
                () -> PowerQuant.loadQuantized(criteria(modelPath), w4).close());
    }

    private static void assertOneLineNaming(Path file, String what, Exception e) {
        String message = e.getMessage();
        assertTrue(message.startsWith(file + " cannot be loaded as a TorchScript model"), message);
        assertTrue(message.contains(what), message);
        assertEquals(1, message.lines().count(), message);
    }

    @Test
    void aTorchSaveFileGivenAsTheCriteriaPathIsRefusedNamingIt() throws IOException {
        Path file = torchSaved(dir.resolve("state_dict.pt"));
        assertOneLineNaming(file, "saved by torch.save", refusal(file));
    }

    @Test
    void aTorchSaveFileInTheCriteriaFolderIsRefusedNamingIt() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("resnet"));
        Path file = torchSaved(folder.resolve("resnet.pt"));
        assertOneLineNaming(file, "saved by torch.save", refusal(folder));
    }

    @Test
    void aTextFileOrAnEmptyFileIsRefusedNamingIt() throws IOException {
        Path text = Files.writeString(dir.resolve("model.pt"), "not a model\n");
        assertOneLineNaming(text, "not a zip archive", refusal(text));
        Path empty = Files.createFile(dir.resolve("empty.pt"));
        assertOneLineNaming(empty, "not a zip archive", refusal(empty));
    }

    @Test
    void theImportPathNamesTheFileToo() throws IOException {
        Path file = torchSaved(dir.resolve("state_dict.pt"));
        MalformedModelException e =
                assertThrows(
                        MalformedModelException.class,
                        () -> PowerQuant.importQuantized(file, w4, Device.cpu()).close());
        assertOneLineNaming(file, "saved by torch.save", e);
    }
}
