package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model file that is not TorchScript is refused by every command that loads one, in one line
 * saying what it is instead: a file {@code torch.save} wrote (the usual mistake: a {@code
 * state_dict} or a pickled module, a zip like TorchScript's without its code) and how to save it as
 * TorchScript, or a file that is no zip at all. The engine's words were "PytorchStreamReader failed
 * locating file constants.pkl" and "failed finding central directory".
 */
class NotTorchScriptRefusalTest {

    @TempDir Path dir;

    /** Writes a zip laid out as {@code torch.save} writes one: no constants.pkl, no code. */
    static Path torchSaved(Path file) throws IOException {
        String root = file.getFileName().toString().replace(".pt", "") + "/";
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String entry : List.of("data.pkl", "version", "data/0")) {
                zip.putNextEntry(new ZipEntry(root + entry));
                zip.write(
                        entry.equals("version")
                                ? new byte[] {'3', '\n'}
                                : new byte[] {(byte) 0x80, 2, '.'});
                zip.closeEntry();
            }
        }
        return file;
    }

    private List<CliRun> everyCommandOn(Path model, String dataset) {
        List<CliRun> runs = new ArrayList<>();
        String m = model.toString();
        String[] pre = {"--image-size", "4", "--channels", "1", "--mean", "0.5", "--std", "0.5"};
        runs.add(CliRun.of(concat(new String[] {"quantize", "--model", m, "--weight-bits", "4"})));
        // an artifact output takes the import path
        runs.add(
                CliRun.of(
                        "quantize",
                        "--model",
                        m,
                        "--weight-bits",
                        "4",
                        "--output",
                        dir.resolve("artifact").toString()));
        runs.add(
                CliRun.of(
                        concat(
                                new String[] {
                                    "quantize",
                                    "--model",
                                    m,
                                    "--weight-bits",
                                    "4",
                                    "--activation-bits",
                                    "4"
                                },
                                pre)));
        runs.add(
                CliRun.of(
                        concat(
                                new String[] {"evaluate", "--model", m, "--dataset", dataset},
                                pre)));
        runs.add(
                CliRun.of(
                        concat(
                                new String[] {
                                    "compare",
                                    "--model",
                                    m,
                                    "--dataset",
                                    dataset,
                                    "--settings",
                                    "w4"
                                },
                                pre)));
        return runs;
    }

    private static String[] concat(String[]... parts) {
        List<String> all = new ArrayList<>();
        for (String[] p : parts) {
            all.addAll(List.of(p));
        }
        return all.toArray(new String[0]);
    }

    @Test
    void aFileTorchSaveWroteIsRefusedSayingHowToSaveTorchScript() throws IOException {
        UnreadInputs inputs = UnreadInputs.in(dir);
        Path saved = torchSaved(dir.resolve("state_dict.pt"));
        for (CliRun run : everyCommandOn(saved, inputs.dataset())) {
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("--model "), run.err());
            // the file is named once (quantize through the import path named it twice)
            assertTrue(run.err().split(Pattern.quote(saved.toString()), -1).length <= 2, run.err());
            // every command says it in the words the README quotes, naming the model as given
            assertTrue(
                    run.err()
                            .contains(
                                    "--model "
                                            + saved
                                            + " cannot be loaded as a TorchScript model: it was"
                                            + " saved by torch.save"),
                    run.err());
            assertTrue(run.err().contains("torch.jit.save(torch.jit.trace("), run.err());
        }
    }

    @Test
    void aFileThatIsNoZipIsRefusedSayingSo() throws IOException {
        UnreadInputs inputs = UnreadInputs.in(dir);
        for (CliRun run : everyCommandOn(inputs.model(), inputs.dataset())) {
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
            assertEquals(1, run.err().strip().lines().count(), run.err());
            assertTrue(run.err().contains("not a TorchScript file (not a zip archive"), run.err());
        }
    }
}
