package org.powerquant.quant;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Benchmark of the exact activation error that {@link ActivationRangeSearch} evaluates thousands of
 * times per site (not a test: run it by hand, see BENCHMARKS.md). In one run and one thread, on the
 * same samples, it times {@link SortedActivations#squaredError} against the former evaluation, kept
 * here (the class {@code FormerSamples}): the same runs, but every run's code, level and threshold
 * taken from a power and both of its boundary samples settled by {@link PowerQuantizer#code}. The
 * current one reads levels and thresholds computed once per grid and settles a boundary by one
 * comparison unless the sample lies within a relative {@code 1e-9} of the threshold. It also checks
 * that the two give the same double for every grid and range.
 *
 * <p>Samples: {@code sites} tensors of {@code count} values, half of them zero (a ReLU's), the rest
 * {@code |z|^1.5} for a standard normal {@code z} (heavier-tailed than the normal, as real
 * activations are). Grids: exponents 0.3 to 1.2 in steps of 0.1, each at the 49 geometric ranges
 * from 1 % of the largest sample to the largest that the range search scans first.
 */
public final class ActivationErrorBenchmark {

    private static final int RANGES = 49;

    private ActivationErrorBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args rounds (default 5), sites (default 7) and samples per site (default 262144)
     */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int sites = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 1 << 18;
        Random random = new Random(11);
        SortedActivations[] current = new SortedActivations[sites];
        FormerSamples[] former = new FormerSamples[sites];
        for (int s = 0; s < sites; s++) {
            float[] values = new float[count];
            for (int i = 0; i < count; i++) {
                values[i] =
                        random.nextBoolean()
                                ? 0f
                                : (float) Math.pow(Math.abs(random.nextGaussian()), 1.5);
            }
            current[s] = SortedActivations.of(values);
            former[s] = FormerSamples.of(values);
        }
        System.out.println(
                "| bits | evaluations | former (s) | current (s) | former / current | different"
                        + " errors |");
        System.out.println("|---|---|---|---|---|---|");
        for (int bits : new int[] {4, 6, 8}) {
            double[] formerTimes = new double[rounds];
            double[] currentTimes = new double[rounds];
            long evaluations = 0;
            long different = 0;
            for (int r = -1; r < rounds; r++) { // round -1 warms up
                long start = System.nanoTime();
                double[] formerErrors = evaluate(bits, former, null);
                double formerSeconds = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                double[] currentErrors = evaluate(bits, null, current);
                double currentSeconds = (System.nanoTime() - start) / 1e9;
                if (r >= 0) {
                    formerTimes[r] = formerSeconds;
                    currentTimes[r] = currentSeconds;
                    evaluations = currentErrors.length;
                    different = 0;
                    for (int i = 0; i < currentErrors.length; i++) {
                        if (Double.compare(formerErrors[i], currentErrors[i]) != 0) {
                            different++;
                        }
                    }
                }
            }
            double f = median(formerTimes);
            double c = median(currentTimes);
            System.out.println(
                    String.format(
                            Locale.ROOT,
                            "| %d | %d | %.3f | %.3f | %.1f | %d |",
                            bits,
                            evaluations,
                            f,
                            c,
                            f / c,
                            different));
        }
    }

    private static double[] evaluate(
            int bits, FormerSamples[] former, SortedActivations[] current) {
        int sites = former != null ? former.length : current.length;
        double[] errors = new double[sites * 10 * RANGES];
        int i = 0;
        for (int s = 0; s < sites; s++) {
            float max = former != null ? former[s].max() : current[s].max();
            for (int step = 0; step < 10; step++) {
                PowerQuantizer grid = PowerQuantizer.unsigned(bits, 0.3 + 0.1 * step);
                for (int j = 0; j < RANGES; j++) {
                    float clip = (float) (max * Math.pow(1e-2, 1 - j / (double) (RANGES - 1)));
                    errors[i++] =
                            former != null
                                    ? former[s].squaredError(grid, clip)
                                    : current[s].squaredError(grid, clip);
                }
            }
        }
        return errors;
    }

    /**
     * The positive samples sorted, with prefix sums in the same double-double arithmetic, and the
     * former exact error: {@link SortedActivations}'s runs with a power for every run's first code,
     * level and threshold, and {@link PowerQuantizer#code} on both neighbours of the threshold.
     */
    private static final class FormerSamples {

        private final float[] sorted;
        private final PrefixSums sums;
        private final PrefixSums squares;

        private FormerSamples(float[] sorted, PrefixSums sums, PrefixSums squares) {
            this.sorted = sorted;
            this.sums = sums;
            this.squares = squares;
        }

        static FormerSamples of(float[] values) {
            float[] positive = new float[values.length];
            int n = 0;
            for (float v : values) {
                if (v > 0) {
                    positive[n++] = v;
                }
            }
            float[] sorted = Arrays.copyOf(positive, n);
            Arrays.sort(sorted);
            PrefixSums sums = new PrefixSums(n);
            PrefixSums squares = new PrefixSums(n);
            for (float v : sorted) {
                double x = v;
                sums.add(x);
                squares.add(x * x);
            }
            return new FormerSamples(sorted, sums, squares);
        }

        float max() {
            return sorted[sorted.length - 1];
        }

        double squaredError(PowerQuantizer grid, float clip) {
            int n = sorted.length;
            int maxCode = grid.maxCode();
            double inverse = 1.0 / grid.exponent();
            double error = 0;
            int start = 0;
            while (start < n) {
                int k = grid.code(PowerQuantizer.normalise(sorted[start], clip));
                int end = n;
                if (k < maxCode) {
                    double threshold = StrictMath.pow((k + 0.5) / maxCode, inverse) * clip;
                    int lo = start + 1;
                    int hi = n;
                    while (lo < hi) {
                        int mid = (lo + hi) >>> 1;
                        if (sorted[mid] >= threshold) {
                            hi = mid;
                        } else {
                            lo = mid + 1;
                        }
                    }
                    end = lo;
                    while (end > start + 1 && codeAt(grid, end - 1, clip) > k) {
                        end--;
                    }
                    while (end < n && codeAt(grid, end, clip) <= k) {
                        end++;
                    }
                }
                double level =
                        k <= 0
                                ? 0
                                : k >= maxCode ? 1 : StrictMath.pow((double) k / maxCode, inverse);
                level *= clip;
                double runCount = end - start;
                double first = sums.between(start, end);
                double second = squares.between(start, end);
                error += Math.max(0, level * level * runCount - 2 * level * first + second);
                start = end;
            }
            return error;
        }

        private int codeAt(PowerQuantizer grid, int index, float clip) {
            return grid.code(PowerQuantizer.normalise(sorted[index], clip));
        }
    }

    private static double median(double[] times) {
        double[] sorted = times.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
