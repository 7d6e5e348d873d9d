package org.powerquant.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;

/**
 * Compares the evaluator's throughput with the model's bare forward throughput at the same batch
 * size, on the shared Fashion-MNIST ResNet-18, in one run. Short rounds alternate (bare, evaluate,
 * bare, ...) so that a machine shared with other work slows both alike; the median of the per-round
 * ratios is reported with the medians of both throughputs. Because wall-clock rates swing with
 * other load, the process CPU time per image of both phases is reported too: their ratio (bare /
 * evaluate) is the throughput ratio to expect when the model has the cores to itself.
 *
 * <p>Not a test (surefire skips it): run with {@code java -Dai.djl.offline=true -cp ...
 * org.powerquant.eval.EvaluationThroughputBenchmark [rounds] [batchesPerRound] [batchSize]}.
 */
@Tag("benchmark")
public final class EvaluationThroughputBenchmark {

    private EvaluationThroughputBenchmark() {}

    /**
     * Runs the benchmark.
     *
     * @param args rounds (default 15), batches per round (default 6), batch size (default 64)
     * @throws Exception when the shared model or data cannot be read
     */
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        int batches = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        int batchSize = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        LabelledImageDataset data = SharedModels.fashionMnistTest().open();
        Preprocessing pre = SharedModels.fashionMnistPreprocessing();
        int images = batches * batchSize;

        try (ZooModel<NDList, NDList> model = SharedModels.loadResNet18();
                NDManager manager = model.getNDManager().newSubManager()) {
            Block block = model.getBlock();
            ParameterStore ps = new ParameterStore(manager, false);
            float[] batch = new float[batchSize * 3 * 64 * 64];
            for (int i = 0; i < batchSize; i++) {
                float[] x = pre.apply(data.image(i)).pixels();
                System.arraycopy(x, 0, batch, i * x.length, x.length);
            }
            NDArray input = manager.create(batch, new Shape(batchSize, 3, 64, 64));
            Evaluator evaluator =
                    Evaluator.builder()
                            .preprocessing(pre)
                            .batchSize(batchSize)
                            .limit(images)
                            .build();

            for (int i = 0; i < 5; i++) { // warm-up: the graph executor optimises the first calls
                forward(block, ps, input);
            }
            evaluator.evaluate(model, data);

            double[] bare = new double[rounds];
            double[] eval = new double[rounds];
            double[] ratio = new double[rounds];
            OperatingSystemMXBean os =
                    (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long bareCpu = 0;
            long evalCpu = 0;
            for (int r = 0; r < rounds; r++) {
                long c0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                for (int b = 0; b < batches; b++) {
                    forward(block, ps, input);
                }
                bare[r] = images / ((System.nanoTime() - t0) / 1e9);
                long c1 = os.getProcessCpuTime();
                eval[r] = evaluator.evaluate(model, data).imagesPerSecond();
                long c2 = os.getProcessCpuTime();
                bareCpu += c1 - c0;
                evalCpu += c2 - c1;
                ratio[r] = eval[r] / bare[r];
                System.out.printf(
                        Locale.ROOT,
                        "round %d: bare forward %.1f images/s, evaluate %.1f images/s, ratio %.3f%n",
                        r + 1,
                        bare[r],
                        eval[r],
                        eval[r] / bare[r]);
            }
            System.out.printf(
                    Locale.ROOT,
                    "batch %d, %d images per round, %d rounds, %d cores: median bare forward %.1f"
                            + " images/s, median evaluate %.1f images/s, median ratio %.3f%n",
                    batchSize,
                    images,
                    rounds,
                    Runtime.getRuntime().availableProcessors(),
                    median(bare),
                    median(eval),
                    median(ratio));
            double total = (double) rounds * images;
            System.out.printf(
                    Locale.ROOT,
                    "process CPU per image: bare forward %.2f ms, evaluate %.2f ms,"
                            + " bare/evaluate %.3f%n",
                    bareCpu / 1e6 / total,
                    evalCpu / 1e6 / total,
                    (double) bareCpu / evalCpu);
        }
    }

    private static void forward(Block block, ParameterStore ps, NDArray input) {
        try (NDManager scope = input.getManager().newSubManager()) {
            NDList out = block.forward(ps, new NDList(input), false);
            out.attach(scope);
            out.get(0).toFloatArray();
        }
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
