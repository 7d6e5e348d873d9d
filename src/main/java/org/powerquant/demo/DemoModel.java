package org.powerquant.demo;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

/**
 * The demo network bundled in the jar: a small torchvision-style residual network with batch norm
 * ({@link TorchvisionResNet}, small-input stem, one grey input channel) trained on Fashion-MNIST by
 * {@code examples/TrainDemoModel.java}.
 *
 * <p>An instance describes the bundled model as its descriptor {@value #DESCRIPTOR_RESOURCE}
 * records it: architecture, input normalisation and the float top-1 accuracy measured on the
 * bundled test set ({@link DemoData#testSet()}). {@link #loadModel(Device)} builds the same block
 * and loads the trained parameters from the classpath, offline. Instances are immutable. The model
 * takes images scaled to [0, 1] (as {@link org.powerquant.data.IdxDataset} decodes them),
 * normalised with {@link #getMean()} and {@link #getStd()}:
 *
 * <pre>{@code
 * DemoModel demo = DemoModel.bundled();
 * Evaluator evaluator = Evaluator.builder()
 *         .preprocessing(Preprocessing.builder().imageSize(28).channels(1)
 *                 .mean(demo.getMean()).std(demo.getStd()).build())
 *         .build();
 * try (Model model = demo.loadModel(Device.cpu())) {
 *     EvaluationResult result = evaluator.evaluate(model, DemoData.testSet());
 * }
 * }</pre>
 */
public final class DemoModel {

    /** Classpath location of the descriptor (a {@link Properties} file). */
    public static final String DESCRIPTOR_RESOURCE =
            "/org/powerquant/demo/fmnist-resnet.properties";

    /** The model name, also the prefix of the bundled parameter file. */
    public static final String NAME = "fmnist-resnet";

    private static final String RESOURCE_DIR = "/org/powerquant/demo/";

    private final ResidualKind kind;
    private final int[] layers;
    private final int baseWidth;
    private final int inputChannels;
    private final int classes;
    private final boolean smallInput;
    private final String paramsResource;
    private final Shape inputShape;
    private final float mean;
    private final float std;
    private final List<String> classNames;
    private final float recordedTop1;
    private final int recordedTop1Images;

    private DemoModel(Properties p, String source) {
        kind = ResidualKind.valueOf(required(p, "kind", source));
        layers =
                Arrays.stream(required(p, "layers", source).split(","))
                        .map(String::trim)
                        .mapToInt(Integer::parseInt)
                        .toArray();
        baseWidth = Integer.parseInt(required(p, "baseWidth", source));
        inputChannels = Integer.parseInt(required(p, "inputChannels", source));
        classes = Integer.parseInt(required(p, "classes", source));
        smallInput = Boolean.parseBoolean(required(p, "smallInput", source));
        paramsResource = RESOURCE_DIR + required(p, "params", source);
        inputShape =
                new Shape(
                        Arrays.stream(required(p, "input.shape", source).split(","))
                                .map(String::trim)
                                .mapToLong(Long::parseLong)
                                .toArray());
        mean = Float.parseFloat(required(p, "preprocess.mean", source));
        std = Float.parseFloat(required(p, "preprocess.std", source));
        classNames = List.of(required(p, "classNames", source).split(","));
        recordedTop1 = Float.parseFloat(required(p, "float.top1", source));
        recordedTop1Images = Integer.parseInt(required(p, "float.top1.images", source));
        if (!"TorchvisionResNet".equals(p.getProperty("architecture"))) {
            throw new IllegalArgumentException(
                    source
                            + ": architecture "
                            + p.getProperty("architecture")
                            + " is not TorchvisionResNet");
        }
        if (inputShape.dimension() != 4
                || inputShape.get(1) != inputChannels
                || classNames.size() != classes) {
            throw new IllegalArgumentException(
                    source
                            + ": input.shape "
                            + inputShape
                            + ", inputChannels "
                            + inputChannels
                            + ", classes "
                            + classes
                            + " and "
                            + classNames.size()
                            + " classNames do not agree");
        }
    }

    /**
     * Reads the descriptor of the model bundled in the jar.
     *
     * @return the bundled model's description
     * @throws IllegalStateException if the descriptor is missing from the classpath
     * @throws UncheckedIOException if it cannot be read
     * @throws IllegalArgumentException if it lacks an entry or an entry is malformed
     */
    public static DemoModel bundled() {
        Properties p = new Properties();
        try (InputStream in = open(DESCRIPTOR_RESOURCE)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(DESCRIPTOR_RESOURCE + ": " + e.getMessage(), e);
        }
        try {
            return new DemoModel(p, DESCRIPTOR_RESOURCE);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    DESCRIPTOR_RESOURCE + ": malformed number: " + e.getMessage(), e);
        }
    }

    /**
     * Loads the bundled model with its trained parameters; shorthand for {@code
     * bundled().loadModel(device)}.
     *
     * @param device the device to hold the parameters
     * @return a ready model, to be closed by the caller
     * @throws IOException if the parameter file cannot be read
     * @throws MalformedModelException if the parameter file does not match the block
     */
    public static Model load(Device device) throws IOException, MalformedModelException {
        return bundled().loadModel(device);
    }

    /**
     * Builds the bundled architecture, untrained and uninitialized.
     *
     * @return a new block
     */
    public TorchvisionResNet newBlock() {
        return TorchvisionResNet.builder()
                .setKind(kind)
                .setLayers(layers)
                .optBaseWidth(baseWidth)
                .optInputChannels(inputChannels)
                .optNumClasses(classes)
                .optSmallInput(smallInput)
                .build();
    }

    /**
     * Builds the block and loads the trained parameters (batch-norm running statistics included)
     * from the classpath. Works offline; nothing is written to disk.
     *
     * @param device the device to hold the parameters
     * @return a ready model named {@value #NAME}, to be closed by the caller
     * @throws IOException if the parameter file cannot be read
     * @throws MalformedModelException if the parameter file does not match the block
     */
    public Model loadModel(Device device) throws IOException, MalformedModelException {
        Model model = Model.newInstance(NAME, device);
        try (InputStream in = open(paramsResource)) {
            model.setBlock(newBlock());
            model.load(in);
            return model;
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Returns the shape of one input, {@code (1, channels, height, width)}.
     *
     * @return the input shape with batch size 1
     */
    public Shape getInputShape() {
        return inputShape;
    }

    /**
     * Returns the normalisation mean applied after scaling pixels to [0, 1].
     *
     * @return the mean
     */
    public float getMean() {
        return mean;
    }

    /**
     * Returns the normalisation standard deviation applied after scaling pixels to [0, 1].
     *
     * @return the standard deviation
     */
    public float getStd() {
        return std;
    }

    /**
     * Returns the class names, by label.
     *
     * @return an immutable list of {@code classes} names
     */
    public List<String> getClassNames() {
        return classNames;
    }

    /**
     * Returns the float top-1 accuracy recorded at training time on the bundled test set.
     *
     * @return a fraction in [0, 1]
     */
    public float getRecordedTop1() {
        return recordedTop1;
    }

    /**
     * Returns how many test images {@link #getRecordedTop1()} was measured on (the first ones).
     *
     * @return the number of images
     */
    public int getRecordedTop1Images() {
        return recordedTop1Images;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%s: TorchvisionResNet(%s, layers %s, width %d%s), float top-1 %.2f %%",
                NAME,
                kind,
                Arrays.toString(layers),
                baseWidth,
                smallInput ? ", small input" : "",
                100 * recordedTop1);
    }

    private static String required(Properties p, String key, String source) {
        String value = p.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(source + ": missing entry '" + key + "'");
        }
        return value.trim();
    }

    private static InputStream open(String resource) {
        InputStream in = DemoModel.class.getResourceAsStream(resource);
        if (in == null) {
            throw new IllegalStateException(
                    resource + ": bundled demo resource missing from the classpath");
        }
        return in;
    }
}
