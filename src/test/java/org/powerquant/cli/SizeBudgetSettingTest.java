package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare} and {@code demo} take mixed precision as a setting, {@code wBbS}: a budget the
 * base width allows passes every check, one it does not is refused in one line naming {@code
 * --settings}, and {@code --size-budget}, which they do not take, is refused saying how to write
 * the setting.
 */
class SizeBudgetSettingTest {

    @TempDir Path dir;

    private UnreadInputs inputs;

    @BeforeEach
    void inputs() throws IOException {
        inputs = UnreadInputs.in(dir);
    }

    private static void assertRefused(CliRun run, String... named) {
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), "exactly one line: " + run.err());
        for (String text : named) {
            assertTrue(run.err().contains(text), text + " named: " + run.err());
        }
    }

    @Test
    void compareAndDemoTakeASizeBudgetAsASetting() {
        for (String command : new String[] {"compare", "demo"}) {
            CliRun run = inputs.dryRun(command, "--settings", "fp32,w4,w4b3.5,w4b4.25a4");
            assertEquals(0, run.exitCode(), run.out() + run.err());
            assertRefused(
                    inputs.dryRun(command, "--settings", "w4b2.5"),
                    "--settings",
                    "'w4b2.5'",
                    "between 3 and 8");
            assertRefused(
                    inputs.dryRun(command, "--settings", "w4", "--size-budget", "4.25"),
                    "--size-budget",
                    "w4b4.25");
        }
    }
}
