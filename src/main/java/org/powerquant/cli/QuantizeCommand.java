package org.powerquant.cli;

import ai.djl.MalformedModelException;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.powerquant.InvalidInputException;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.Role;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.calibrate.CalibrationWarning;
import org.powerquant.data.Preprocessing;
import org.powerquant.importer.TorchScriptArchive;
import org.powerquant.io.OutputSet;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code powerquant quantize}: quantize a TorchScript model's weights (and, with {@code
 * --activation-bits}, its activations, on the model imported as DJL blocks), print the report, save
 * the model.
 */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description =
                "Quantize the convolution and dense weights of a TorchScript (.pt) model, and with"
                        + " --activation-bits its activations.")
public final class QuantizeCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @ParentCommand private PowerQuantCli parent;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description = "TorchScript model file (.pt).")
    private Path model;

    @Mixin private QuantizationMixin quantization;

    @Mixin private PreprocessingOptions preprocessing;

    @Mixin private RunOptions run;

    @Option(
            names = "--output",
            paramLabel = "OUT",
            description =
                    "Where to save the quantized model: a directory (a self-contained artifact: weights"
                            + " bit-packed at B bits, activation grids, report, preprocessing; loads with"
                            + " evaluate --model, PowerQuant.load or plain DJL Criteria; replaced as a"
                            + " whole), or a .pt file (weights only: a TorchScript model with float32"
                            + " weights on the grid).")
    private Path output;

    @Option(
            names = "--report",
            paramLabel = "REPORT.json",
            description = "Where to write the JSON report.")
    private Path report;

    @Override
    public Integer call() throws IOException, ModelException {
        if (quantization.weightBits == null) {
            throw new InvalidInputException(Role.WEIGHT_BITS, "is required (2 to 8)");
        }
        boolean activations = QuantizationMixin.activationBits(quantization.activationBits) > 0;
        Preprocessing pre = preprocessing.preprocessing();
        int[] size = preprocessing.sizeGiven() ? pre.outputSize() : null;
        QuantizationOptions checked = quantization.check(size);
        QuantizationMixin.refuseUnused(spec, checked);
        if (quantization.calibrationSpec() != null && !preprocessing.sizeGiven()) {
            throw new InvalidInputException(
                    Role.INPUT_SIZE,
                    "is needed: calibration images are preprocessed to the network's input size");
        }
        CliModels.checkTorchScriptFile(model, "quantize");
        FileChecks files = quantization.calibrationInputs(new FileChecks().input("--model", model));
        boolean torchScriptOutput =
                output != null && output.toString().toLowerCase(Locale.ROOT).endsWith(".pt");
        boolean artifact = output != null && !torchScriptOutput;
        if (torchScriptOutput && activations) {
            throw new InvalidInputException(
                    Role.OUTPUT,
                    output
                            + ": with activation bits the model is saved as an artifact directory,"
                            + " not a .pt file");
        }
        if (artifact) {
            files.outputDirectory("--output", output);
        } else {
            files.output("--output", output);
        }
        files.output("--report", report).check();
        CalibrationImages calibrationData = quantization.openCalibration(pre);
        QuantizationOptions options = quantization.options(size, calibrationData);
        PrintWriter err = spec.commandLine().getErr();
        Runnable advice = RoundingAdvice.after(err, options);
        if (run.dryRun) {
            advice.run();
            return 0;
        }
        PowerQuantTransform transform =
                options.transformBuilder().progress(Progress.lines(err, run.quiet)).build();
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(model)
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        PrintWriter out = spec.commandLine().getOut();
        try (QuantizedModel<NDList, NDList> quantized =
                artifact ? importQuantized(transform) : loadQuantized(criteria, transform)) {
            out.println(quantized.report().toTable());
            out.flush();
            for (CalibrationWarning warning : transform.calibration().warnings()) {
                err.println("warning: " + Warnings.message(warning));
            }
            try (OutputSet outputs = parent.interruption().outputs()) {
                if (artifact) {
                    outputs.directory(output, staged -> PowerQuant.save(quantized, staged, pre));
                } else if (output != null) {
                    outputs.file(output, staged -> PowerQuant.save(quantized.model(), staged));
                }
                if (report != null) {
                    outputs.file(report, quantized.report()::writeJson);
                }
                outputs.commit();
            }
            if (output != null) {
                out.println((artifact ? "saved artifact " : "saved ") + output);
            }
            if (report != null) {
                out.println("report " + report);
            }
        }
        out.flush();
        advice.run();
        return 0;
    }

    private QuantizedModel<NDList, NDList> importQuantized(PowerQuantTransform transform)
            throws IOException, ModelException {
        checkTorchScript();
        try {
            return PowerQuant.importQuantized(
                    model, transform, ai.djl.engine.Engine.getEngine("PyTorch").defaultDevice());
        } catch (ModelException | ai.djl.engine.EngineException e) {
            throw new InvalidInputException(
                    Role.MODEL,
                    model + " cannot be imported as a torchvision network: " + e.getMessage(),
                    e);
        }
    }

    /** The library names the file in its refusal: the command says it once, after the flag. */
    private void checkTorchScript() throws IOException {
        try {
            TorchScriptArchive.checkTorchScript(model);
        } catch (MalformedModelException e) {
            throw new InvalidInputException(
                    Role.MODEL,
                    model + " cannot be loaded as a TorchScript model: " + e.getMessage(),
                    e);
        }
    }

    private QuantizedModel<NDList, NDList> loadQuantized(
            Criteria<NDList, NDList> criteria, PowerQuantTransform transform)
            throws IOException, ModelException {
        checkTorchScript();
        try {
            return PowerQuant.loadQuantized(criteria, transform);
        } catch (ModelException | ai.djl.engine.EngineException e) {
            // Bias correction imports the network even for a weights-only result.
            String what =
                    e instanceof org.powerquant.importer.UnsupportedModelException
                            ? " cannot be imported as a torchvision network: "
                            : " cannot be loaded as a TorchScript model: ";
            throw new InvalidInputException(Role.MODEL, model + what + e.getMessage(), e);
        }
    }
}
