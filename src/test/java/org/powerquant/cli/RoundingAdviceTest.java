package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command notes, in one line on stderr, when PowerQuant's weights are rounded as the paper
 * does at 4 bits or fewer, and only then: any other width, rounding or method, and a command that
 * quantizes no weight, print nothing. Checked with {@code --dry-run}, which runs every check and
 * loads no model.
 */
class RoundingAdviceTest {

    private static final List<String> ROUNDINGS =
            List.of("nearest", "nearest-level", "error-aware");

    @TempDir Path dir;

    private UnreadInputs inputs;

    @BeforeEach
    void inputs() throws IOException {
        inputs = UnreadInputs.in(dir);
    }

    private CliRun dryRun(String command, String... more) {
        CliRun run = inputs.dryRun(command, more);
        assertEquals(0, run.exitCode(), run.out() + run.err());
        return run;
    }

    private static boolean noted(CliRun run) {
        long notes = run.err().lines().filter(RoundingAdvice.NOTE::equals).count();
        assertEquals(notes, run.err().lines().count(), "nothing but the note: " + run.err());
        return notes == 1;
    }

    @Test
    void quantizeAndEvaluateNoteThePapersRoundingAtFourBitsOrFewerWithThePowerMethodOnly() {
        for (String command : List.of("quantize", "evaluate")) {
            for (int bits = 2; bits <= 8; bits++) {
                for (String rounding : ROUNDINGS) {
                    for (String method : List.of("power", "uniform")) {
                        CliRun run =
                                dryRun(
                                        command,
                                        "--weight-bits",
                                        String.valueOf(bits),
                                        "--rounding",
                                        rounding,
                                        "--method",
                                        method);
                        boolean expected =
                                bits <= 4 && rounding.equals("nearest") && method.equals("power");
                        assertEquals(
                                expected,
                                noted(run),
                                command + " w" + bits + " " + rounding + " " + method);
                    }
                }
            }
        }
    }

    @Test
    void theDefaultsNoteItAndASizeBudgetThatMayGiveFourBitsNotesItToo() {
        assertEquals(true, noted(dryRun("quantize", "--weight-bits", "4")));
        assertEquals(false, noted(dryRun("quantize", "--weight-bits", "5")));
        assertEquals(true, noted(dryRun("quantize", "--weight-bits", "5", "--size-budget", "5.5")));
        assertEquals(
                false, noted(dryRun("quantize", "--weight-bits", "6", "--size-budget", "6.5")));
        assertEquals(false, noted(dryRun("evaluate")));
    }

    @Test
    void aRunRefusedAfterItsOptionsWereCheckedSaysOnlyItsRefusal() throws IOException {
        Path garbage =
                java.nio.file.Files.writeString(
                        dir.resolve("not-torchscript.pt"), "this is not a TorchScript archive");
        for (String bits : List.of("3", "4")) {
            CliRun run =
                    CliRun.of(
                            "quantize",
                            "--model",
                            garbage.toString(),
                            "--weight-bits",
                            bits,
                            "--output",
                            dir.resolve("out-w" + bits + ".pt").toString());
            assertEquals(2, run.exitCode(), run.err());
            assertEquals(1, run.err().lines().count(), "one line: " + run.err());
            assertEquals(false, run.err().contains("note:"), run.err());
        }
    }

    @Test
    void compareAndDemoNoteItWhenAnySettingHasFourBitsOrFewerAndPowerRuns() {
        assertEquals(true, noted(dryRun("compare", "--settings", "fp32,w6,w4a8")));
        assertEquals(false, noted(dryRun("compare", "--settings", "fp32,w8,w5a4")));
        assertEquals(
                false, noted(dryRun("compare", "--settings", "w3", "--rounding", "error-aware")));
        assertEquals(
                false, noted(dryRun("compare", "--settings", "w2,w3", "--methods", "uniform")));
        assertEquals(true, noted(dryRun("compare", "--settings", "w5b4.5")));
        assertEquals(false, noted(dryRun("compare", "--settings", "w6b5.5")));
        assertEquals(false, noted(dryRun("demo", "--settings", "w3")));
        assertEquals(true, noted(dryRun("demo", "--settings", "w3", "--rounding", "nearest")));
    }
}
