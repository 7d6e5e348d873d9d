package org.powerquant.quant;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

/**
 * Benchmark of the exponent search before and after {@link ScanThenBrent} (not a test: run it by
 * hand, see BENCHMARKS.md). For every layer of the shared trained ResNet-18 (the synthetic
 * ResNet-50 shapes if {@code ../shared} is absent), at 4 and 8 bits and several tolerances, in one
 * run and one thread: the former search ({@link FineScanExponentSearch}, fine scan at the
 * tolerance) and the current one ({@link ExponentSearch}, fixed basin step, Brent to the
 * tolerance): evaluations per layer, search time over all layers (median of 3 after a warm-up), and
 * how many layers each finds a lower squared error on.
 */
public final class ExponentSearchBenchmark {

    private ExponentSearchBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args tolerances (default 1e-3 1e-4 1e-6); the former search is skipped below 1e-4 (a
     *     million evaluations per layer)
     * @throws Exception if the shared model cannot be read
     */
    public static void main(String[] args) throws Exception {
        double[] tolerances =
                args.length == 0
                        ? new double[] {1e-3, 1e-4, 1e-6}
                        : Arrays.stream(args).mapToDouble(Double::parseDouble).toArray();
        Path shared =
                Paths.get(
                        System.getProperty("powerquant.shared", "../shared"),
                        "models/fmnist_resnet18.pt");
        List<WeightTensor> tensors =
                Files.isRegularFile(shared)
                        ? WeightSearchBenchmark.torchScriptWeights(shared)
                        : WeightSearchBenchmark.resnet50();
        String set = Files.isRegularFile(shared) ? "ResNet-18 (trained)" : "ResNet-50 shapes";
        List<SortedMagnitudes> sorted = new ArrayList<>();
        for (WeightTensor t : tensors) {
            sorted.add(SortedMagnitudes.of(t.values(), (int) t.shape()[0], ScaleMode.PER_CHANNEL));
        }
        System.out.println(
                "| weights | bits | tolerance | evaluations per layer, before | after | search"
                        + " time (s), before | after | before / after | layers lower after /"
                        + " equal / higher | largest relative excess after |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        for (int bits : new int[] {4, 8}) {
            for (double tolerance : tolerances) {
                boolean before = tolerance >= 1e-4;
                ExponentSearch after = ExponentSearch.builder().tolerance(tolerance).build();
                FineScanExponentSearch former =
                        new FineScanExponentSearch(
                                ExponentSearch.DEFAULT_LOWER,
                                ExponentSearch.DEFAULT_UPPER,
                                tolerance);
                Run a = run(sorted, bits, after::minimize);
                Run b = before ? run(sorted, bits, former::minimize) : null;
                int lower = 0;
                int equal = 0;
                int higher = 0;
                double excess = 0;
                if (b != null) {
                    for (int i = 0; i < sorted.size(); i++) {
                        double x = a.errors[i];
                        double y = b.errors[i];
                        if (x < y) {
                            lower++;
                        } else if (x == y) {
                            equal++;
                        } else {
                            higher++;
                        }
                        excess = Math.max(excess, x / y - 1);
                    }
                }
                System.out.println(
                        String.format(
                                Locale.ROOT,
                                "| %s | %d | %.0e | %s | %.0f | %s | %.3f | %s | %s | %s |",
                                set,
                                bits,
                                tolerance,
                                b == null ? "-" : String.format(Locale.ROOT, "%.0f", b.evaluations),
                                a.evaluations,
                                b == null ? "-" : String.format(Locale.ROOT, "%.3f", b.seconds),
                                a.seconds,
                                b == null
                                        ? "-"
                                        : String.format(
                                                Locale.ROOT, "%.1fx", b.seconds / a.seconds),
                                b == null ? "-" : lower + " / " + equal + " / " + higher,
                                b == null ? "-" : String.format(Locale.ROOT, "%.2e", excess)));
            }
        }
    }

    private record Run(double[] errors, double evaluations, double seconds) {}

    private static Run run(
            List<SortedMagnitudes> sorted,
            int bits,
            Function<DoubleUnaryOperator, ExponentSearch.Result> search) {
        double[] errors = new double[sorted.size()];
        long[] count = {0};
        double[] times = new double[3];
        for (int r = -1; r < times.length; r++) {
            count[0] = 0;
            long start = System.nanoTime();
            for (int i = 0; i < sorted.size(); i++) {
                SortedMagnitudes s = sorted.get(i);
                PowerQuantizer grid = PowerQuantizer.signed(bits, 1.0);
                errors[i] =
                        search.apply(
                                        x -> {
                                            count[0]++;
                                            return s.squaredError(grid.withExponent(x));
                                        })
                                .error();
            }
            if (r >= 0) {
                times[r] = (System.nanoTime() - start) / 1e9;
            }
        }
        Arrays.sort(times);
        return new Run(errors, count[0] / (double) sorted.size(), times[1]);
    }
}
