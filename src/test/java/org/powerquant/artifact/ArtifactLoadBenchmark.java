package org.powerquant.artifact;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.data.Preprocessing;
import org.powerquant.transform.PowerQuantTransform;

/**
 * Loading time of a W4A4 artifact of the shared ResNet-18 against loading its float TorchScript
 * file, both through plain DJL {@code Criteria}, in one run. Rounds alternate (TorchScript,
 * artifact, TorchScript, ...) after two warm-up rounds, so that a machine shared with other work
 * slows both alike; the median of the per-round ratios (artifact / TorchScript) is reported with
 * both medians. A load ends when {@code loadModel()} returns, ready for {@code newPredictor()}.
 *
 * <p>Not a test (surefire skips it): run with {@code java -Dai.djl.offline=true -cp ...
 * org.powerquant.artifact.ArtifactLoadBenchmark [rounds]}.
 */
@Tag("benchmark")
public final class ArtifactLoadBenchmark {

    private ArtifactLoadBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args rounds (default 15)
     * @throws Exception when the shared model cannot be read
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        Path model =
                Paths.get(System.getProperty("powerquant.shared", "../shared"))
                        .resolve("models/fmnist_resnet18.pt");
        Path dir = Files.createTempDirectory("artifact-load");
        Path artifact = dir.resolve("resnet18-w4a4");
        try (QuantizedModel<NDList, NDList> q =
                PowerQuant.importQuantized(
                        model,
                        PowerQuantTransform.builder()
                                .weightBits(4)
                                .activationBits(4)
                                .calibration(new BatchNormModel())
                                .build(),
                        Device.cpu())) {
            PowerQuant.save(
                    q,
                    artifact,
                    Preprocessing.builder().imageSize(64).mean(0.2860f).std(0.3530f).build());
        }
        Criteria<NDList, NDList> torchScript =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(model)
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        Criteria<NDList, NDList> quantized =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .build();
        double[] floatMs = new double[rounds];
        double[] artifactMs = new double[rounds];
        double[] ratios = new double[rounds];
        for (int r = -2; r < rounds; r++) {
            double f = millis(torchScript);
            double a = millis(quantized);
            if (r >= 0) {
                floatMs[r] = f;
                artifactMs[r] = a;
                ratios[r] = a / f;
            }
        }
        long artifactBytes;
        try (Stream<Path> files = Files.list(artifact)) {
            artifactBytes = files.mapToLong(ArtifactLoadBenchmark::size).sum();
        }
        System.out.printf(
                Locale.ROOT,
                "ResNet-18 load, %d rounds: float TorchScript (%d bytes) median %.1f ms, W4A4 artifact"
                        + " (%d bytes) median %.1f ms, median ratio artifact/TorchScript %.2f%n",
                rounds,
                Files.size(model),
                median(floatMs),
                artifactBytes,
                median(artifactMs),
                median(ratios));
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static double millis(Criteria<NDList, NDList> criteria) throws Exception {
        long start = System.nanoTime();
        try (ZooModel<NDList, NDList> model = criteria.loadModel()) {
            return (System.nanoTime() - start) / 1e6;
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
