package org.powerquant.zoo;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.powerquant.data.IdxDataset;

/**
 * Trains the DJL zoo fixtures ({@link ZooFixtures}): DJL's own {@code ResNetV1} (ResNet-20, the
 * builder's smallest 28x28 network) and narrow {@code MobileNetV1} and {@code MobileNetV2}, on
 * Fashion-MNIST, on CPU, from a fixed seed, and writes each as a DJL model directory: {@code
 * NAME-00EE.params} ({@code Model.save}) and {@code serving.properties} (for the ResNet, DJL's
 * {@code ResnetBlockFactory} and its arguments, so the directory loads the way DJL's zoo loads its
 * ResNets; the float top-1 on the first 2,000 test images, as a comment).
 *
 * <pre>
 * mvn -q -B -o -Dquick test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt \
 *     -Dmdep.includeScope=test
 * java -Dai.djl.offline=true -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) \
 *     org.powerquant.zoo.ZooFixtureTrainer resnet 20000 2 src/test/resources/org/powerquant/zoo
 * java ... org.powerquant.zoo.ZooFixtureTrainer mobilenetv1 20000 2 src/test/resources/org/powerquant/zoo
 * </pre>
 *
 * <p>Arguments: the network ({@code resnet}, {@code mobilenetv1} or {@code mobilenetv2}), the
 * number of training images (the first N of the 60,000), the epochs, the output folder (a
 * sub-folder per network). Data from {@code ../shared/data/fashion-mnist}. Inputs are 28x28, one
 * channel, scaled to [0, 1] and normalised with mean 0.2860 and standard deviation 0.3530.
 */
public final class ZooFixtureTrainer {

    private static final int BATCH = 64;
    private static final float LEARNING_RATE = 0.05f;
    private static final int SEED = 12;

    private ZooFixtureTrainer() {}

    /**
     * Trains and saves one network.
     *
     * @param args network, training images, epochs, output folder
     * @throws IOException if the data cannot be read or the model written
     * @throws TranslateException if a training batch fails
     */
    public static void main(String[] args) throws IOException, TranslateException {
        String which = args[0];
        int limit = Integer.parseInt(args[1]);
        int epochs = Integer.parseInt(args[2]);
        Path root = Paths.get(args[3]);
        ZooFixtures.Network network = ZooFixtures.Network.valueOf(which.toUpperCase(Locale.ROOT));
        Engine.getInstance().setRandomSeed(SEED);
        Path data =
                Paths.get(System.getProperty("powerquant.shared", "../shared"))
                        .resolve("data/fashion-mnist");
        IdxDataset trainSet =
                IdxDataset.open(
                        data.resolve("train-images-idx3-ubyte.gz"),
                        data.resolve("train-labels-idx1-ubyte.gz"));
        IdxDataset testSet =
                IdxDataset.open(
                        data.resolve("t10k-images-idx3-ubyte.gz"),
                        data.resolve("t10k-labels-idx1-ubyte.gz"));
        int nTrain = Math.min(limit, trainSet.size());
        int nTest = ZooFixtures.TEST_IMAGES;
        Block block = network.newBlock();
        long start = System.nanoTime();
        try (Model model = Model.newInstance(network.modelName());
                NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(block);
            int steps = epochs * ((nTrain + BATCH - 1) / BATCH);
            Tracker schedule =
                    Tracker.cosine()
                            .setBaseValue(LEARNING_RATE)
                            .optFinalValue(LEARNING_RATE * 1e-3f)
                            .setMaxUpdates(steps)
                            .build();
            DefaultTrainingConfig config =
                    new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                            .optOptimizer(
                                    Optimizer.sgd()
                                            .setLearningRateTracker(schedule)
                                            .optMomentum(0.9f)
                                            .optWeightDecays(5e-4f)
                                            .build())
                            .addEvaluator(new Accuracy());
            NDArray trainImages =
                    manager.create(
                            ZooFixtures.normalisedImages(trainSet, nTrain),
                            new Shape(nTrain, 1, ZooFixtures.SIDE, ZooFixtures.SIDE));
            NDArray trainLabels = manager.create(labels(trainSet, nTrain));
            ArrayDataset train =
                    new ArrayDataset.Builder()
                            .setData(trainImages)
                            .optLabels(trainLabels)
                            .setSampling(BATCH, true)
                            .build();
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, 1, ZooFixtures.SIDE, ZooFixtures.SIDE));
                for (int epoch = 0; epoch < epochs; epoch++) {
                    int step = 0;
                    for (Batch b : trainer.iterateDataset(train)) {
                        EasyTrain.trainBatch(trainer, b);
                        trainer.step();
                        b.close();
                        if (++step % 50 == 0) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "epoch %d: %d batches, %.0f s%n",
                                    epoch + 1,
                                    step,
                                    (System.nanoTime() - start) / 1e9);
                        }
                    }
                }
            }
            NDArray testImages =
                    manager.create(
                            ZooFixtures.normalisedImages(testSet, nTest),
                            new Shape(nTest, 1, ZooFixtures.SIDE, ZooFixtures.SIDE));
            double top1 = top1(block, manager, testImages, testSet, nTest);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(
                    Locale.ROOT,
                    "%s: float top-1 %.4f on the first %d test images, %.0f s%n",
                    network.modelName(),
                    top1,
                    nTest,
                    seconds);
            Path out = root.resolve(network.modelName());
            Files.createDirectories(out);
            model.setProperty("Epoch", String.valueOf(epochs));
            model.save(out, network.modelName());
            Map<String, String> properties = new LinkedHashMap<>(network.servingProperties());
            StringBuilder text =
                    new StringBuilder(
                            String.format(
                                    Locale.ROOT,
                                    "# written by org.powerquant.zoo.ZooFixtureTrainer %s %d %d:"
                                            + " float top-1 %.4f on the first %d test images,"
                                            + " %.0f s of training on CPU%n",
                                    which,
                                    limit,
                                    epochs,
                                    top1,
                                    nTest,
                                    seconds));
            properties.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(out.resolve("serving.properties"), text, StandardCharsets.ISO_8859_1);
        }
    }

    private static float[] labels(IdxDataset data, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = data.label(i);
        }
        return out;
    }

    private static double top1(
            Block block, NDManager manager, NDArray images, IdxDataset data, int n) {
        int correct = 0;
        for (int from = 0; from < n; from += 250) {
            int to = Math.min(n, from + 250);
            try (NDManager scope = manager.newSubManager()) {
                NDArray x = images.get(from + ":" + to);
                x.attach(scope);
                long[] predicted =
                        block.forward(new ParameterStore(scope, false), new NDList(x), false)
                                .singletonOrThrow()
                                .argMax(1)
                                .toLongArray();
                for (int i = 0; i < predicted.length; i++) {
                    if (predicted[i] == data.label(from + i)) {
                        correct++;
                    }
                }
            }
        }
        return (double) correct / n;
    }
}
