package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
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

/**
 * An output that cannot be written (a full disk) is named in the one error line, as the user gave
 * it: the write fails on a hidden staged path, and the line used to be the bare reason ("powerquant
 * quantize: error: File too large"). The disk is "full" through the file size limit ({@code ulimit
 * -f 0}: every write to a file fails, as on a full disk, with EFBIG instead of ENOSPC), so the
 * command runs in a child process.
 */
class OutputFailureTest {

    @TempDir Path dir;

    @Test
    void aFailedWriteNamesTheOutputAndLeavesNoTemporary() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh and ulimit");
        Path model = SharedFixtures.resnet18();
        Path output = dir.resolve("resnet18-w4.pt");
        List<String> command =
                new ArrayList<>(List.of("/bin/sh", "-c", "ulimit -f 0 && exec \"$0\" \"$@\""));
        command.addAll(
                CliRun.inChildJvm(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        output.toString(),
                        "--quiet"));
        Process p =
                new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command ended");
        List<String> errors = err.lines().filter(l -> !l.startsWith("[W")).toList();
        assertEquals(
                List.of("powerquant quantize: error: cannot write " + output + ": File too large"),
                errors,
                err);
        assertEquals(PowerQuantCli.BAD_INPUT, p.exitValue(), err);
        assertEquals(List.of(), names(), "no staged file or writer's temporary is left");
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toList());
        }
    }
}
