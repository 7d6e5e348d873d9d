package org.powerquant.eval;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.importer.ResNetImporter;
import org.powerquant.nn.ActivationQuantizer;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;

/**
 * Evaluation throughput of the shared Fashion-MNIST ResNet-18 (64x64, batch 64) as a float model,
 * W4A4 uniform and W4A4 PowerQuant, in one run: short rounds alternate between the three models so
 * that other load on the machine slows all of them alike; the medians of the images/s of every
 * model and of the per-round ratios to the float model are reported. The activation grids come from
 * the batch-norm model (data-free, fastest to compute): the calibration mode changes the grids'
 * parameters, not the work per element.
 *
 * <p>Not a test (surefire skips it): {@code java -Dai.djl.offline=true -cp ...
 * org.powerquant.eval.QuantizedInferenceBenchmark [rounds] [imagesPerRound] [batchSize]}.
 */
@Tag("benchmark")
public final class QuantizedInferenceBenchmark {

    private QuantizedInferenceBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args rounds (default 9), images per round (default 640), batch size (default 64)
     * @throws Exception when the shared model or data cannot be read
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 9;
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 640;
        int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        LabelledImageDataset data = SharedModels.fashionMnistTest().open();
        Evaluator evaluator =
                Evaluator.builder()
                        .preprocessing(SharedModels.fashionMnistPreprocessing())
                        .batchSize(batchSize)
                        .limit(images)
                        .build();
        String[] names = {"float", "W4A4 uniform", "W4A4 PowerQuant"};
        try (ZooModel<NDList, NDList> floatModel =
                        new ZooModel<>(
                                ResNetImporter.importModel(SharedModels.resnet18(), Device.cpu()),
                                new NoopTranslator());
                QuantizedModel<NDList, NDList> uniform = quantize(QuantizationMethod.UNIFORM);
                QuantizedModel<NDList, NDList> power = quantize(QuantizationMethod.POWER)) {
            Model[] models = {floatModel, uniform.model(), power.model()};
            if (power.model().getBlock() instanceof ConvNetwork network) {
                long exact =
                        ActivationQuantizers.installed(network).values().stream()
                                .filter(g -> new ActivationQuantizer(g).codesExact())
                                .count();
                System.out.printf(
                        Locale.ROOT,
                        "W4A4 PowerQuant: %d of %d activation sites on the exact table path%n",
                        exact,
                        ActivationQuantizers.installed(network).size());
            }
            for (Model m : models) { // warm-up
                evaluator.evaluate(m, data);
            }
            double[][] rate = new double[3][rounds];
            double[][] ratio = new double[3][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int m = 0; m < 3; m++) {
                    rate[m][r] = evaluator.evaluate(models[m], data).imagesPerSecond();
                }
                for (int m = 0; m < 3; m++) {
                    ratio[m][r] = rate[m][r] / rate[0][r];
                }
                System.out.printf(
                        Locale.ROOT,
                        "round %d: float %.1f, uniform %.1f, power %.1f images/s%n",
                        r + 1,
                        rate[0][r],
                        rate[1][r],
                        rate[2][r]);
            }
            System.out.printf(
                    Locale.ROOT,
                    "batch %d, %d images per round, %d rounds, %d cores%n",
                    batchSize,
                    images,
                    rounds,
                    Runtime.getRuntime().availableProcessors());
            System.out.println("| model | images/s (median) | ratio to float (median per round) |");
            System.out.println("|---|---|---|");
            for (int m = 0; m < 3; m++) {
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.3f |%n",
                        names[m],
                        median(rate[m]),
                        median(ratio[m]));
            }
        }
    }

    private static QuantizedModel<NDList, NDList> quantize(QuantizationMethod method)
            throws Exception {
        return org.powerquant.PowerQuant.importQuantized(
                SharedModels.resnet18(),
                PowerQuantTransform.builder()
                        .weightBits(4)
                        .activationBits(4)
                        .method(method)
                        .calibration(new BatchNormModel())
                        .build(),
                Device.cpu());
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
