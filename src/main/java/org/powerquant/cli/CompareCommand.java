package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.ModelException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.eval.ModelSource;
import org.powerquant.quant.QuantizationMethod;
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

    @Spec private CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description = "TorchScript model file (.pt).")
    private Path model;

    @Mixin private EvaluationOptions evaluation;

    @Mixin private ComparisonOptions comparison;

    @Override
    public Integer call() throws IOException, ModelException {
        QuantizeCommand.checkModelFile(model);
        List<QuantizationSetting> settingList = comparison.settings();
        List<QuantizationMethod> methodList = comparison.methods();
        comparison.checkOutputs();
        Device device = evaluation.device();
        PrintStream err =
                new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
        LabelledImageDataset dataset = evaluation.openDataset();
        ModelSource source = ModelSource.torchScript(model, device);
        CliModels.open(source, QuantizationSetting.FLOAT).close();
        ComparisonTable table =
                Comparison.builder()
                        .source(source)
                        .dataset(dataset)
                        .evaluator(evaluation.evaluator(device, err))
                        .settings(settingList)
                        .methods(methodList)
                        .log(err::println)
                        .build()
                        .run();
        comparison.report(spec, table, model.getFileName() + " on " + dataset.description());
        return 0;
    }
}
