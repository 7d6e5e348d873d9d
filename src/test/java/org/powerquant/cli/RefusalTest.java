package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One refusal path for every command: exactly one stderr line naming the flag and why, exit 2, no
 * usage dump; garbage numbers are refused before any work.
 */
class RefusalTest {

    @TempDir Path dir;

    private Path model;
    private String dataset;

    @BeforeEach
    void inputs() throws IOException {
        UnreadInputs inputs = UnreadInputs.in(dir);
        model = inputs.model();
        dataset = inputs.dataset();
    }

    private CliRun run(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command));
        if (!command.equals("demo")) {
            args.addAll(List.of("--model", model.toString()));
        }
        if (command.equals("evaluate") || command.equals("compare")) {
            args.addAll(List.of("--dataset", dataset));
        }
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }

    private static void assertOneLine(CliRun run, String flag) {
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.out() + run.err());
        assertEquals(1, run.err().lines().count(), "exactly one line: " + run.err());
        assertTrue(run.err().contains(flag), flag + " named: " + run.err());
        assertFalse(run.err().contains("Usage"), run.err());
    }

    @Test
    void aPathThatIsNotWhatItsFlagTakesIsNamedForWhatItIs() throws IOException {
        Path plain = Files.createDirectory(dir.resolve("not-an-artifact"));
        CliRun directory = CliRun.of("evaluate", "--model", plain.toString(), "--dataset", dataset);
        assertOneLine(directory, "--model");
        assertTrue(directory.err().contains("without powerquant.json"), directory.err());

        Path missing = dir.resolve("missing");
        CliRun inspect = CliRun.of("inspect", missing.toString());
        assertOneLine(inspect, missing.toString());
        assertTrue(inspect.err().contains("does not exist"), inspect.err());

        CliRun calibration =
                run(
                        "quantize",
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "4",
                        "--image-size",
                        "28",
                        "--calibration",
                        model.toString(),
                        "--output",
                        dir.resolve("q").toString());
        assertOneLine(calibration, "--calibration");
        assertTrue(
                calibration.err().contains("is a file, not a data set folder"), calibration.err());
    }

    @Test
    void aTorchScriptOutputOfAnyCaseHoldsWeightsOnly() {
        for (String name : List.of("q.pt", "q.PT")) {
            CliRun run =
                    run(
                            "quantize",
                            "--weight-bits",
                            "4",
                            "--activation-bits",
                            "4",
                            "--image-size",
                            "28",
                            "--dry-run",
                            "--output",
                            dir.resolve(name).toString());
            assertOneLine(run, "--output");
            assertTrue(run.err().contains("artifact directory, not a .pt file"), run.err());
        }
    }

    @Test
    void eachErrorLineNamesTheCommandOnceAndANakedCallListsTheCommands() {
        CliRun naked = CliRun.of();
        assertEquals(PowerQuantCli.BAD_INPUT, naked.exitCode());
        assertEquals(1, naked.err().lines().count(), naked.err());
        assertTrue(naked.err().startsWith("powerquant: error: "), naked.err());
        for (String command : List.of("quantize", "evaluate", "compare", "demo", "inspect")) {
            assertTrue(naked.err().contains(command), command + " listed: " + naked.err());
        }
        CliRun sub = run("quantize", "--no-such-flag");
        assertTrue(sub.err().startsWith("powerquant quantize: error: "), sub.err());
    }

    @Test
    void parseErrorsAreOneLineWithoutUsage() {
        for (String command : List.of("quantize", "evaluate", "compare", "demo")) {
            assertOneLine(run(command, "--no-such-flag"), "--no-such-flag");
            assertOneLine(run(command, "--seed", "twelve"), "--seed");
            assertOneLine(run(command, "--exponent-min", "low"), "--exponent-min");
        }
        assertOneLine(run("evaluate", "--batch-size", "lots"), "--batch-size");
        assertOneLine(CliRun.of("quantize", "--weight-bits", "4"), "--model");
        CliRun help = CliRun.of("evaluate", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("Usage"));
    }

    @Test
    void theHelpOfEachCommandListsOnlyTheFlagsItTakes() {
        for (String command : List.of("quantize", "evaluate", "compare", "demo")) {
            CliRun help = CliRun.of(command, "--help");
            assertEquals(0, help.exitCode(), help.err());
            boolean settings = command.equals("compare") || command.equals("demo");
            for (String flag : QuantizationMixin.BIT_WIDTHS) {
                assertEquals(!settings, help.out().contains(flag + "="), command + " " + flag);
                if (settings) {
                    assertOneLine(run(command, flag, "4", "--dry-run"), "--settings");
                }
            }
            assertTrue(help.out().contains("--rounding="), command + " keeps the other flags");
        }
    }

    @Test
    void nonFiniteAndNonsenseNumbersAreRefusedNamingTheirFlag() {
        assertOneLine(run("evaluate", "--mean", "NaN", "--dry-run"), "--mean");
        assertOneLine(run("evaluate", "--std", "Infinity", "--dry-run"), "--std");
        assertOneLine(run("evaluate", "--std", "0", "--dry-run"), "--std");
        assertOneLine(run("evaluate", "--limit", "0", "--dry-run"), "--limit");
        assertOneLine(run("demo", "--limit", "0", "--dry-run"), "--limit");
        assertOneLine(run("evaluate", "--center-crop", "0", "--dry-run"), "--center-crop");
        assertOneLine(run("evaluate", "--resize-short", "0", "--dry-run"), "--resize-short");
        assertOneLine(run("evaluate", "--image-size", "100000", "--dry-run"), "--image-size");
        assertOneLine(run("evaluate", "--image-size", "-3", "--dry-run"), "--image-size");
        assertOneLine(run("evaluate", "--channels", "2", "--dry-run"), "--channels");
        assertOneLine(run("evaluate", "--batch-size", "0", "--dry-run"), "--batch-size");
        assertOneLine(
                run("quantize", "--weight-bits", "4", "--exponent-min", "NaN", "--dry-run"),
                "--exponent-min");
        assertOneLine(
                run("quantize", "--weight-bits", "4", "--tolerance", "-1", "--dry-run"),
                "--tolerance");
        assertOneLine(
                run(
                        "quantize",
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "4",
                        "--calibration-images",
                        "0",
                        "--image-size",
                        "8",
                        "--dry-run"),
                "--calibration-images");
        assertOneLine(run("quantize", "--weight-bits", "9", "--dry-run"), "--weight-bits");
        assertOneLine(run("evaluate", "--activation-bits", "4", "--dry-run"), "--activation-bits");
        assertOneLine(run("compare", "--weight-bits", "4", "--dry-run"), "--settings");
    }

    @Test
    void aSizeBudgetOutsideItsRangeOrWhereNoWidthIsGivenIsRefusedNamingItsFlag() {
        for (String budget : List.of("2.5", "8.5", "0", "NaN", "-4")) {
            CliRun run =
                    run("quantize", "--weight-bits", "4", "--size-budget", budget, "--dry-run");
            assertOneLine(run, "--size-budget");
            assertFalse(run.err().contains("size budget"), "the flag, not the role: " + run.err());
        }
        assertOneLine(run("evaluate", "--size-budget", "4", "--dry-run"), "--size-budget");
        // compare and demo take their widths from --settings: a budget is per width
        assertOneLine(run("compare", "--size-budget", "4.25", "--dry-run"), "--settings");
        assertOneLine(run("demo", "--size-budget", "4.25", "--dry-run"), "--settings");
    }

    @Test
    void anUnknownRoundingIsRefusedNamingItsFlagByEveryCommand() {
        for (String command : List.of("quantize", "evaluate", "compare", "demo")) {
            List<String> args = new ArrayList<>(List.of("--rounding", "bogus", "--dry-run"));
            if (command.equals("quantize")) {
                args.addAll(List.of("--weight-bits", "4"));
            }
            CliRun run = run(command, args.toArray(new String[0]));
            assertOneLine(run, "--rounding");
            assertTrue(run.err().contains("bogus"), run.err());
            assertFalse(
                    run.err().contains("weight rounding"), "the flag, not the role: " + run.err());
        }
        assertEquals(
                0,
                run(
                                "quantize",
                                "--weight-bits",
                                "4",
                                "--rounding",
                                "error-aware",
                                "--clipping",
                                "--bias-correction",
                                "--dry-run")
                        .exitCode());
    }

    @Test
    void anUnknownActivationRoundingIsRefusedNamingItsFlagByEveryCommand() {
        for (String command : List.of("quantize", "evaluate", "compare", "demo")) {
            List<String> args =
                    new ArrayList<>(List.of("--activation-rounding", "midpoint", "--dry-run"));
            if (command.equals("quantize")) {
                args.addAll(List.of("--weight-bits", "4"));
            }
            CliRun run = run(command, args.toArray(new String[0]));
            assertOneLine(run, "--activation-rounding");
            assertTrue(run.err().contains("midpoint"), run.err());
            assertFalse(
                    run.err().contains("activation rounding"),
                    "the flag, not the role: " + run.err());
        }
    }

    @Test
    void theInputSizeIsAskedForInsteadOfAssumed() {
        CliRun run = run("quantize", "--weight-bits", "4", "--activation-bits", "4", "--dry-run");
        assertOneLine(run, "--image-size");
        assertTrue(run.err().contains("input size"), run.err());
        // with it, the same flags are accepted
        assertEquals(
                0,
                run(
                                "quantize",
                                "--weight-bits",
                                "4",
                                "--activation-bits",
                                "4",
                                "--image-size",
                                "4",
                                "--dry-run")
                        .exitCode());
        // bn-model calibration needs no image
        assertEquals(
                0,
                run(
                                "quantize",
                                "--weight-bits",
                                "4",
                                "--activation-bits",
                                "4",
                                "--calibration-mode",
                                "bn-model",
                                "--dry-run")
                        .exitCode());
    }

    @Test
    void aPlotWithNothingToPlotIsRefusedBeforeAnyOutputOrEvaluation() {
        Path json = dir.resolve("table.json");
        CliRun run =
                run(
                        "compare",
                        "--settings",
                        "fp32",
                        "--json",
                        json.toString(),
                        "--plot",
                        dir.resolve("p.png").toString());
        assertOneLine(run, "--plot");
        assertFalse(Files.exists(json), "nothing written");
        assertFalse(Files.exists(dir.resolve("p.png")));
    }

    @Test
    void anUnwritableOutputIsRefusedBeforeAnythingIsWritten() throws IOException {
        Path out = dir.resolve("o.pt");
        CliRun run =
                run(
                        "quantize",
                        "--weight-bits",
                        "4",
                        "--output",
                        out.toString(),
                        "--report",
                        dir.resolve("missing/r.json").toString());
        assertOneLine(run, "--report");
        assertFalse(Files.exists(out));
    }

    @Test
    void aPlotNamedForAnotherFormatThanPngIsRefused() {
        for (String name : new String[] {"chart.jpg", "chart.svg", "chart"}) {
            Path chart = dir.resolve(name);
            assertOneLine(run("compare", "--plot", chart.toString(), "--dry-run"), "--plot");
            CliRun demo = run("demo", "--plot", chart.toString(), "--dry-run");
            assertOneLine(demo, "--plot");
            assertTrue(demo.err().contains("must end in .png"), demo.err());
            assertFalse(Files.exists(chart));
        }
        assertEquals(
                0,
                run("compare", "--plot", dir.resolve("chart.PNG").toString(), "--dry-run")
                        .exitCode());
    }

    @Test
    void anOutputThatNamesNoFileIsRefusedNamingItsFlag() {
        String[][] cases = {
            {"quantize", "--weight-bits", "4", "--output", "/", "--dry-run"},
            {"quantize", "--weight-bits", "4", "--output", "", "--dry-run"},
            {"quantize", "--weight-bits", "4", "--report", "", "--dry-run"},
            {"compare", "--json", "/", "--dry-run"},
            {"evaluate", "--json", "", "--dry-run"}
        };
        for (String[] c : cases) {
            CliRun run = run(c[0], java.util.Arrays.copyOfRange(c, 1, c.length));
            String flag = c[c.length - 3];
            assertOneLine(run, flag);
            assertTrue(run.err().contains("name the file to write"), run.err());
        }
    }
}
