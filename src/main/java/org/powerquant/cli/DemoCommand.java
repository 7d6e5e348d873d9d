package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.calibrate.CalibrationMode;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.demo.DemoData;
import org.powerquant.demo.DemoModel;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.eval.Devices;
import org.powerquant.eval.Evaluator;
import org.powerquant.eval.ModelSource;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.QuantizationOptions;
import org.powerquant.transform.QuantizationSetting;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code powerquant demo}: the bundled Fashion-MNIST ResNet quantized at 8, 6 and 4 bits, weights
 * only and weights with activations, with both methods, evaluated on the bundled test set; the
 * chart is written to {@value Defaults#PLOT}. Runs offline on a fresh clone.
 *
 * <p>The demo shares its options with {@code compare}; its own defaults ({@link Defaults}) show the
 * method at its best: every width, weights-only and W/A, and error-aware rounding.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        defaultValueProvider = DemoCommand.Defaults.class,
        description =
                "Quantize the bundled Fashion-MNIST ResNet at several bit widths, weights only and with"
                        + " activations, with uniform and PowerQuant, compare them on the bundled"
                        + " Fashion-MNIST test images and draw the chart.")
public final class DemoCommand implements Callable<Integer> {

    /**
     * The demo's defaults where they differ from {@code compare}'s: W/A rows too, error-aware
     * rounding (on this small network nearest rounding makes the 3x3 single-channel stem decide the
     * 4-bit result; see the README) and a chart in the working directory.
     */
    static final class Defaults implements CommandLine.IDefaultValueProvider {

        /** The settings the demo compares by default. */
        static final String SETTINGS = "fp32,w8,w6,w4,w8a8,w6a6,w4a4";

        /** The demo's default weight rounding. */
        static final String ROUNDING = "error-aware";

        /** Where the demo writes its chart by default. */
        static final String PLOT = "demo.png";

        private static final Map<String, String> VALUES =
                Map.of("--settings", SETTINGS, "--rounding", ROUNDING, "--plot", PLOT);

        @Override
        public String defaultValue(ArgSpec argument) {
            return argument instanceof OptionSpec option ? VALUES.get(option.longestName()) : null;
        }
    }

    @Spec private CommandSpec spec;

    @ParentCommand private PowerQuantCli parent;

    @Mixin private ComparisonOptions comparison;

    @Mixin private QuantizationMixin quantization;

    @Mixin private RunOptions run;

    /**
     * The demo evaluates 13 rows, on the first 2,000 test images by default to keep it short;
     * {@code --limit 10000} evaluates on all of them.
     */
    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "2000",
            description =
                    "Only the first N of the 10,000 test images (10000 for all)."
                            + " Default: ${DEFAULT-VALUE}.")
    private Integer limit;

    @Option(
            names = "--device",
            paramLabel = "D",
            defaultValue = "auto",
            description = "auto, cpu or gpu. Default: ${DEFAULT-VALUE}.")
    private String device;

    /** One line saying how the rows were quantized, so that the printed table stands alone. */
    static String describe(QuantizationOptions options, List<QuantizationSetting> settings) {
        List<String> parts = new ArrayList<>();
        parts.add(options.perTensor() ? "per-tensor weight scales" : "per-channel weight scales");
        parts.add(
                options.rounding() == WeightRounding.ERROR_AWARE
                        ? "error-aware rounding"
                        : "nearest rounding");
        if (options.clipping()) {
            parts.add("clipping");
        }
        if (options.biasCorrection()) {
            parts.add("bias correction");
        }
        if (!options.skip().isEmpty()) {
            parts.add("skipped " + String.join(",", options.skip()));
        }
        if (settings.stream().anyMatch(QuantizationSetting::quantizesActivations)) {
            CalibrationMode mode = options.calibrationMode();
            parts.add(
                    "activations calibrated "
                            + (mode == CalibrationMode.DATA
                                    ? "on real images (not data-free)"
                                    : mode == CalibrationMode.BN_MODEL
                                            ? "by the batch-norm model (data-free)"
                                            : "on synthetic images (data-free)"));
            if (options.activationRounding() == CodeRounding.NEAREST_LEVEL) {
                parts.add("nearest-level activation rounding");
            }
        }
        return "quantization: " + String.join(", ", parts);
    }

    @Override
    public Integer call() throws IOException, ModelException {
        quantization.refuseBitWidths("demo");
        // The default chart is drawn when there is something to draw (fp32 alone has no bar to
        // compare); a --plot given with fp32 alone is refused as in compare.
        boolean chartAsked = spec.commandLine().getParseResult().hasMatchedOption("--plot");
        Path chart = comparison.plot;
        if (!chartAsked) {
            comparison.plot = null;
        }
        List<QuantizationSetting> settingList = comparison.settings();
        if (!chartAsked && !settingList.stream().allMatch(QuantizationSetting::isFloat)) {
            comparison.plot = chart;
        }
        List<QuantizationMethod> methodList = comparison.methods();
        if (limit != null && limit < 1) {
            throw new InvalidInputException(Role.LIMIT, "must be at least 1, got " + limit);
        }
        EvaluationOptions.checkDevice(device);
        comparison.checkOutputs(quantization.calibrationInputs(new FileChecks()));
        DemoModel demo = DemoModel.bundled();
        Preprocessing preprocessing =
                Preprocessing.builder()
                        .imageSize((int) demo.getInputShape().get(2))
                        .channels(1)
                        .mean(demo.getMean())
                        .std(demo.getStd())
                        .build();
        CalibrationImages calibrationData = quantization.openCalibration(preprocessing);
        PrintWriter err = spec.commandLine().getErr();
        QuantizationOptions base =
                Settings.base(
                        quantization, settingList, preprocessing.outputSize(), calibrationData);
        QuantizationMixin.refuseUnused(
                QuantizationMixin.given(spec),
                base,
                methodList,
                Settings.QUANTIZED,
                Settings.ACTIVATIONS);
        Runnable advice = RoundingAdvice.after(err, base, settingList, methodList);
        Comparison.Builder builder =
                Comparison.builder()
                        .settings(settingList)
                        .methods(methodList)
                        .options(base)
                        .progress(Progress.lines(err, run.quiet));
        if (run.dryRun) {
            advice.run();
            return 0;
        }
        Device target = Devices.resolve(device);
        LabelledImageDataset testSet = DemoData.testSet();
        Evaluator evaluator =
                Evaluator.builder()
                        .preprocessing(preprocessing)
                        .batchSize(250)
                        .device(target)
                        .limit(limit == null ? 0 : limit)
                        .build();
        PrintStream out =
                new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
        out.println(
                String.format(
                        Locale.ROOT,
                        "PowerQuant demo: %s (%s), first %d of the %d Fashion-MNIST test images"
                                + " (--limit), %s",
                        DemoModel.NAME,
                        "DJL-native torchvision-style ResNet, batch norm",
                        limit != null ? Math.min(limit, testSet.size()) : testSet.size(),
                        testSet.size(),
                        target));
        out.println(describe(base, settingList));
        ModelSource source =
                new ModelSource() {
                    @Override
                    public String name() {
                        return DemoModel.NAME;
                    }

                    @Override
                    public Model open(boolean nativeGraph) throws IOException, ModelException {
                        return demo.loadModel(target);
                    }
                };
        long start = System.nanoTime();
        ComparisonTable table =
                builder.source(source)
                        .dataset(testSet)
                        .evaluator(evaluator)
                        .log(out::println)
                        .build()
                        .run();
        out.println();
        comparison.report(
                parent.interruption(),
                spec.commandLine().getOut(),
                table,
                String.format(
                        Locale.ROOT,
                        "%s, first %d of the %d bundled Fashion-MNIST test images",
                        DemoModel.NAME,
                        limit != null ? Math.min(limit, testSet.size()) : testSet.size(),
                        testSet.size()));
        out.println(
                String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - start) / 1e9));
        advice.run();
        return 0;
    }
}
