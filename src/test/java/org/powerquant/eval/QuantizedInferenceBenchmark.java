package org.powerquant.eval;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.importer.ResNetImporter;
import org.powerquant.nn.ActivationQuantizer;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.Relu;
import org.powerquant.nn.TorchNames;
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
 * <p>A fourth column runs the same W4A4 PowerQuant model with the activation quantizers of the
 * previous version installed instead, {@link ActivationQuantizer#engineOnly()}, which look their
 * levels up with the engine's operations rather than in Java (the same grids and outputs): a
 * same-run baseline for the Java lookup, robust to the load of the machine. The two sets of
 * quantizers are swapped on the one network before each of its rounds, in alternating order.
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
        String[] names = {
            "float",
            "W4A4 uniform",
            "W4A4 PowerQuant",
            "W4A4 PowerQuant, engine operations only (before)"
        };
        try (ZooModel<NDList, NDList> floatModel =
                        new ZooModel<>(
                                ResNetImporter.importModel(SharedModels.resnet18(), Device.cpu()),
                                new NoopTranslator());
                QuantizedModel<NDList, NDList> uniform = quantize(QuantizationMethod.UNIFORM);
                QuantizedModel<NDList, NDList> power = quantize(QuantizationMethod.POWER)) {
            Model[] models = {floatModel, uniform.model(), power.model(), power.model()};
            ConvNetwork network = (ConvNetwork) power.model().getBlock();
            Map<String, UnaryOperator<NDArray>> javaLookup = transforms(network);
            Map<String, UnaryOperator<NDArray>> engineOnly = new LinkedHashMap<>();
            long exact = 0;
            for (Map.Entry<String, UnaryOperator<NDArray>> e : javaLookup.entrySet()) {
                ActivationQuantizer q = (ActivationQuantizer) e.getValue();
                engineOnly.put(e.getKey(), q.engineOnly());
                exact += q.codesExact() ? 1 : 0;
            }
            List<Map<String, UnaryOperator<NDArray>>> installs =
                    Arrays.asList(null, null, javaLookup, engineOnly);
            System.out.printf(
                    Locale.ROOT,
                    "W4A4 PowerQuant: %d of %d activation sites on the exact table path%n",
                    exact,
                    javaLookup.size());
            int n = models.length;
            for (int m = 0; m < n; m++) { // warm-up
                install(network, installs.get(m));
                evaluator.evaluate(models[m], data);
            }
            double[][] rate = new double[n][rounds];
            double[][] ratio = new double[n][rounds];
            double[] javaOverEngine = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                int[] order = r % 2 == 0 ? new int[] {0, 1, 2, 3} : new int[] {0, 1, 3, 2};
                for (int m : order) {
                    install(network, installs.get(m));
                    rate[m][r] = evaluator.evaluate(models[m], data).imagesPerSecond();
                }
                for (int m = 0; m < n; m++) {
                    ratio[m][r] = rate[m][r] / rate[0][r];
                }
                javaOverEngine[r] = rate[2][r] / rate[3][r];
                System.out.printf(
                        Locale.ROOT,
                        "round %d: float %.1f, uniform %.1f, power %.1f, power with engine operations"
                                + " only %.1f images/s%n",
                        r + 1,
                        rate[0][r],
                        rate[1][r],
                        rate[2][r],
                        rate[3][r]);
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
            for (int m = 0; m < n; m++) {
                System.out.printf(
                        Locale.ROOT,
                        "| %s | %.1f | %.3f |%n",
                        names[m],
                        median(rate[m]),
                        median(ratio[m]));
            }
            System.out.printf(
                    Locale.ROOT,
                    "W4A4 PowerQuant / the same with engine operations only: %.3f (median per"
                            + " round)%n",
                    median(javaOverEngine));
        }
    }

    /** The transform of every activation site, by site name. */
    private static Map<String, UnaryOperator<NDArray>> transforms(ConvNetwork network) {
        Map<String, UnaryOperator<NDArray>> out = new LinkedHashMap<>();
        out.put(ActivationQuantizers.IMAGE_INPUT, network.getInputTransform());
        for (Map.Entry<String, Block> e : TorchNames.blocks(network).entrySet()) {
            if (e.getValue() instanceof Relu relu) {
                out.put(e.getKey(), relu.getOutputTransform());
            }
        }
        out.put(ActivationQuantizers.CLASSIFIER_INPUT, network.getClassifierInputTransform());
        out.values().removeIf(t -> !(t instanceof ActivationQuantizer));
        return out;
    }

    /** Installs the given transforms on their sites; null leaves the network as it is. */
    private static void install(
            ConvNetwork network, Map<String, UnaryOperator<NDArray>> transforms) {
        if (transforms == null) {
            return;
        }
        Map<String, Block> blocks = TorchNames.blocks(network);
        for (Map.Entry<String, UnaryOperator<NDArray>> e : transforms.entrySet()) {
            if (ActivationQuantizers.IMAGE_INPUT.equals(e.getKey())) {
                network.setInputTransform(e.getValue());
            } else if (ActivationQuantizers.CLASSIFIER_INPUT.equals(e.getKey())) {
                network.setClassifierInputTransform(e.getValue());
            } else {
                ((Relu) blocks.get(e.getKey())).setOutputTransform(e.getValue());
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
