package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.Role;
import org.powerquant.artifact.ArtifactManifest;
import org.powerquant.artifact.QuantizedArtifact;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.calibrate.CalibrationWarning;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.EvaluationResult;
import org.powerquant.eval.Evaluator;
import org.powerquant.eval.ModelSource;
import org.powerquant.io.AtomicFiles;
import org.powerquant.io.OutputSet;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationOptions;
import org.powerquant.transform.QuantizationReport;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code powerquant evaluate}: top-1 and top-5 of a float or quantized model on labelled images.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = "Evaluate a float or quantized TorchScript model: top-1 and top-5 accuracy.")
public final class EvaluateCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @ParentCommand private PowerQuantCli parent;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description =
                    "TorchScript model file (.pt), or a quantized-model artifact directory (written by"
                            + " quantize --output DIR; evaluated with the preprocessing it records,"
                            + " which flags override).")
    private Path model;

    @Mixin private EvaluationOptions evaluation;

    @Mixin private PreprocessingOptions preprocessing;

    @Mixin private QuantizationMixin quantization;

    @Mixin private RunOptions run;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the result as JSON.")
    private Path json;

    @Override
    public Integer call() throws IOException, ModelException {
        evaluation.check();
        CliModels.checkNotInsideArtifact(model);
        boolean artifact = QuantizedArtifact.isArtifact(model);
        if (!artifact && Files.isDirectory(model)) {
            throw Flags.refuse(
                    Role.MODEL,
                    model
                            + " is a directory without "
                            + ArtifactManifest.FILE
                            + ", not a quantized artifact: --model takes a TorchScript model file"
                            + " (.pt) or an artifact directory");
        }
        if (artifact) {
            List<String> given = QuantizationMixin.given(spec);
            if (!given.isEmpty()) {
                throw new IllegalArgumentException(
                        "--model "
                                + model
                                + " is a quantized artifact, its quantization fixed: it takes no "
                                + String.join(", ", given));
            }
            Preprocessing recorded =
                    QuantizedArtifact.preprocessing(ArtifactManifest.read(model.toAbsolutePath()));
            if (recorded != null) {
                preprocessing.useRecordedPreprocessing(
                        recorded, spec.commandLine().getParseResult());
            } else if (!preprocessing.normalisationGiven()) {
                spec.commandLine()
                        .getErr()
                        .println(
                                "warning: "
                                        + model
                                        + " records no preprocessing (saved without it): ImageNet's"
                                        + " defaults are used for every step not given (--image-size,"
                                        + " --mean, --std, --channels)");
            }
        }
        Preprocessing pre = preprocessing.preprocessing();
        QuantizationOptions checked = quantization.check(pre.outputSize());
        if (!artifact) {
            QuantizationMixin.refuseUnused(spec, checked);
        }
        DatasetSpec data = evaluation.datasetSpec();
        FileChecks files =
                quantization.calibrationInputs(
                        new FileChecks().input("--model", model).inputs("--dataset", data.files()));
        files.output("--json", json).check();
        LabelledImageDataset dataset = data.open();
        CalibrationImages calibrationData = quantization.openCalibration(pre);
        QuantizationOptions options = quantization.options(pre.outputSize(), calibrationData);
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        // an artifact's weights are already quantized: nothing to note
        Runnable advice = artifact ? () -> {} : RoundingAdvice.after(err, options);
        if (run.dryRun) {
            advice.run();
            return 0;
        }
        Device device = evaluation.device();
        Evaluator evaluator = evaluation.evaluator(pre, device, Progress.stream(err, run.quiet));
        int batch = evaluator.effectiveBatchSize(dataset);
        int images =
                evaluation.limit == null
                        ? dataset.size()
                        : Math.min(evaluation.limit, dataset.size());
        if (batch < Math.min(evaluator.batchSize(), images)) {
            err.println(
                    "warning: --batch-size "
                            + evaluator.batchSize()
                            + " lowered to "
                            + batch
                            + " to fit in memory");
        }
        QuantizationSetting setting = options.setting();
        ModelSource source = ModelSource.torchScript(model, device);
        EvaluationResult result;
        QuantizationReport report = null;
        QuantizedModel<NDList, NDList> stored =
                artifact ? PowerQuant.load(model.toAbsolutePath(), device) : null;
        if (stored != null) {
            report = stored.report();
        }
        PowerQuantTransform transform =
                setting.isFloat() || artifact
                        ? null
                        : options.transformBuilder()
                                .progress(Progress.lines(err, run.quiet))
                                .build();
        try (Model loaded =
                artifact
                        ? stored.model()
                        : CliModels.open(
                                model, source, transform != null && transform.needsNativeGraph())) {
            if (transform != null) {
                report = transform.apply(loaded);
                for (CalibrationWarning warning : transform.calibration().warnings()) {
                    err.println("warning: " + Warnings.message(warning));
                }
            }
            result = evaluator.evaluate(loaded, dataset);
        }
        // The weight widths the layers have: a size budget can put them all at another width.
        String settingLabel =
                setting.isFloat() && !artifact ? setting.label() : InspectCommand.setting(report);
        String label =
                artifact
                        ? model.getFileName() + " (" + settingLabel + ")"
                        : setting.isFloat() ? "float" : settingLabel + " " + report.method();
        out.println(
                String.format(
                        Locale.ROOT,
                        "%s on %s: top-1 %.2f %%, top-5 %.2f %% (%d images, %.1f s, %.1f images/s on %s)",
                        label,
                        dataset.description(),
                        100 * result.top1(),
                        100 * result.top5(),
                        result.images(),
                        result.seconds(),
                        result.imagesPerSecond(),
                        device));
        if (!result.skippedImages().isEmpty()) {
            out.println(Warnings.skipped(result.skippedImages()));
        }
        if (json != null) {
            JsonObject object = result.toJsonTree();
            object.addProperty("setting", settingLabel);
            object.addProperty(
                    "method", setting.isFloat() && !artifact ? "float" : report.method());
            String text = new GsonBuilder().setPrettyPrinting().create().toJson(object);
            try (OutputSet outputs = parent.interruption().outputs()) {
                outputs.file(json, staged -> AtomicFiles.writeString(staged, text));
                outputs.commit();
            }
        }
        out.flush();
        advice.run();
        return 0;
    }
}
