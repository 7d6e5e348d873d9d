package org.powerquant.quant;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.powerquant.transform.BlockWalker;
import org.powerquant.transform.WeightSite;

/**
 * Benchmark of the per-layer exponent search over a whole network (not a test: run it by hand, see
 * BENCHMARKS.md).
 *
 * <p>For each weight set it measures, in one run: the exact method ({@link SortedMagnitudes}: sort
 * once, then {@code O(levels log n)} per evaluation) over all layers with two threads, as {@link
 * WeightQuantizer#quantizeAll} runs it; the naive method (the same search, each evaluation
 * quantizing and dequantizing every weight) with the same threads; and, per layer, the agreement of
 * the searched exponent with a brute-force grid of step 0.001.
 *
 * <p>Weight sets: {@code resnet50} has exactly the convolution and dense weight shapes of
 * torchvision's ResNet-50 (25,502,912 weights) filled with bell-shaped random values (Laplace and
 * Gaussian rows with log-normal channel scales, fixed seed), since no trained ResNet-50 can be
 * downloaded here; {@code resnet18} reads the real trained weights of {@code
 * ../shared/models/fmnist_resnet18.pt} when present.
 *
 * <p>Usage: {@code WeightSearchBenchmark [bits...]} (default 4 and 8). System property {@code
 * naive}: {@code evaluation} (default) times one error evaluation of every layer both ways; {@code
 * search} also runs the whole search with the naive error (long: tens of minutes for ResNet-50 on
 * two cores); {@code false} neither.
 */
public final class WeightSearchBenchmark {

    private WeightSearchBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args bit widths
     * @throws Exception if the shared model cannot be read
     */
    public static void main(String[] args) throws Exception {
        int[] bitWidths =
                args.length == 0
                        ? new int[] {4, 8}
                        : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        String naiveMode = System.getProperty("naive", "evaluation");
        boolean naive = naiveMode.equals("search");
        int threads = Integer.getInteger("threads", 2);
        List<String> rows = new ArrayList<>();
        rows.add(
                "| weights | count | bits | exact (s) | naive (s) | naive / exact | grid: max abs diff of exponent |"
                        + " layers within 0.002 | error vs grid's best |");
        rows.add("|---|---|---|---|---|---|---|---|---|");
        List<NamedSet> sets = new ArrayList<>();
        sets.add(new NamedSet("ResNet-50 shapes, synthetic", resnet50()));
        Path shared =
                Paths.get(
                        System.getProperty("powerquant.shared", "../shared"),
                        "models/fmnist_resnet18.pt");
        if (Files.isRegularFile(shared)) {
            sets.add(new NamedSet("ResNet-18 (../shared, trained)", torchScriptWeights(shared)));
        } else {
            System.out.println("../shared absent: benchmarking the synthetic ResNet-50 only");
        }
        for (NamedSet set : sets) {
            long count = set.tensors.stream().mapToLong(t -> t.values().length).sum();
            for (int bits : bitWidths) {
                WeightQuantizer quantizer = WeightQuantizer.builder().bits(bits).build();
                quantizer.quantizeAll(set.tensors, threads); // warm-up
                double[] times = new double[5];
                List<QuantizedWeights> results = null;
                for (int r = 0; r < times.length; r++) {
                    long start = System.nanoTime();
                    results = quantizer.quantizeAll(set.tensors, threads);
                    times[r] = (System.nanoTime() - start) / 1e9;
                }
                Arrays.sort(times);
                double exact = times[times.length / 2];
                double naiveSeconds =
                        naive
                                ? naiveSearch(set.tensors, bits, threads, quantizer.search())
                                : Double.NaN;
                GridAgreement grid = gridAgreement(set.tensors, results, bits);
                rows.add(
                        String.format(
                                Locale.ROOT,
                                "| %s | %,d | %d | %.2f | %s | %s | %.4f | %d / %d | %s |",
                                set.name,
                                count,
                                bits,
                                exact,
                                naive ? String.format(Locale.ROOT, "%.1f", naiveSeconds) : "-",
                                naive
                                        ? String.format(Locale.ROOT, "%.0fx", naiveSeconds / exact)
                                        : "-",
                                grid.maxDifference,
                                grid.within,
                                set.tensors.size(),
                                String.format(
                                        Locale.ROOT, "<= %.5f %% above", 100 * grid.worstExcess)));
                System.out.println(rows.get(rows.size() - 1));
            }
        }
        if (!"false".equals(System.getProperty("transform"))) {
            rows.add("");
            rows.add(
                    "| end to end | weights | bits | PowerQuantTransform.apply, median of 5 (s) |");
            rows.add("|---|---|---|---|");
            for (int bits : bitWidths) {
                rows.add(transformRow(bits, threads));
                System.out.println(rows.get(rows.size() - 1));
            }
        }
        if (naiveMode.equals("evaluation")) {
            rows.add("");
            rows.add(
                    "| one error evaluation over every layer | weights | bits | exact (ms) | naive (ms) | naive / exact |");
            rows.add("|---|---|---|---|---|---|");
            for (NamedSet set : sets) {
                for (int bits : bitWidths) {
                    rows.add(evaluationRow(set, bits));
                    System.out.println(rows.get(rows.size() - 1));
                }
            }
        }
        System.out.println();
        System.out.println(
                String.format(
                        Locale.ROOT,
                        "threads: %d; exact: median of 5 runs after a warm-up; " + "naive: one run",
                        threads));
        rows.forEach(System.out::println);
    }

    private record NamedSet(String name, List<WeightTensor> tensors) {}

    /**
     * The whole transform on a DJL-native torchvision ResNet-50 (random initial weights): reading
     * every weight from the engine, quantizing, writing back. Each run starts from the same float
     * weights.
     */
    private static String transformRow(int bits, int threads) {
        try (ai.djl.Model model = ai.djl.Model.newInstance("resnet50", "PyTorch")) {
            org.powerquant.nn.TorchvisionResNet net =
                    org.powerquant.nn.TorchvisionResNet.resnet50().build();
            model.setBlock(net);
            net.initialize(
                    model.getNDManager(),
                    ai.djl.ndarray.types.DataType.FLOAT32,
                    new ai.djl.ndarray.types.Shape(1, 3, 224, 224));
            List<WeightSite> sites = BlockWalker.sites(net);
            List<float[]> original = new ArrayList<>();
            for (WeightSite site : sites) {
                original.add(site.parameter().getArray().toFloatArray());
            }
            long count = original.stream().mapToLong(a -> a.length).sum();
            org.powerquant.transform.PowerQuantTransform transform =
                    org.powerquant.transform.PowerQuantTransform.builder()
                            .weightBits(bits)
                            .threads(threads)
                            .build();
            double[] times = new double[5];
            for (int r = -1; r < times.length; r++) {
                for (int i = 0; i < sites.size(); i++) {
                    sites.get(i).parameter().getArray().set(original.get(i));
                }
                long start = System.nanoTime();
                transform.apply(model);
                if (r >= 0) {
                    times[r] = (System.nanoTime() - start) / 1e9;
                }
            }
            Arrays.sort(times);
            return String.format(
                    Locale.ROOT,
                    "| DJL-native torchvision ResNet-50, random init | %,d | %d | %.2f |",
                    count,
                    bits,
                    times[times.length / 2]);
        }
    }

    /**
     * The cost of one evaluation of the error at one exponent for every layer (one thread): exact
     * from sorted magnitudes (median of 21 exponents in [0.5, 1.0]) against naive
     * quantize-dequantize of every weight (median of 3), both after a warm-up. The sort that the
     * exact method pays once per layer is excluded here; the search table above includes it.
     */
    private static String evaluationRow(NamedSet set, int bits) {
        double exact = 0;
        double naiveTime = 0;
        long count = 0;
        for (WeightTensor t : set.tensors) {
            int channels = (int) t.shape()[0];
            SortedMagnitudes sorted =
                    SortedMagnitudes.of(t.values(), channels, ScaleMode.PER_CHANNEL);
            double[] e = new double[21];
            for (int r = -1; r < e.length; r++) {
                PowerQuantizer q = PowerQuantizer.signed(bits, 0.5 + 0.025 * Math.max(0, r));
                long start = System.nanoTime();
                sorted.squaredError(q);
                if (r >= 0) {
                    e[r] = System.nanoTime() - start;
                }
            }
            double[] n = new double[3];
            for (int r = -1; r < n.length; r++) {
                PowerQuantizer q = PowerQuantizer.signed(bits, 0.7);
                long start = System.nanoTime();
                RandomTensors.naiveSquaredError(t.values(), channels, ScaleMode.PER_CHANNEL, q);
                if (r >= 0) {
                    n[r] = System.nanoTime() - start;
                }
            }
            Arrays.sort(e);
            Arrays.sort(n);
            exact += e[e.length / 2];
            naiveTime += n[n.length / 2];
            count += t.values().length;
        }
        return String.format(
                Locale.ROOT,
                "| %s | %,d | %d | %.2f | %.0f | %.0fx |",
                set.name,
                count,
                bits,
                exact / 1e6,
                naiveTime / 1e6,
                naiveTime / exact);
    }

    private record GridAgreement(double maxDifference, int within, double worstExcess) {}

    /** The same search, every evaluation quantizing and dequantizing every weight. */
    private static double naiveSearch(
            List<WeightTensor> tensors, int bits, int threads, ExponentSearch search)
            throws Exception {
        java.util.concurrent.ExecutorService pool =
                java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            long start = System.nanoTime();
            List<java.util.concurrent.Future<Double>> futures = new ArrayList<>();
            for (WeightTensor t : tensors) {
                futures.add(
                        pool.submit(
                                () -> {
                                    int channels = (int) t.shape()[0];
                                    PowerQuantizer grid = PowerQuantizer.signed(bits, 1);
                                    return search.minimize(
                                                    a ->
                                                            RandomTensors.naiveSquaredError(
                                                                    t.values(),
                                                                    channels,
                                                                    ScaleMode.PER_CHANNEL,
                                                                    grid.withExponent(a)))
                                            .exponent();
                                }));
            }
            for (var f : futures) {
                f.get();
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            pool.shutdownNow();
        }
    }

    private static GridAgreement gridAgreement(
            List<WeightTensor> tensors, List<QuantizedWeights> results, int bits) {
        double maxDifference = 0;
        double worstExcess = 0;
        int within = 0;
        for (int i = 0; i < tensors.size(); i++) {
            WeightTensor t = tensors.get(i);
            SortedMagnitudes sorted =
                    SortedMagnitudes.of(t.values(), (int) t.shape()[0], ScaleMode.PER_CHANNEL);
            double[] grid = RandomTensors.bruteForceGrid(sorted, bits);
            double bestA = grid[0];
            double bestError = grid[1];
            double difference = Math.abs(bestA - results.get(i).exponent());
            maxDifference = Math.max(maxDifference, difference);
            within += difference <= 0.002 ? 1 : 0;
            worstExcess = Math.max(worstExcess, results.get(i).squaredError() / bestError - 1);
        }
        return new GridAgreement(maxDifference, within, worstExcess);
    }

    /**
     * torchvision ResNet-50's convolution and dense weight shapes, filled with bell-shaped values.
     */
    static List<WeightTensor> resnet50() {
        Random random = new Random(50);
        List<WeightTensor> tensors = new ArrayList<>();
        tensors.add(tensor(random, "conv1.weight", 64, 3, 7, 7));
        int[] blocks = {3, 4, 6, 3};
        int inChannels = 64;
        for (int stage = 0; stage < 4; stage++) {
            int width = 64 << stage;
            for (int b = 0; b < blocks[stage]; b++) {
                String prefix = "layer" + (stage + 1) + "." + b + ".";
                tensors.add(tensor(random, prefix + "conv1.weight", width, inChannels, 1, 1));
                tensors.add(tensor(random, prefix + "conv2.weight", width, width, 3, 3));
                tensors.add(tensor(random, prefix + "conv3.weight", width * 4L, width, 1, 1));
                if (b == 0) {
                    tensors.add(
                            tensor(
                                    random,
                                    prefix + "downsample.0.weight",
                                    width * 4L,
                                    inChannels,
                                    1,
                                    1));
                }
                inChannels = width * 4;
            }
        }
        tensors.add(tensor(random, "fc.weight", 1000, 2048));
        return tensors;
    }

    private static WeightTensor tensor(Random random, String name, long... shape) {
        int channels = (int) shape[0];
        int perChannel = (int) (Arrays.stream(shape).reduce(1, (a, b) -> a * b) / channels);
        RandomTensors.Kind kind =
                random.nextBoolean() ? RandomTensors.Kind.LAPLACE : RandomTensors.Kind.GAUSSIAN;
        return new WeightTensor(
                name, shape, RandomTensors.draw(random, kind, channels, perChannel));
    }

    static List<WeightTensor> torchScriptWeights(Path pt) throws Exception {
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(pt)
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        List<WeightTensor> tensors = new ArrayList<>();
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            for (WeightSite site : BlockWalker.sites(model.getBlock())) {
                var array = site.parameter().getArray();
                tensors.add(
                        new WeightTensor(
                                site.name(), array.getShape().getShape(), array.toFloatArray()));
            }
        }
        return tensors;
    }
}
