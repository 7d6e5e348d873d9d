package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.artifact.ArtifactManifest;
import org.powerquant.artifact.QuantizedArtifact;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.EvaluationResult;
import org.powerquant.eval.Evaluator;
import org.powerquant.eval.ModelSource;
import org.powerquant.io.AtomicFiles;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.QuantizationReport;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
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

    @Option(
            names = "--weight-bits",
            paramLabel = "B",
            description = "Quantize weights to B bits (2-8) first.")
    private Integer weightBits;

    @Option(
            names = "--activation-bits",
            paramLabel = "A",
            defaultValue = "float",
            description =
                    "Quantize activations to A bits (2-8, needs --weight-bits) with the data-free"
                            + " batch-norm model, or float (default).")
    private String activationBits;

    @Option(
            names = "--method",
            paramLabel = "M",
            defaultValue = "power",
            description = "power (default) or uniform (the a = 1 baseline, same code).")
    private String method;

    @Option(names = "--json", paramLabel = "OUT.json", description = "Write the result as JSON.")
    private Path json;

    @Override
    public Integer call() throws IOException, ModelException {
        boolean artifact = QuantizedArtifact.isArtifact(model);
        if (!artifact) {
            QuantizeCommand.checkModelFile(model);
        } else if (weightBits != null) {
            throw new IllegalArgumentException(
                    "--model " + model + " is a quantized artifact: it takes no --weight-bits");
        }
        QuantizationMethod quantizationMethod = QuantizationMethod.parse(method);
        int aBits = QuantizeCommand.parseActivationBits(activationBits);
        if (aBits > 0 && weightBits == null) {
            throw new IllegalArgumentException("--activation-bits needs --weight-bits");
        }
        QuantizationSetting setting =
                weightBits == null
                        ? QuantizationSetting.FLOAT
                        : QuantizationSetting.parse(
                                "w"
                                        + checkBits(weightBits, "--weight-bits")
                                        + (aBits > 0 ? "a" + aBits : ""));
        if (json != null) {
            AtomicFiles.checkWritable(json, "--json");
        }
        QuantizedModel<NDList, NDList> stored = null;
        if (artifact) {
            Preprocessing recorded =
                    QuantizedArtifact.preprocessing(ArtifactManifest.read(model.toAbsolutePath()));
            if (recorded != null) {
                evaluation.useRecordedPreprocessing(recorded, spec.commandLine().getParseResult());
            }
        }
        Device device = evaluation.device();
        PrintStream err =
                new PrintStream(new WriterOutputStream(spec.commandLine().getErr()), true);
        Evaluator evaluator = evaluation.evaluator(device, err);
        LabelledImageDataset dataset = evaluation.openDataset();
        ModelSource source = ModelSource.torchScript(model, device);
        EvaluationResult result;
        QuantizationReport report = null;
        if (artifact) {
            stored = PowerQuant.load(model.toAbsolutePath(), device);
            report = stored.report();
        }
        try (Model loaded = artifact ? stored.model() : CliModels.open(source, setting)) {
            if (!setting.isFloat() && !artifact) {
                report = Comparison.defaultTransform(setting, quantizationMethod).apply(loaded);
            }
            result = evaluator.evaluate(loaded, dataset);
        }
        String label =
                artifact
                        ? model.getFileName() + " (" + InspectCommand.setting(report) + ")"
                        : setting.isFloat() ? "float" : setting.label() + " " + report.method();
        spec.commandLine()
                .getOut()
                .println(
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
            spec.commandLine()
                    .getOut()
                    .println(result.skippedImages().size() + " unreadable images skipped");
        }
        if (json != null) {
            JsonObject object = result.toJsonTree();
            object.addProperty(
                    "setting", artifact ? InspectCommand.setting(report) : setting.label());
            object.addProperty(
                    "method", setting.isFloat() && !artifact ? "float" : report.method());
            AtomicFiles.writeString(
                    json, new GsonBuilder().setPrettyPrinting().create().toJson(object));
        }
        return 0;
    }

    static int checkBits(int bits, String flag) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException(flag + " must be between 2 and 8, got " + bits);
        }
        return bits;
    }
}
