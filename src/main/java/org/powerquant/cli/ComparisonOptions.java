package org.powerquant.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.eval.ComparisonChart;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.io.OutputSet;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine.Option;

/**
 * The options {@code compare} and {@code demo} share: which settings and methods, and where the
 * table goes.
 */
final class ComparisonOptions {

    @Option(
            names = "--settings",
            paramLabel = "LIST",
            defaultValue = "fp32,w8,w6,w4",
            description =
                    "Comma-separated settings: fp32, wB (weights), wBaA (weights and activations);"
                            + " wBbS or wBbSaA for mixed precision at most S bits per weight on"
                            + " average (as --weight-bits B --size-budget S)."
                            + " Default: ${DEFAULT-VALUE}.")
    String settings;

    @Option(
            names = "--methods",
            paramLabel = "LIST",
            defaultValue = "uniform,power",
            description = "Methods for each quantized setting. Default: ${DEFAULT-VALUE}.")
    String methods;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the table as JSON.")
    Path json;

    @Option(
            names = "--plot",
            paramLabel = "OUT.png",
            description =
                    "Draw the table as a bar chart (PNG); needs a quantized setting. demo draws it to"
                            + " demo.png unless told otherwise.")
    Path plot;

    /**
     * Checks the outputs against the inputs already in {@code checks} and each other, then the
     * chart's name: a PNG is drawn, so a name ending in {@code .jpg}, {@code .svg} or anything but
     * {@code .png} is refused (it would hold a PNG under another format's name).
     */
    void checkOutputs(FileChecks checks) {
        checks.output("--json", json).output("--plot", plot).check();
        if (plot != null
                && !plot.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")) {
            throw new InvalidInputException(
                    Role.PLOT, plot + " must end in .png: the chart is drawn as a PNG image");
        }
    }

    List<QuantizationSetting> settings() {
        List<QuantizationSetting> list;
        try {
            list = QuantizationSetting.parseList(settings);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(Role.SETTINGS, e.getMessage(), e);
        }
        if (plot != null && list.stream().allMatch(QuantizationSetting::isFloat)) {
            throw new InvalidInputException(
                    Role.PLOT, plot + " needs a quantized setting in --settings: only fp32 given");
        }
        return list;
    }

    List<QuantizationMethod> methods() {
        List<QuantizationMethod> list = new ArrayList<>();
        for (String part : methods.split(",", -1)) {
            if (!part.isBlank()) {
                try {
                    QuantizationMethod method = QuantizationMethod.parse(part);
                    if (!list.contains(method)) { // a repeat is dropped, as in --settings
                        list.add(method);
                    }
                } catch (IllegalArgumentException e) {
                    throw new InvalidInputException(Role.METHODS, e.getMessage(), e);
                }
            }
        }
        if (list.isEmpty()) {
            throw new InvalidInputException(Role.METHODS, "has no method in '" + methods + "'");
        }
        return list;
    }

    /**
     * Prints the table, then writes the JSON and the chart where asked, as one unit that an
     * interruption rolls back.
     */
    void report(Interruption interruption, PrintWriter out, ComparisonTable table, String subtitle)
            throws IOException {
        out.print(table.toText());
        String contrasts = table.contrastText();
        if (!contrasts.isEmpty()) {
            out.println();
            out.print(contrasts);
        }
        out.flush();
        try (OutputSet outputs = interruption.outputs()) {
            if (json != null) {
                outputs.file(json, table::writeJson);
            }
            if (plot != null) {
                ComparisonChart chart = ComparisonChart.builder().subtitle(subtitle).build();
                outputs.file(plot, staged -> chart.writePng(table, staged));
            }
            outputs.commit();
        }
        if (json != null) {
            out.println("table " + json);
        }
        if (plot != null) {
            out.println("chart " + plot.toAbsolutePath().normalize());
        }
    }
}
