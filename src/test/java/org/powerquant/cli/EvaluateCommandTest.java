package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.eval.Fixtures;

/**
 * Bad input to {@code evaluate} and {@code compare}: one line naming the culprit and exit code 2,
 * before any model is loaded (the model file here is a placeholder that is never read).
 */
class EvaluateCommandTest {

    @TempDir Path dir;

    private Path model;

    @BeforeEach
    void placeholderModel() throws IOException {
        model = Files.writeString(dir.resolve("model.pt"), "never loaded: data errors come first");
    }

    private static void assertRefused(CliRun run, String culprit) {
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
        String message = run.errorLines();
        assertEquals(1, message.lines().count(), "one line, got: " + message);
        assertTrue(message.contains(culprit), "the message names " + culprit + ": " + message);
    }

    private CliRun evaluate(String dataset, String... more) {
        String[] base = {"evaluate", "--model", model.toString(), "--dataset", dataset, "--quiet"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.of(args);
    }

    @Test
    void missingFolderIsRefused() {
        Path missing = dir.resolve("no-such-folder");
        assertRefused(evaluate(missing.toString()), missing.toString());
    }

    @Test
    void emptyDataSetIsRefused() throws IOException {
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertRefused(evaluate("folder:" + empty), empty.toString());
    }

    @Test
    void labelCountDifferentFromImageCountIsRefused() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {3, 2, 2}, new byte[12], true);
        Fixtures.writeIdx(labels, new int[] {4}, new byte[4], true);
        assertRefused(evaluate("idx:" + images + "," + labels), "labels.gz");
    }

    @Test
    void missingModelIsRefused() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {1, 2, 2}, new byte[4], true);
        Fixtures.writeIdx(labels, new int[] {1}, new byte[1], true);
        Path missing = dir.resolve("missing.pt");
        assertRefused(
                CliRun.of(
                        "evaluate",
                        "--model",
                        missing.toString(),
                        "--dataset",
                        "idx:" + images + "," + labels),
                missing.toString());
    }

    @Test
    void badOptionsAreRefused() {
        assertRefused(evaluate(dir.toString(), "--weight-bits", "12"), "--weight-bits");
        assertRefused(evaluate(dir.toString(), "--device", "tpu"), "--device");
        assertRefused(evaluate(dir.toString(), "--batch-size", "0"), "--batch-size");
        assertRefused(evaluate(dir.toString(), "--channels", "2"), "--channels");
        assertRefused(
                evaluate(dir.toString(), "--json", dir.resolve("x/y.json").toString()), "--json");
    }

    @Test
    void compareRefusesBadSettingsAndOutputs() {
        assertRefused(
                CliRun.of(
                        "compare",
                        "--model",
                        model.toString(),
                        "--dataset",
                        dir.toString(),
                        "--settings",
                        "fp32,w9"),
                "--settings");
        assertRefused(
                CliRun.of(
                        "compare",
                        "--model",
                        model.toString(),
                        "--dataset",
                        dir.toString(),
                        "--settings",
                        "fp32,x4"),
                "--settings");
        assertRefused(
                CliRun.of(
                        "compare",
                        "--model",
                        model.toString(),
                        "--dataset",
                        dir.toString(),
                        "--methods",
                        "power,magic"),
                "--methods");
        assertRefused(
                CliRun.of(
                        "compare",
                        "--model",
                        model.toString(),
                        "--dataset",
                        dir.toString(),
                        "--plot",
                        dir.resolve("nowhere/p.png").toString()),
                "--plot");
    }
}
