package org.powerquant.calibrate;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import java.nio.file.Path;
import java.util.Locale;
import org.powerquant.FashionMnistTestSet;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.SharedFixtures;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;

/**
 * Accuracy of the shared ResNet-18 with activation grids from each calibration mode (bn-model,
 * synthetic, data), uniform and PowerQuant (not a test: run by hand, see BENCHMARKS.md). Usage:
 * {@code CalibrationModesBenchmark [images] [calibrationImages] [wXaY ...]}; system property {@code
 * modes} picks the modes (comma-separated, default all three).
 */
public final class CalibrationModesBenchmark {

    private CalibrationModesBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args test image count, real calibration image count, then settings such as {@code w4a4
     *     w6a6}
     * @throws Exception if the shared fixtures cannot be read
     */
    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
        int calibrationImages = args.length > 1 ? Integer.parseInt(args[1]) : 256;
        String[] settings =
                args.length > 2
                        ? java.util.Arrays.copyOfRange(args, 2, args.length)
                        : new String[] {"w4a4", "w6a6"};
        String[] modes = System.getProperty("modes", "bn-model,synthetic,data").split(",", -1);
        Path model = SharedFixtures.root().resolve("models/fmnist_resnet18.pt");
        Path dir = SharedFixtures.root().resolve("data/fashion-mnist");
        FashionMnistTestSet data = FashionMnistTestSet.read(dir);
        System.out.println(
                "| setting | mode | uniform | power | calibration + quantization time uniform / power (s) |");
        System.out.println("|---|---|---|---|---|");
        for (String setting : settings) {
            String[] wa = setting.toLowerCase(Locale.ROOT).substring(1).split("a", -1);
            int w = Integer.parseInt(wa[0]);
            int a = Integer.parseInt(wa[1]);
            for (String mode : modes) {
                double[] acc = new double[2];
                double[] seconds = new double[2];
                QuantizationMethod[] methods = {
                    QuantizationMethod.UNIFORM, QuantizationMethod.POWER
                };
                for (int m = 0; m < 2; m++) {
                    ActivationCalibration calibration =
                            switch (mode) {
                                case "bn-model" -> new BatchNormModel();
                                case "synthetic" ->
                                        SyntheticCalibration.builder().imageSize(64, 64).build();
                                case "data" ->
                                        DataCalibration.builder(
                                                        IdxImages.open(
                                                                dir.resolve(
                                                                        "train-images-idx3-ubyte.gz"),
                                                                calibrationImages,
                                                                64,
                                                                0.2860f,
                                                                0.3530f,
                                                                3),
                                                        calibrationImages)
                                                .build();
                                default ->
                                        throw new IllegalArgumentException("unknown mode " + mode);
                            };
                    PowerQuantTransform transform =
                            PowerQuantTransform.builder()
                                    .weightBits(w)
                                    .activationBits(a)
                                    .method(methods[m])
                                    .calibration(calibration)
                                    .build();
                    try (QuantizedModel<NDList, NDList> q =
                            PowerQuant.importQuantized(model, transform, Device.cpu())) {
                        seconds[m] = q.report().seconds();
                        if (Boolean.getBoolean("table")) {
                            System.out.println(q.report().toTable());
                        }
                        acc[m] = data.accuracy(q.model(), images);
                    }
                    System.err.printf(
                            Locale.ROOT,
                            "%s %s %s: %.2f %% (%.1f s)%n",
                            setting,
                            mode,
                            methods[m],
                            acc[m],
                            seconds[m]);
                }
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %s | %.2f | %.2f | %.1f / %.1f |%n",
                        setting.toUpperCase(Locale.ROOT),
                        mode,
                        acc[0],
                        acc[1],
                        seconds[0],
                        seconds[1]);
            }
        }
    }
}
