package org.powerquant.calibrate;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import java.nio.file.Path;
import java.util.Locale;
import org.powerquant.FashionMnistTestSet;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.SharedFixtures;
import org.powerquant.quant.ActivationGridSearch;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;

/**
 * Accuracy of the shared ResNet-18 under weight and activation quantization, uniform and PowerQuant
 * (not a test: run it by hand, see BENCHMARKS.md). Usage: {@code ActivationQuantizationBenchmark
 * [images] [wXaY ...]}; system property {@code table=true} prints the report of each quantization,
 * {@code pooled=MEAN} models the classifier input by its mean, {@code lastLayerBits=B} sets its
 * bits, {@code model=fmnist_mobilenet_v2.pt} picks another shared model and {@code
 * calibration=default} uses the transform's default calibration (synthetic data below 8 bits)
 * instead of the batch-norm model.
 */
public final class ActivationQuantizationBenchmark {

    private ActivationQuantizationBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args image count then settings such as {@code w8a8 w4a4}
     * @throws Exception if the shared fixtures cannot be read
     */
    public static void main(String[] args) throws Exception {
        int images = args.length > 0 ? Integer.parseInt(args[0]) : 10000;
        String[] settings =
                args.length > 1
                        ? java.util.Arrays.copyOfRange(args, 1, args.length)
                        : new String[] {"w8a8", "w6a6", "w4a8", "w4a4"};
        Path model =
                SharedFixtures.root()
                        .resolve("models/" + System.getProperty("model", "fmnist_resnet18.pt"));
        boolean defaultCalibration = "default".equals(System.getProperty("calibration"));
        FashionMnistTestSet data =
                FashionMnistTestSet.read(SharedFixtures.root().resolve("data/fashion-mnist"));
        try (QuantizedModel<NDList, NDList> floatModel =
                PowerQuant.importQuantized(
                        model,
                        PowerQuantTransform.builder().weightBits(8).skipLayers("*").build(),
                        Device.cpu())) {
            System.out.printf(
                    Locale.ROOT, "float: %.2f %%%n", data.accuracy(floatModel.model(), images));
        }
        System.out.println("| setting | uniform | power | quantization time uniform / power (s) |");
        System.out.println("|---|---|---|---|");
        for (String setting : settings) {
            String[] wa = setting.toLowerCase(Locale.ROOT).substring(1).split("a", -1);
            int w = Integer.parseInt(wa[0]);
            int a = Integer.parseInt(wa[1]);
            double[] acc = new double[2];
            double[] seconds = new double[2];
            QuantizationMethod[] methods = {QuantizationMethod.UNIFORM, QuantizationMethod.POWER};
            for (int m = 0; m < 2; m++) {
                PowerQuantTransform.Builder builder =
                        PowerQuantTransform.builder()
                                .weightBits(w)
                                .activationBits(a)
                                .method(methods[m])
                                .lastLayerBits(Integer.getInteger("lastLayerBits", 0));
                if (defaultCalibration) {
                    builder.imageSize(64, 64);
                } else {
                    builder.calibration(
                            new BatchNormModel(
                                    ActivationGridSearch.defaults(),
                                    PooledFeatureModel.valueOf(
                                            System.getProperty("pooled", "RECTIFIED"))));
                }
                PowerQuantTransform transform = builder.build();
                try (QuantizedModel<NDList, NDList> q =
                        PowerQuant.importQuantized(model, transform, Device.cpu())) {
                    seconds[m] = q.report().seconds();
                    if (Boolean.getBoolean("table")) {
                        System.out.println(q.report().toTable());
                    }
                    acc[m] = q.model() == null ? 0 : data.accuracy(q.model(), images);
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.2f | %.2f | %.2f / %.2f |%n",
                    setting.toUpperCase(Locale.ROOT),
                    acc[0],
                    acc[1],
                    seconds[0],
                    seconds[1]);
        }
    }
}
