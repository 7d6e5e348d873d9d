package org.powerquant.quant;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The cost of mixed precision on the shared ResNet-18's weights (not a test: run by hand, see
 * BENCHMARKS.md): the whole weight quantization at one width against the same with a size budget
 * (every layer's error curve at the candidate widths, the knapsack, then the quantization at the
 * chosen widths), both methods, alternating rounds, medians. Usage: {@code MixedPrecisionBenchmark
 * [rounds] [base bits] [budget]}; system property {@code powerquant.shared} locates {@code
 * ../shared}.
 */
public final class MixedPrecisionBenchmark {

    private MixedPrecisionBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args rounds (default 5), base bits (4), budget (4.25)
     * @throws Exception if the shared model cannot be read
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int base = args.length > 1 ? Integer.parseInt(args[1]) : 4;
        double budget = args.length > 2 ? Double.parseDouble(args[2]) : 4.25;
        int threads = Runtime.getRuntime().availableProcessors();
        Path pt =
                Path.of(System.getProperty("powerquant.shared", "../shared"))
                        .resolve("models/fmnist_resnet18.pt");
        List<WeightTensor> tensors = WeightSearchBenchmark.torchScriptWeights(pt);
        long count = tensors.stream().mapToLong(t -> t.values().length).sum();
        System.out.printf(
                Locale.ROOT,
                "ResNet-18: %d tensors, %d weights; W%d vs budget %.2f, %d threads, %d rounds%n",
                tensors.size(),
                count,
                base,
                budget,
                threads,
                rounds);
        System.out.println(
                "| method | one width (s) | allocation alone (s) | budget, whole (s) | ratio |");
        System.out.println("|---|---|---|---|---|");
        for (QuantizationMethod method : QuantizationMethod.values()) {
            WeightQuantizer quantizer = WeightQuantizer.builder().bits(base).method(method).build();
            MixedPrecision mixed =
                    new MixedPrecision(
                            quantizer,
                            Sensitivity.RELATIVE_ERROR,
                            MixedPrecision.candidates(base),
                            budget);
            List<Double> uniform = new ArrayList<>();
            List<Double> allocation = new ArrayList<>();
            List<Double> whole = new ArrayList<>();
            List<Double> ratios = new ArrayList<>();
            int[] widths = null;
            for (int r = -1; r < rounds; r++) {
                long t0 = System.nanoTime();
                quantizer.quantizeAll(tensors, threads);
                long t1 = System.nanoTime();
                widths = mixed.allocate(tensors, threads).bits();
                long t2 = System.nanoTime();
                quantizer.quantizeAll(tensors, widths, threads);
                long t3 = System.nanoTime();
                if (r >= 0) { // the first round warms up
                    uniform.add((t1 - t0) / 1e9);
                    allocation.add((t2 - t1) / 1e9);
                    whole.add((t3 - t1) / 1e9);
                    ratios.add((double) (t3 - t1) / (t1 - t0));
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.2f | %.2f | %.2f | %.2f |%n",
                    method.name().toLowerCase(Locale.ROOT),
                    median(uniform),
                    median(allocation),
                    median(whole),
                    median(ratios));
            System.err.println(method + " widths " + Arrays.toString(widths));
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }
}
