package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.ModelException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.eval.Evaluator;
import org.powerquant.eval.ModelSource;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.QuantizationOptions;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code powerquant compare}: float, uniform and PowerQuant side by side at several bit widths. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = "Evaluate a model at several settings with both methods and print one table.")
public final class CompareCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @ParentCommand private PowerQuantCli parent;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description = "TorchScript model file (.pt).")
    private Path model;

    @Mixin private EvaluationOptions evaluation;

    @Mixin private PreprocessingOptions preprocessing;

    @Mixin private ComparisonOptions comparison;

    @Mixin private QuantizationMixin quantization;

    @Mixin private RunOptions run;

    @Override
    public Integer call() throws IOException, ModelException {
        quantization.refuseBitWidths("compare");
        List<QuantizationSetting> settingList = comparison.settings();
        List<QuantizationMethod> methodList = comparison.methods();
        evaluation.check();
        Preprocessing pre = preprocessing.preprocessing();
        DatasetSpec data = evaluation.datasetSpec();
        CliModels.checkTorchScriptFile(model, "compare");
        FileChecks files =
                quantization.calibrationInputs(
                        new FileChecks().input("--model", model).inputs("--dataset", data.files()));
        QuantizationMixin.refuseUnused(
                QuantizationMixin.given(spec),
                Settings.base(
                        quantization, settingList, pre.outputSize(), quantization.placeholder()),
                methodList,
                Settings.QUANTIZED,
                Settings.ACTIVATIONS);
        comparison.checkOutputs(files);
        LabelledImageDataset dataset = data.open();
        CalibrationImages calibrationData = quantization.openCalibration(pre);
        PrintWriter err = spec.commandLine().getErr();
        QuantizationOptions base =
                Settings.base(quantization, settingList, pre.outputSize(), calibrationData);
        Runnable advice = RoundingAdvice.after(err, base, settingList, methodList);
        Evaluator checkOnly = evaluation.evaluator(pre, Device.cpu(), null);
        Comparison.Builder builder =
                Comparison.builder()
                        .dataset(dataset)
                        .settings(settingList)
                        .methods(methodList)
                        .options(base)
                        .progress(Progress.lines(err, run.quiet))
                        .log(run.quiet ? line -> {} : err::println);
        if (run.dryRun) {
            // builds the comparison, which checks the options of every setting, then stops
            builder.source(ModelSource.torchScript(model, Device.cpu()))
                    .evaluator(checkOnly)
                    .build();
            advice.run();
            return 0;
        }
        Device device = evaluation.device();
        ModelSource source = ModelSource.torchScript(model, device);
        Evaluator evaluator = evaluation.evaluator(pre, device, Progress.stream(err, run.quiet));
        Comparison work = builder.source(source).evaluator(evaluator).build();
        CliModels.open(model, source, false).close();
        ComparisonTable table = work.run();
        comparison.report(
                parent.interruption(),
                spec.commandLine().getOut(),
                table,
                model.getFileName() + " on " + dataset.description());
        advice.run();
        return 0;
    }
}
