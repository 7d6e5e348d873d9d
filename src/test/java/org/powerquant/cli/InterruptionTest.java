package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.SharedFixtures;
import org.powerquant.io.OutputSet;

/**
 * An interrupted command line rolls back what it staged and ends at once with {@code 128 + signal},
 * without the JVM's exit (whose C exit handlers, libtorch's static destructors among them, ran
 * under a thread still inside libtorch and crashed the JVM during the synthetic calibration).
 */
class InterruptionTest {

    @TempDir Path dir;

    @Test
    void anInterruptionRollsBackWhatIsStagedKeepsWhatWasCommittedAndExitsWith128PlusTheSignal()
            throws IOException {
        List<Integer> exits = new ArrayList<>();
        Interruption interruption = new Interruption(exits::add);
        Path kept = dir.resolve("kept.json");
        try (OutputSet committed = interruption.outputs()) {
            committed.file(kept, staged -> Files.writeString(staged, "committed"));
            committed.commit();
        }
        Path old = dir.resolve("model");
        Files.createDirectory(old);
        Files.writeString(old.resolve("w.params"), "old");
        OutputSet open = interruption.outputs();
        Path staged = open.directory(old);
        Files.writeString(staged.resolve("w.params"), "half written");
        Path report = open.file(dir.resolve("report.json"));
        Files.writeString(report, "half written");

        interruption.interrupted(15);

        assertEquals(List.of(143), exits, "ended once, with 128 + SIGTERM");
        assertEquals(List.of("kept.json", "model"), names(), "nothing staged is left");
        assertEquals("committed", Files.readString(kept));
        assertEquals("old", Files.readString(old.resolve("w.params")), "the old output stands");
        assertFalse(Files.exists(dir.resolve("report.json")));
    }

    @Test
    void aJvmThatKeepsTheSignalsToItselfStillRunsTheCommandLine() throws Exception {
        List<String> command = CliRun.inChildJvm("--version");
        command.add(1, "-Xrs"); // the JVM reserves SIGINT, SIGTERM and SIGHUP
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command ended");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("powerquant-djl"), out);
    }

    @Test
    void aSignalDuringTheSyntheticCalibrationEndsTheCommandWithoutACrashOrAnOutput()
            throws Exception {
        Path model = SharedFixtures.resnet18();
        Path output = dir.resolve("out");
        Process p =
                new ProcessBuilder(
                                CliRun.inChildJvm(
                                        "quantize",
                                        "--model",
                                        model.toString(),
                                        "--weight-bits",
                                        "4",
                                        "--activation-bits",
                                        "4",
                                        "--image-size",
                                        "64",
                                        "--output",
                                        output.toString()))
                        .directory(dir.toFile())
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader err =
                new BufferedReader(
                        new InputStreamReader(p.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = err.readLine()) != null) {
                lines.add(line);
                if (line.startsWith("calibrating")) {
                    // inside the distillation's autograd steps
                    Thread.sleep(1500);
                    p.toHandle().destroy(); // SIGTERM, the streams left open
                }
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command ended");
        } finally {
            p.destroyForcibly();
        }
        assertTrue(
                lines.stream().anyMatch(l -> l.startsWith("calibrating")),
                "the signal came during the calibration: " + lines);
        assertFalse(
                lines.stream().anyMatch(l -> l.startsWith("activations calibrated")),
                "the signal came during the calibration: " + lines);
        assertEquals(143, p.exitValue(), String.join("\n", lines));
        assertEquals(List.of(), names(), "no output, no hs_err_pid*.log: " + lines);
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }
}
