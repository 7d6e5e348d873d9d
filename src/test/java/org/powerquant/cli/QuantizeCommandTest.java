package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input to {@code quantize}: one line naming the culprit, exit code 2, nothing written. */
class QuantizeCommandTest {

    @TempDir Path dir;

    private void assertRefused(CliRun run, String culprit) throws IOException {
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.err());
        String message = run.errorLines();
        assertEquals(1, message.lines().count(), "one line, got: " + message);
        assertTrue(message.contains(culprit), "the message names " + culprit + ": " + message);
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(
                    0,
                    files.filter(f -> !f.getFileName().toString().startsWith("input")).count(),
                    "nothing is written");
        }
    }

    @Test
    void missingModelIsRefused() throws IOException {
        Path missing = dir.resolve("input-missing.pt");
        assertRefused(
                CliRun.of(
                        "quantize",
                        "--model",
                        missing.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        dir.resolve("out.pt").toString(),
                        "--report",
                        dir.resolve("r.json").toString()),
                missing.toString());
    }

    @Test
    void unreadableModelIsRefused() throws IOException {
        Path garbage =
                Files.writeString(
                        dir.resolve("input-garbage.pt"), "this is not a TorchScript archive");
        assertRefused(
                CliRun.of(
                        "quantize",
                        "--model",
                        garbage.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        dir.resolve("out.pt").toString()),
                garbage.toString());
    }

    @Test
    void directoryAsModelIsRefused() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("input-folder"));
        assertRefused(
                CliRun.of("quantize", "--model", folder.toString(), "--weight-bits", "4"),
                folder.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "9", "32", "-4"})
    void bitsOutsideTwoToEightAreRefused(String bits) throws IOException {
        Path model = Files.writeString(dir.resolve("input.pt"), "x");
        assertRefused(
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        bits,
                        "--output",
                        dir.resolve("out.pt").toString()),
                "--weight-bits");
    }

    @Test
    void nonNumericBitsAreRefused() throws IOException {
        Path model = Files.writeString(dir.resolve("input.pt"), "x");
        CliRun run = CliRun.of("quantize", "--model", model.toString(), "--weight-bits", "four");
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode());
        assertTrue(run.err().contains("--weight-bits"), run.err());
    }

    @Test
    void outputInMissingDirectoryIsRefused() throws IOException {
        Path model = Files.writeString(dir.resolve("input.pt"), "x");
        Path output = dir.resolve("no-such-dir/out.pt");
        assertRefused(
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        output.toString()),
                "--output");
        assertFalse(Files.exists(output));
    }

    @Test
    void reportInMissingDirectoryIsRefused() throws IOException {
        Path model = Files.writeString(dir.resolve("input.pt"), "x");
        assertRefused(
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--report",
                        dir.resolve("nowhere/r.json").toString()),
                "--report");
    }

    @ParameterizedTest
    @CsvSource({"--method,magic", "--rounding,bogus"})
    void unknownWordsAreRefusedNamingTheirFlag(String flag, String word) throws IOException {
        Path model = Files.writeString(dir.resolve("input.pt"), "x");
        CliRun run =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        dir.resolve("out.pt").toString(),
                        flag,
                        word);
        assertRefused(run, flag);
        assertTrue(run.errorLines().contains(word), run.errorLines());
    }

    @Test
    void overwritingTheInputIsRefused() throws IOException {
        Path model = Files.writeString(dir.resolve("input.pt"), "x");
        assertRefused(
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        model.toString()),
                "--output");
        assertEquals("x", Files.readString(model));
    }
}
