package org.powerquant.zoo;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.MalformedModelException;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV1;
import ai.djl.basicmodelzoo.cv.classification.MobileNetV2;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.powerquant.data.IdxDataset;

/**
 * The DJL zoo networks trained on Fashion-MNIST by {@link ZooFixtureTrainer}, committed under
 * {@code src/test/resources/org/powerquant/zoo/<name>/}: their architectures and preprocessing.
 */
public final class ZooFixtures {

    /** Image side. */
    public static final int SIDE = 28;

    /** Normalisation mean of Fashion-MNIST. */
    public static final float MEAN = 0.2860f;

    /** Normalisation standard deviation of Fashion-MNIST. */
    public static final float STD = 0.3530f;

    /** How many test images accuracy figures use (the first ones of the test set). */
    public static final int TEST_IMAGES = 2000;

    private ZooFixtures() {}

    /** The trained zoo networks. */
    public enum Network {
        /** DJL's {@code ResNetV1}, 20 layers (its 28x28 variant: widths 16/32/64). */
        RESNET("resnetv1"),
        /**
         * DJL's {@code MobileNetV1}, width multiplier 0.25 (widths 8 to 256), stride-2 stem: 28x28
         * becomes 1x1 after its five stride-2 steps.
         */
        MOBILENETV1("mobilenetv1"),
        /** DJL's {@code MobileNetV2}, narrow, expansion 4, for 28x28 inputs. */
        MOBILENETV2("mobilenetv2");

        private final String modelName;

        Network(String modelName) {
            this.modelName = modelName;
        }

        /**
         * Returns the model's name: its folder and its parameter file's prefix.
         *
         * @return the model's name: its folder and its parameter file's prefix
         */
        public String modelName() {
            return modelName;
        }

        /**
         * Returns a new, uninitialised block of this architecture.
         *
         * @return a new, uninitialised block of this architecture
         */
        public Block newBlock() {
            return switch (this) {
                case RESNET ->
                        ResNetV1.builder()
                                .setImageShape(new Shape(1, SIDE, SIDE))
                                .setNumLayers(20)
                                .setOutSize(10)
                                .build();
                case MOBILENETV1 ->
                        MobileNetV1.builder().optWidthMultiplier(0.25f).setOutSize(10).build();
                case MOBILENETV2 ->
                        MobileNetV2.builder()
                                .setOutSize(10)
                                .optFilters(new int[] {16, 8, 16, 24, 32, 48, 64, 96, 256})
                                .optStrides(new int[] {1, 1, 2, 2, 1, 1, 2, 1, 1})
                                .optMultiTimes(new int[] {1, 4, 4, 4, 4, 4, 4})
                                .build();
            };
        }

        /**
         * Returns what {@code serving.properties} holds: for the ResNet, DJL's {@code
         * ResnetBlockFactory} and its scalar arguments (the image shape, a list, is passed by the
         * {@code Criteria}).
         *
         * @return what {@code serving.properties} holds: for the ResNet, DJL's {@code
         *     ResnetBlockFactory} and its scalar arguments (the image shape, a list, is passed by
         *     the {@code Criteria})
         */
        public Map<String, String> servingProperties() {
            Map<String, String> p = new LinkedHashMap<>();
            p.put("engine", "PyTorch");
            if (this == RESNET) {
                p.put("blockFactory", "ai.djl.basicmodelzoo.cv.classification.ResnetBlockFactory");
                p.put("numLayers", "20");
                p.put("outSize", "10");
            }
            return p;
        }
    }

    /**
     * DJL's {@code ResNetV1} as its builder makes it for images of 64 pixels or more: ImageNet's
     * stem (7x7 stride-2 convolution, batch norm, ReLU, 3x3 stride-2 max pooling) and bottleneck
     * units, 18 layers, for 3x64x64 images, 10 classes (untrained).
     *
     * @return a new, uninitialised block
     */
    public static Block resNetV1ForLargeImages() {
        return ResNetV1.builder()
                .setImageShape(new Shape(3, 64, 64))
                .setNumLayers(18)
                .setOutSize(10)
                .build();
    }

    /**
     * The first images of a data set, scaled to [0, 1] and normalised, one after the other.
     *
     * @param data the data set (28x28 images)
     * @param n how many
     * @return (n, 1, 28, 28) row-major
     */
    public static float[] normalisedImages(IdxDataset data, int n) {
        int pixels = SIDE * SIDE;
        float[] out = new float[n * pixels];
        for (int i = 0; i < n; i++) {
            float[] image = data.image(i).pixels();
            for (int j = 0; j < pixels; j++) {
                out[i * pixels + j] = (image[j] - MEAN) / STD;
            }
        }
        return out;
    }

    /**
     * The committed model directory of a network, if it is there.
     *
     * @param network the network
     * @return its directory, or null if the test resources do not hold it
     */
    public static Path directory(Network network) {
        URL url =
                ZooFixtures.class.getResource(
                        "/org/powerquant/zoo/" + network.modelName() + "/serving.properties");
        if (url == null || !"file".equals(url.getProtocol())) {
            return null;
        }
        try {
            return Paths.get(url.toURI()).getParent();
        } catch (URISyntaxException e) {
            return null;
        }
    }

    /**
     * The committed model directory of a network, or skips the test with the command that
     * regenerates it.
     *
     * @param network the network
     * @return its directory
     */
    public static Path directoryOrSkip(Network network) {
        Path dir = directory(network);
        assumeTrue(
                dir != null && Files.isDirectory(dir),
                "trained zoo fixture "
                        + network.modelName()
                        + " absent: regenerate it with org.powerquant.zoo.ZooFixtureTrainer (see its"
                        + " javadoc)");
        return dir;
    }

    /**
     * The criteria that load a trained network from its directory the way DJL's zoo loads its
     * models, offline: for the ResNet, {@code serving.properties} names DJL's {@code
     * ResnetBlockFactory}, which builds the block from the arguments ({@code numLayers} and {@code
     * outSize} from the file, the image shape, a list, from the criteria), and DJL reads the
     * parameters into it; the MobileNets, which have no block factory in DJL, are given their
     * block.
     *
     * @param network the network
     * @param dir its directory
     * @return criteria for raw {@link NDList}s (images in, logits out)
     */
    public static Criteria<NDList, NDList> criteria(Network network, Path dir) {
        Criteria.Builder<NDList, NDList> builder =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(dir)
                        .optModelName(network.modelName())
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator());
        if (network == Network.RESNET) {
            builder.optArgument("imageShape", List.of(1.0, (double) SIDE, (double) SIDE));
        } else {
            builder.optBlock(network.newBlock());
        }
        return builder.build();
    }

    /**
     * Loads a trained network with {@link #criteria}.
     *
     * @param network the network
     * @param dir its directory
     * @return the model
     * @throws IOException if it cannot be read
     * @throws ModelNotFoundException if DJL finds no model there
     * @throws MalformedModelException if the parameters do not fit the block
     */
    public static ZooModel<NDList, NDList> load(Network network, Path dir)
            throws IOException, ModelNotFoundException, MalformedModelException {
        return criteria(network, dir).loadModel();
    }

    /**
     * The Fashion-MNIST test images and labels this fixture is scored on.
     *
     * @param fashionMnist the folder of the IDX files
     * @return the first {@link #TEST_IMAGES} images, normalised
     * @throws IOException if they cannot be read
     */
    public static TestImages testImages(Path fashionMnist) throws IOException {
        IdxDataset test =
                IdxDataset.open(
                        fashionMnist.resolve("t10k-images-idx3-ubyte.gz"),
                        fashionMnist.resolve("t10k-labels-idx1-ubyte.gz"));
        int[] labels = new int[TEST_IMAGES];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = test.label(i);
        }
        return new TestImages(normalisedImages(test, TEST_IMAGES), labels);
    }

    /**
     * Normalised test images and their labels.
     *
     * @param images (n, 1, 28, 28) row-major
     * @param labels n labels
     */
    public record TestImages(float[] images, int[] labels) {

        /**
         * The top-1 accuracy of a network on these images, in inference mode.
         *
         * @param block the network
         * @return the accuracy in percent
         */
        public double top1(Block block) {
            int pixels = SIDE * SIDE;
            int correct = 0;
            try (NDManager manager = NDManager.newBaseManager()) {
                for (int from = 0; from < labels.length; from += 250) {
                    int n = Math.min(250, labels.length - from);
                    try (NDManager scope = manager.newSubManager()) {
                        float[] batch = new float[n * pixels];
                        System.arraycopy(images, from * pixels, batch, 0, batch.length);
                        NDArray x = scope.create(batch, new Shape(n, 1, SIDE, SIDE));
                        long[] predicted =
                                block.forward(
                                                new ParameterStore(scope, false),
                                                new NDList(x),
                                                false)
                                        .singletonOrThrow()
                                        .argMax(1)
                                        .toLongArray();
                        for (int i = 0; i < n; i++) {
                            if (predicted[i] == labels[from + i]) {
                                correct++;
                            }
                        }
                    }
                }
            }
            return 100.0 * correct / labels.length;
        }
    }
}
