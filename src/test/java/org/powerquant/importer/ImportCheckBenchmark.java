package org.powerquant.importer;

import ai.djl.Device;
import ai.djl.Model;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Tag;

/**
 * What {@link ForwardCheck} adds to an import: {@link TorchvisionImporter#importModel(Path,
 * Device)} (with the check) against the same import without it, on the shared ResNet-18 and
 * MobileNetV2, in alternating rounds after two warm-up rounds; the medians and the median of the
 * per-round ratios are reported.
 *
 * <p>Not a test (surefire skips it): run with {@code java -Dai.djl.offline=true -cp ...
 * org.powerquant.importer.ImportCheckBenchmark [rounds]}.
 */
@Tag("benchmark")
public final class ImportCheckBenchmark {

    private ImportCheckBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args rounds (default 7)
     * @throws Exception when a shared model cannot be read
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Path models = Paths.get(System.getProperty("powerquant.shared", "../shared"), "models");
        for (String name : new String[] {"fmnist_resnet18.pt", "fmnist_mobilenet_v2.pt"}) {
            Path file = models.resolve(name);
            double[] checked = new double[rounds];
            double[] unchecked = new double[rounds];
            double[] ratios = new double[rounds];
            for (int r = -2; r < rounds; r++) {
                long start = System.nanoTime();
                try (Model m = TorchvisionImporter.importModel(file, Device.cpu())) {
                    double with = (System.nanoTime() - start) / 1e6;
                    start = System.nanoTime();
                    try (Model n =
                            TorchvisionImporter.importModel(
                                    file, Device.cpu(), TorchvisionImporter::importBlock)) {
                        double without = (System.nanoTime() - start) / 1e6;
                        if (r >= 0) {
                            checked[r] = with;
                            unchecked[r] = without;
                            ratios[r] = with / without;
                        }
                    }
                }
            }
            System.out.printf(
                    Locale.ROOT,
                    "%s import, %d rounds: with the forward check median %.0f ms, without %.0f ms,"
                            + " ratio %.2f%n",
                    name,
                    rounds,
                    median(checked),
                    median(unchecked),
                    median(ratios));
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
