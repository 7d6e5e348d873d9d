package org.powerquant.transform;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import org.powerquant.FashionMnistTestSet;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.SharedFixtures;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.Sensitivity;
import org.powerquant.quant.WeightRounding;

/**
 * The ablation of the accuracy options (clipping, error-aware rounding, bias correction) on the
 * shared ResNet-18, both methods, every setting asked (not a test: run by hand, see BENCHMARKS.md).
 * Usage: {@code AccuracyOptionsBenchmark [images] [setting ...]} with settings such as {@code w8a8
 * w4a4 w4 w3}; system property {@code options} lists the option sets, comma-separated, each a
 * {@code +}-joined subset of {@code clip}, {@code squant}, {@code bias}, {@code budgetB} (mixed
 * precision at an average of B bits per weight) with {@code rel} or {@code abs} (its sensitivity:
 * relative or absolute squared weight error) ({@code none} for the defaults); default {@code
 * none,clip,squant,clip+squant}.
 */
public final class AccuracyOptionsBenchmark {

    private AccuracyOptionsBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args test image count, then settings
     * @throws Exception if the shared fixtures cannot be read
     */
    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
        String[] settings =
                args.length > 1
                        ? Arrays.copyOfRange(args, 1, args.length)
                        : new String[] {"w8a8", "w6a6", "w4a4", "w4", "w3"};
        String[] options =
                System.getProperty("options", "none,clip,squant,clip+squant").split(",", -1);
        Path model = SharedFixtures.root().resolve("models/fmnist_resnet18.pt");
        FashionMnistTestSet data =
                FashionMnistTestSet.read(SharedFixtures.root().resolve("data/fashion-mnist"));
        System.out.println(
                "| setting | options | uniform top-1 % | PowerQuant top-1 % | transform time uniform / power (s) |");
        System.out.println("|---|---|---|---|---|");
        for (String setting : settings) {
            String[] wa = setting.toLowerCase(Locale.ROOT).substring(1).split("a", -1);
            int w = Integer.parseInt(wa[0]);
            int a = wa.length > 1 ? Integer.parseInt(wa[1]) : 0;
            for (String option : options) {
                double[] acc = new double[2];
                double[] seconds = new double[2];
                QuantizationMethod[] methods = {
                    QuantizationMethod.UNIFORM, QuantizationMethod.POWER
                };
                for (int m = 0; m < 2; m++) {
                    PowerQuantTransform.Builder builder =
                            PowerQuantTransform.builder()
                                    .weightBits(w)
                                    .activationBits(a)
                                    .imageSize(64, 64)
                                    .method(methods[m]);
                    for (String part : option.split("\\+", -1)) {
                        switch (part) {
                            case "none" -> {}
                            case "clip" -> builder.clipping(true);
                            case "squant" -> builder.rounding(WeightRounding.ERROR_AWARE);
                            case "bias" -> builder.biasCorrection(true);
                            case "abs" -> builder.sensitivity(Sensitivity.SQUARED_ERROR);
                            case "rel" -> builder.sensitivity(Sensitivity.RELATIVE_ERROR);
                            default -> {
                                if (!part.startsWith("budget")) {
                                    throw new IllegalArgumentException("unknown option " + part);
                                }
                                builder.sizeBudget(Double.parseDouble(part.substring(6)));
                            }
                        }
                    }
                    try (QuantizedModel<NDList, NDList> q =
                            PowerQuant.importQuantized(model, builder.build(), Device.cpu())) {
                        seconds[m] = q.report().seconds();
                        if (Boolean.getBoolean("table")) {
                            System.out.println(q.report().toTable());
                        }
                        if (q.report().isMixedPrecision()) {
                            System.err.println(
                                    q.report().layers().stream()
                                            .map(l -> l.name() + "=" + l.bits())
                                            .collect(java.util.stream.Collectors.joining(" ")));
                        }
                        acc[m] = data.accuracy(q.model(), images);
                    }
                    System.err.printf(
                            Locale.ROOT,
                            "%s %s %s: %.2f %% (%.1f s)%n",
                            setting,
                            option,
                            methods[m],
                            acc[m],
                            seconds[m]);
                }
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %.2f | %.2f | %.1f / %.1f |%n",
                        setting.toUpperCase(Locale.ROOT),
                        option,
                        acc[0],
                        acc[1],
                        seconds[0],
                        seconds[1]);
            }
        }
    }
}
