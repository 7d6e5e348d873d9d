package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.ModelException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.ComparisonChart;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.eval.LabelledImageDataset;
import org.powerquant.eval.ModelSource;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.io.AtomicFiles;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code powerquant compare}: float, uniform and PowerQuant side by side at several bit widths. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Evaluate a model at several settings with both methods and print one table.")
public final class CompareCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "PATH", description = "TorchScript model file (.pt).")
    private Path model;

    @Mixin
    private EvaluationOptions evaluation;

    @Option(names = "--settings", paramLabel = "LIST", defaultValue = "fp32,w8,w6,w4",
            description = "Comma-separated settings: fp32, wB (weights), wBaA (weights and activations)."
                    + " Default: ${DEFAULT-VALUE}.")
    private String settings;

    @Option(names = "--methods", paramLabel = "LIST", defaultValue = "uniform,power",
            description = "Methods for each quantized setting. Default: ${DEFAULT-VALUE}.")
    private String methods;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the table as JSON.")
    private Path json;

    @Option(names = "--plot", paramLabel = "OUT.png", description = "Draw the table as a bar chart (PNG).")
    private Path plot;

    @Override
    public Integer call() throws IOException, ModelException {
        QuantizeCommand.checkModelFile(model);
        List<QuantizationSetting> settingList = parseSettings(settings);
        List<QuantizationMethod> methodList = parseMethods(methods);
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        if (plot != null) {
            AtomicFiles.checkWritable(plot, "--plot");
        }
        Device device = evaluation.device();
        PrintStream err = new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
        LabelledImageDataset dataset = evaluation.openDataset();
        ModelSource source = ModelSource.torchScript(model, device);
        CliModels.open(source, QuantizationSetting.FLOAT).close();
        ComparisonTable table = Comparison.builder()
                .source(source)
                .dataset(dataset)
                .evaluator(evaluation.evaluator(device, err))
                .settings(settingList)
                .methods(methodList)
                .log(err::println)
                .build()
                .run();
        report(spec, table, json, plot, model.getFileName() + " on " + dataset.description());
        return 0;
    }

    static void report(CommandSpec spec, ComparisonTable table, Path json, Path plot, String subtitle)
            throws IOException {
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

    static List<QuantizationSetting> parseSettings(String text) {
        try {
            return QuantizationSetting.parseList(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--settings: " + e.getMessage(), e);
        }
    }

    static List<QuantizationMethod> parseMethods(String text) {
        List<QuantizationMethod> list = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                try {
                    list.add(QuantizationMethod.parse(part));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--methods: " + e.getMessage(), e);
                }
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("--methods: no method in '" + text + "'");
        }
        return list;
    }
}
