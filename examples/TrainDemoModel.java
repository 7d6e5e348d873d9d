/*
 * Trains the demo model that ships inside the PowerQuant jar: a small torchvision-style residual network with batch
 * norm, built from org.powerquant.nn.TorchvisionResNet, on Fashion-MNIST.
 *
 * Run from the repository root (Java's single-file source launcher, the shaded jar on the classpath):
 *
 *   mvn -q -B package -DskipTests && \
 *   java -Dai.djl.offline=true -cp target/powerquant-cli.jar examples/TrainDemoModel.java \
 *        --data ../shared/data/fashion-mnist --out src/main/resources/org/powerquant/demo
 *
 * Options (all optional): --data DIR (IDX .gz files; defaults to ../shared/data/fashion-mnist, then Debian's
 * /usr/share/datasets/fashion-mnist), --out DIR, --epochs N (default 12, as the bundled model), --width N,
 * --layers a,b,c, --batch N, --lr X, --seed N, --limit N (train on the first N training images only, for a quick
 * check).
 *
 * It writes fmnist-resnet-00NN.params (DJL Model.save) and fmnist-resnet.properties (architecture, preprocessing,
 * float top-1 on the full 10,000-image test set), which org.powerquant.demo.DemoModel reads back.
 */

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
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;

import org.powerquant.data.IdxDataset;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;

/** Trains and saves the bundled Fashion-MNIST demo model. */
public final class TrainDemoModel {

    private static final String NAME = "fmnist-resnet";
    private static final float MEAN = 0.2860f;
    private static final float STD = 0.3530f;
    private static final int CLASSES = 10;
    private static final int SIDE = 28;
    private static final int PIXELS = SIDE * SIDE;
    /** Random-crop padding in pixels (a random shift of up to this many pixels, zero-filled). */
    private static final int PAD = 2;

    private TrainDemoModel() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        Path data = dataDir(opt.get("data"));
        Path out = Paths.get(opt.getOrDefault("out", "src/main/resources/org/powerquant/demo"));
        int epochs = Integer.parseInt(opt.getOrDefault("epochs", "12"));
        int width = Integer.parseInt(opt.getOrDefault("width", "16"));
        int[] layers = Arrays.stream(opt.getOrDefault("layers", "1,1,1").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int batch = Integer.parseInt(opt.getOrDefault("batch", "128"));
        float lr = Float.parseFloat(opt.getOrDefault("lr", "0.1"));
        int seed = Integer.parseInt(opt.getOrDefault("seed", "42"));

        Engine.getInstance().setRandomSeed(seed);
        Random random = new Random(seed);
        IdxDataset trainSet = IdxDataset.open(data.resolve("train-images-idx3-ubyte.gz"),
                data.resolve("train-labels-idx1-ubyte.gz"));
        IdxDataset testSet = IdxDataset.open(data.resolve("t10k-images-idx3-ubyte.gz"),
                data.resolve("t10k-labels-idx1-ubyte.gz"));
        int nTrain = Math.min(trainSet.size(), Integer.parseInt(opt.getOrDefault("limit", "60000")));
        int nTest = testSet.size();
        float[] trainX = pixels(trainSet, nTrain);
        float[] testX = pixels(testSet, nTest);
        int[] testY = labels(testSet, nTest);
        System.out.printf("data %s: %d train, %d test images%n", data, nTrain, nTest);

        Block block = newBlock(width, layers);
        long start = System.nanoTime();
        float top1;
        try (Model model = Model.newInstance(NAME);
                NDManager manager = NDManager.newBaseManager()) {
            model.setBlock(block);
            int stepsPerEpoch = (nTrain + batch - 1) / batch;
            Tracker schedule = Tracker.cosine().setBaseValue(lr).optFinalValue(lr * 1e-3f)
                    .setMaxUpdates(epochs * stepsPerEpoch).build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.sgd().setLearningRateTracker(schedule).optMomentum(0.9f)
                            .optWeightDecays(5e-4f).build())
                    .addEvaluator(new Accuracy())
                    .addTrainingListeners(TrainingListener.Defaults.basic());
            NDArray testImages = manager.create(normalise(testX), new Shape(nTest, 1, SIDE, SIDE));
            NDArray testLabels = manager.create(toFloat(testY));
            ArrayDataset test = new ArrayDataset.Builder().setData(testImages).optLabels(testLabels)
                    .setSampling(500, false).build();
            NDArray trainLabels = manager.create(toFloat(labels(trainSet, nTrain)));
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, 1, SIDE, SIDE));
                System.out.printf("%s: %d parameters%n", describe(width, layers), countParameters(block));
                for (int epoch = 0; epoch < epochs; epoch++) {
                    try (NDManager epochManager = manager.newSubManager()) {
                        NDArray images = epochManager.create(augment(trainX, nTrain, random),
                                new Shape(nTrain, 1, SIDE, SIDE));
                        ArrayDataset train = new ArrayDataset.Builder().setData(images).optLabels(trainLabels)
                                .setSampling(batch, true).build();
                        int step = 0;
                        for (Batch b : trainer.iterateDataset(train)) {
                            EasyTrain.trainBatch(trainer, b);
                            trainer.step();
                            b.close();
                            if (++step % 100 == 0) {
                                System.out.printf(Locale.ROOT, "  epoch %d: %d/%d batches, %.0f s%n", epoch + 1,
                                        step, stepsPerEpoch, (System.nanoTime() - start) / 1e9);
                            }
                        }
                        EasyTrain.evaluateDataset(trainer, test);
                        trainer.notifyListeners(listener -> listener.onEpoch(trainer));
                    }
                    var result = trainer.getTrainingResult();
                    System.out.printf(Locale.ROOT, "epoch %d/%d: train acc %.4f, test acc %.4f, %.0f s%n",
                            epoch + 1, epochs, result.getTrainEvaluation("Accuracy"),
                            result.getValidateEvaluation("Accuracy"), (System.nanoTime() - start) / 1e9);
                }
            }
            top1 = top1(block, manager, testImages, testY);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "float top-1 on %d test images: %.4f (%.0f s training)%n",
                    nTest, top1, seconds);

            Files.createDirectories(out);
            model.setProperty("Epoch", String.valueOf(epochs));
            model.save(out, NAME);
            String paramsFile = String.format(Locale.ROOT, "%s-%04d.params", NAME, epochs);
            writeDescriptor(out, paramsFile, width, layers, epochs, batch, lr, seed, top1, nTest, seconds);
            System.out.printf("wrote %s (%d bytes) and %s.properties%n", out.resolve(paramsFile),
                    Files.size(out.resolve(paramsFile)), NAME);
        }
    }

    /** The architecture; DemoModel rebuilds the same block from the descriptor. */
    static Block newBlock(int width, int[] layers) {
        return TorchvisionResNet.builder()
                .setKind(ResidualKind.BASIC)
                .setLayers(layers)
                .optBaseWidth(width)
                .optInputChannels(1)
                .optNumClasses(CLASSES)
                .optSmallInput(true)
                .build();
    }

    static String describe(int width, int[] layers) {
        return "TorchvisionResNet(BASIC, layers " + Arrays.toString(layers) + ", width " + width + ")";
    }

    static long countParameters(Block block) {
        return block.getParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
    }

    /** Top-1 accuracy in inference mode (batch norm uses its running statistics). */
    static float top1(Block block, NDManager manager, NDArray images, int[] labels) {
        int correct = 0;
        int n = labels.length;
        for (int from = 0; from < n; from += 500) {
            int to = Math.min(n, from + 500);
            try (NDManager scope = manager.newSubManager()) {
                NDArray x = images.get(from + ":" + to);
                x.attach(scope);
                NDArray logits = block.forward(new ParameterStore(scope, false), new NDList(x), false)
                        .singletonOrThrow();
                long[] predicted = logits.argMax(1).toLongArray();
                for (int i = 0; i < predicted.length; i++) {
                    if (predicted[i] == labels[from + i]) {
                        correct++;
                    }
                }
            }
        }
        return (float) correct / n;
    }

    /** Random shift of up to PAD pixels (zero fill, i.e. a padded random crop) and a random horizontal flip. */
    static float[] augment(float[] images, int n, Random random) {
        float[] out = new float[n * PIXELS];
        float background = (0f - MEAN) / STD;
        for (int k = 0; k < n; k++) {
            int dy = random.nextInt(2 * PAD + 1) - PAD;
            int dx = random.nextInt(2 * PAD + 1) - PAD;
            boolean flip = random.nextBoolean();
            int base = k * PIXELS;
            for (int y = 0; y < SIDE; y++) {
                int sy = y + dy;
                for (int x = 0; x < SIDE; x++) {
                    int sx = (flip ? SIDE - 1 - x : x) + dx;
                    float v = background;
                    if (sy >= 0 && sy < SIDE && sx >= 0 && sx < SIDE) {
                        v = (images[base + sy * SIDE + sx] - MEAN) / STD;
                    }
                    out[base + y * SIDE + x] = v;
                }
            }
        }
        return out;
    }

    static float[] normalise(float[] images) {
        float[] out = new float[images.length];
        for (int i = 0; i < images.length; i++) {
            out[i] = (images[i] - MEAN) / STD;
        }
        return out;
    }

    /** The first n images, one after the other, row-major, in [0, 1]. */
    static float[] pixels(IdxDataset data, int n) {
        float[] out = new float[n * PIXELS];
        for (int i = 0; i < n; i++) {
            float[] image = data.image(i).pixels();
            if (image.length != PIXELS) {
                throw new IllegalArgumentException(data.description() + ": images are " + data.rows() + "x"
                        + data.cols() + ", expected " + SIDE + "x" + SIDE);
            }
            System.arraycopy(image, 0, out, i * PIXELS, PIXELS);
        }
        return out;
    }

    /** The first n labels. */
    static int[] labels(IdxDataset data, int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = data.label(i);
        }
        return out;
    }

    static float[] toFloat(int[] labels) {
        float[] out = new float[labels.length];
        for (int i = 0; i < labels.length; i++) {
            out[i] = labels[i];
        }
        return out;
    }

    static Path dataDir(String given) {
        if (given != null) {
            return Paths.get(given);
        }
        for (String candidate : new String[] {"../shared/data/fashion-mnist", "/usr/share/datasets/fashion-mnist"}) {
            if (Files.isRegularFile(Paths.get(candidate, "train-images-idx3-ubyte.gz"))) {
                return Paths.get(candidate);
            }
        }
        throw new IllegalArgumentException("--data: no Fashion-MNIST found in ../shared/data/fashion-mnist or "
                + "/usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)");
    }

    static void writeDescriptor(Path out, String paramsFile, int width, int[] layers, int epochs, int batch,
            float lr, int seed, float top1, int nTest, double seconds) throws IOException {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("architecture", "TorchvisionResNet");
        p.put("kind", ResidualKind.BASIC.name());
        p.put("layers", Arrays.stream(layers).mapToObj(String::valueOf).collect(Collectors.joining(",")));
        p.put("baseWidth", String.valueOf(width));
        p.put("inputChannels", "1");
        p.put("classes", String.valueOf(CLASSES));
        p.put("smallInput", "true");
        p.put("params", paramsFile);
        p.put("input.shape", "1,1," + SIDE + "," + SIDE);
        p.put("preprocess.scale", "0.00392156862745098");
        p.put("preprocess.mean", String.valueOf(MEAN));
        p.put("preprocess.std", String.valueOf(STD));
        p.put("classNames", "T-shirt/top,Trouser,Pullover,Dress,Coat,Sandal,Shirt,Sneaker,Bag,Ankle boot");
        p.put("float.top1", String.format(Locale.ROOT, "%.4f", top1));
        p.put("float.top1.images", String.valueOf(nTest));
        p.put("training.epochs", String.valueOf(epochs));
        p.put("training.batch", String.valueOf(batch));
        p.put("training.optimizer", "SGD momentum 0.9, weight decay 5e-4, cosine learning rate from " + lr);
        p.put("training.augmentation", "random shift up to " + PAD + " px (zero fill), horizontal flip");
        p.put("training.seed", String.valueOf(seed));
        p.put("training.seconds", String.format(Locale.ROOT, "%.0f", seconds));
        StringBuilder text = new StringBuilder(
                "# Bundled demo model (java.util.Properties), written by examples/TrainDemoModel.java\n");
        p.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        Path target = out.resolve(NAME + ".properties");
        Path temp = out.resolve(NAME + ".properties.tmp");
        Files.writeString(temp, text, StandardCharsets.ISO_8859_1);
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + args[i]);
            }
            opt.put(args[i].substring(2), args[++i]);
        }
        return opt;
    }
}
