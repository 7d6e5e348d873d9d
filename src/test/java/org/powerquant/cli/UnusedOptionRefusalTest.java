package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An option that nothing would use is refused in one line naming it, as its siblings are: every
 * quantization option without weight bits, {@code --seed} without a synthetic calibration, {@code
 * --calibration-images} without {@code --calibration}, the exponent search's options where only the
 * uniform method runs. They used to be accepted and ignored.
 */
class UnusedOptionRefusalTest {

    @TempDir Path dir;

    private UnreadInputs inputs;
    private String dataset;

    @BeforeEach
    void inputs() throws IOException {
        inputs = UnreadInputs.in(dir);
        dataset = inputs.dataset();
    }

    /** Runs a command with --dry-run, which ends with exit 0 after every check. */
    private CliRun run(String command, String... more) {
        return inputs.dryRun(command, more);
    }

    private static void assertRefused(CliRun run, String... named) {
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), "exactly one line: " + run.err());
        for (String text : named) {
            assertTrue(run.err().contains(text), text + " named: " + run.err());
        }
    }

    private static void assertAccepted(CliRun run) {
        assertEquals(0, run.exitCode(), run.out() + run.err());
    }

    @Test
    void evaluateWithoutWeightBitsRefusesEveryQuantizationOptionGiven() {
        CliRun run =
                run(
                        "evaluate",
                        "--clipping",
                        "--per-tensor",
                        "--method",
                        "uniform",
                        "--skip",
                        "fc.*",
                        "--bias-correction",
                        "--tolerance",
                        "0.5",
                        "--rounding",
                        "error-aware",
                        "--exponent-min",
                        "0.3",
                        "--exponent-max",
                        "0.9",
                        "--seed",
                        "5");
        assertRefused(
                run,
                "--clipping, --per-tensor, --method, --skip, --bias-correction, --tolerance,"
                        + " --rounding, --exponent-min, --exponent-max, --seed need --weight-bits");
        assertRefused(run("evaluate", "--clipping"), "--clipping needs --weight-bits");
        assertAccepted(run("evaluate"));
        assertAccepted(run("evaluate", "--weight-bits", "4", "--clipping", "--per-tensor"));
    }

    @Test
    void theSeedIsRefusedWhereNoSyntheticCalibrationRuns() {
        for (String command : List.of("quantize", "evaluate")) {
            assertRefused(
                    run(command, "--weight-bits", "4", "--seed", "5"),
                    "--seed",
                    "without --activation-bits");
            assertRefused(
                    run(
                            command,
                            "--weight-bits",
                            "4",
                            "--activation-bits",
                            "4",
                            "--calibration",
                            dataset,
                            "--seed",
                            "5"),
                    "--seed",
                    "calibration mode data");
            assertRefused(
                    run(
                            command,
                            "--weight-bits",
                            "4",
                            "--activation-bits",
                            "4",
                            "--calibration-mode",
                            "bn-model",
                            "--seed",
                            "5"),
                    "--seed",
                    "calibration mode bn-model");
            assertAccepted(
                    run(command, "--weight-bits", "4", "--activation-bits", "4", "--seed", "5"));
        }
        assertRefused(
                run("compare", "--settings", "fp32,w4", "--seed", "5"),
                "--seed",
                "a setting with activation bits in --settings");
        assertAccepted(run("compare", "--settings", "fp32,w4,w4a4", "--seed", "5"));
    }

    @Test
    void calibrationImagesAreRefusedWithoutCalibrationData() {
        for (String command : List.of("quantize", "evaluate")) {
            assertRefused(
                    run(command, "--weight-bits", "4", "--calibration-images", "10"),
                    "--calibration-images needs --calibration");
            assertRefused(
                    run(
                            command,
                            "--weight-bits",
                            "4",
                            "--activation-bits",
                            "4",
                            "--calibration-images",
                            "10"),
                    "--calibration-images needs --calibration");
            assertAccepted(
                    run(
                            command,
                            "--weight-bits",
                            "4",
                            "--activation-bits",
                            "4",
                            "--calibration",
                            dataset,
                            "--calibration-images",
                            "10"));
        }
    }

    @Test
    void aComparisonOfFloatAloneRefusesQuantizationOptions() {
        assertRefused(
                run("compare", "--settings", "fp32", "--clipping"),
                "--clipping needs a quantized setting in --settings");
        assertAccepted(run("compare", "--settings", "fp32,w4", "--clipping"));
    }

    @Test
    void theExponentSearchOptionsAreRefusedWhereOnlyTheUniformMethodRuns() {
        for (String option : List.of("--exponent-min", "--exponent-max", "--tolerance")) {
            String value =
                    switch (option) {
                        case "--exponent-min" -> "0.3";
                        case "--exponent-max" -> "0.9";
                        default -> "0.01";
                    };
            for (String command : List.of("quantize", "evaluate")) {
                assertRefused(
                        run(command, "--weight-bits", "4", "--method", "uniform", option, value),
                        option + " sets the power method's exponent search");
                assertAccepted(run(command, "--weight-bits", "4", option, value));
                assertAccepted(
                        run(command, "--weight-bits", "4", "--method", "power", option, value));
            }
            assertRefused(
                    run("compare", "--settings", "w4", "--methods", "uniform", option, value),
                    option,
                    "uniform method alone");
            assertRefused(
                    run("demo", "--settings", "w4", "--methods", "uniform", option, value),
                    option,
                    "uniform method alone");
            assertAccepted(
                    run(
                            "compare",
                            "--settings",
                            "w4",
                            "--methods",
                            "uniform,power",
                            option,
                            value));
        }
        assertRefused(
                run(
                        "quantize",
                        "--weight-bits",
                        "4",
                        "--method",
                        "uniform",
                        "--exponent-min",
                        "0.3",
                        "--tolerance",
                        "0.01"),
                "--exponent-min, --tolerance set the power method's exponent search");
    }
}
