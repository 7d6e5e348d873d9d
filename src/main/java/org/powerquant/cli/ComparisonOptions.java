package org.powerquant.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.powerquant.eval.ComparisonChart;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.io.AtomicFiles;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine.Model.CommandSpec;
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
                    "Comma-separated settings: fp32, wB (weights), wBaA (weights and activations)."
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
            description = "Draw the table as a bar chart (PNG).")
    Path plot;

    /** Checks, before any work, that the outputs can be written. */
    void checkOutputs() {
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        if (plot != null) {
            AtomicFiles.checkWritable(plot, "--plot");
        }
    }

    List<QuantizationSetting> settings() {
        try {
            return QuantizationSetting.parseList(settings);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--settings: " + e.getMessage(), e);
        }
    }

    List<QuantizationMethod> methods() {
        List<QuantizationMethod> list = new ArrayList<>();
        for (String part : methods.split(",")) {
            if (!part.isBlank()) {
                try {
                    list.add(QuantizationMethod.parse(part));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--methods: " + e.getMessage(), e);
                }
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--methods: no method in '" + methods + "'");
        }
        return list;
    }

    /** Prints the table, then writes the JSON and the chart where asked. */
    void report(CommandSpec spec, ComparisonTable table, String subtitle) throws IOException {
        spec.commandLine().getOut().print(table.toText());
        spec.commandLine().getOut().flush();
        if (json != null) {
            table.writeJson(json);
            spec.commandLine().getOut().println("table " + json);
        }
        if (plot != null) {
            ComparisonChart.builder().subtitle(subtitle).build().writePng(table, plot);
            spec.commandLine().getOut().println("chart " + plot);
        }
    }
}
