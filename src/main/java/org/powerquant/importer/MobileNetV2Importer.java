package org.powerquant.importer;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.powerquant.nn.InvertedResidual;
import org.powerquant.nn.Relu6;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionMobileNetV2;

/**
 * Rebuilds a TorchScript torchvision MobileNetV2 as a DJL-native {@link TorchvisionMobileNetV2}
 * with the same weights and batch-norm running statistics ({@link TorchvisionImporter#importModel}
 * reads the file).
 *
 * <p>Recognised: a root of class {@code torchvision.models.mobilenetv2.MobileNetV2} with
 * torchvision's inverted residual setting at one of torchvision's usual width multipliers, any
 * number of input channels and classes. Every tensor must have the shape torchvision would give it
 * and no module or tensor may be added or missing. For a traced model, the TorchScript code of
 * every convolution and batch norm is checked to hold the expected stride, padding, dilation,
 * groups and epsilon, and that of every inverted residual to add its input exactly when
 * torchvision's would.
 */
public final class MobileNetV2Importer {

    /** The root class this importer recognises. */
    static final String ROOT_CLASS = "__torch__.torchvision.models.mobilenetv2.MobileNetV2";

    private static final float[] WIDTHS = {1.0f, 0.75f, 0.5f, 0.35f, 0.25f, 1.3f, 1.4f, 0.1f};

    private MobileNetV2Importer() {}

    /**
     * Builds the {@link TorchvisionMobileNetV2} equivalent to an archive and loads its tensors.
     *
     * @param archive the archive
     * @param manager the manager that will own the parameters (its device is used)
     * @return the initialised block
     * @throws UnsupportedModelException if the archive is not a torchvision MobileNetV2
     */
    public static TorchvisionMobileNetV2 importBlock(TorchScriptArchive archive, NDManager manager)
            throws UnsupportedModelException {
        TorchvisionMobileNetV2 net = recognize(archive).build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, net.getInputChannels(), 32, 32));
        Map<String, Parameter> parameters = TorchNames.parameters(net);
        TracedModules.checkTensors(archive, parameters, MobileNetV2Importer::unsupported);
        checkModules(archive, net);
        checkTracedCode(archive, net);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            e.getValue().getArray().set(FloatBuffer.wrap(archive.getTensor(e.getKey()).values()));
        }
        return net;
    }

    /**
     * Recognises the configuration of a torchvision MobileNetV2 archive.
     *
     * @param archive the archive
     * @return a builder of the equivalent {@link TorchvisionMobileNetV2}
     * @throws UnsupportedModelException if the archive is not a torchvision MobileNetV2
     */
    public static TorchvisionMobileNetV2.Builder recognize(TorchScriptArchive archive)
            throws UnsupportedModelException {
        String rootClass = archive.getModules().get("").className();
        if (!ROOT_CLASS.equals(rootClass)) {
            throw unsupported(archive, "root module is " + rootClass);
        }
        long[] stem = shapeOf(archive, "features.0.0.weight", 4);
        long[] fc = shapeOf(archive, "classifier.1.weight", 2);
        Float width = null;
        UnsupportedModelException mismatch = null;
        for (float w : WIDTHS) {
            if (makeDivisible(32 * w) != stem[0]
                    || makeDivisible(1280 * Math.max(1f, w)) != fc[1]) {
                continue;
            }
            // several widths round to the same stem and last widths: the inner ones decide
            TorchvisionMobileNetV2 candidate =
                    TorchvisionMobileNetV2.builder()
                            .optWidthMultiplier(w)
                            .optInputChannels(Math.toIntExact(stem[1]))
                            .optNumClasses(Math.toIntExact(fc[0]))
                            .build();
            try (NDManager trial = NDManager.newBaseManager()) {
                candidate.initialize(trial, DataType.FLOAT32, new Shape(1, stem[1], 32, 32));
                TracedModules.checkTensors(
                        archive,
                        TorchNames.parameters(candidate),
                        MobileNetV2Importer::unsupported);
                width = w;
                break;
            } catch (UnsupportedModelException e) {
                mismatch = mismatch == null ? e : mismatch;
            }
        }
        if (width == null && mismatch != null) {
            throw mismatch;
        }
        return TorchvisionMobileNetV2.builder()
                .optWidthMultiplier(width)
                .optInputChannels(Math.toIntExact(stem[1]))
                .optNumClasses(Math.toIntExact(fc[0]));
    }

    private static int makeDivisible(float v) {
        int rounded = Math.max(8, (int) (v + 4f) / 8 * 8);
        return rounded < 0.9f * v ? rounded + 8 : rounded;
    }

    private static long[] shapeOf(TorchScriptArchive archive, String name, int rank)
            throws UnsupportedModelException {
        TorchTensor t = archive.getTensors().get(name);
        if (t == null || t.shape().length != rank) {
            throw unsupported(
                    archive,
                    t == null
                            ? "no tensor " + name
                            : name + " has shape " + Arrays.toString(t.shape()));
        }
        return t.shape();
    }

    private static void checkModules(TorchScriptArchive archive, TorchvisionMobileNetV2 net)
            throws UnsupportedModelException {
        Map<String, Block> blocks = TorchNames.blocks(net);
        for (TorchModule module : archive.getModules().values()) {
            if (module.name().isEmpty()) {
                continue;
            }
            Block block = blocks.get(module.name());
            String expected = block == null ? null : torchClassOf(module.name(), block);
            if (!module.simpleClassName().equals(expected)) {
                throw unsupported(
                        archive,
                        "unexpected module " + module.name() + " of class " + module.className());
            }
        }
    }

    private static String torchClassOf(String name, Block block) {
        if (block instanceof Conv2d) {
            return "Conv2d";
        } else if (block instanceof BatchNorm) {
            return "BatchNorm2d";
        } else if (block instanceof Relu6) {
            return "ReLU6";
        } else if (block instanceof Linear) {
            return "Linear";
        } else if (block instanceof Dropout) {
            return "Dropout";
        } else if (block instanceof InvertedResidual) {
            return "InvertedResidual";
        } else if (block instanceof SequentialBlock sequence) {
            // torchvision's Conv2dNormActivation is a Sequential of conv, norm and activation
            List<Block> children = sequence.getChildren().values();
            boolean convNormActivation =
                    name.startsWith("features.")
                            && children.size() == 3
                            && children.get(0) instanceof Conv2d
                            && children.get(2) instanceof Relu6;
            return convNormActivation ? "Conv2dNormActivation" : "Sequential";
        }
        return null;
    }

    private static void checkTracedCode(TorchScriptArchive archive, TorchvisionMobileNetV2 net)
            throws UnsupportedModelException {
        TracedModules.checkTracedCode(
                archive,
                net,
                (name, block, source) -> {
                    if (!(block instanceof InvertedResidual unit)) {
                        return null;
                    }
                    boolean adds = source.contains("torch.add(");
                    return adds == unit.isResidual()
                            ? null
                            : new TracedModules.Mismatch(
                                    adds ? "a residual add" : "no residual add",
                                    unit.isResidual() ? "a residual add" : "no residual add");
                },
                MobileNetV2Importer::unsupported);
    }

    static UnsupportedModelException unsupported(TorchScriptArchive archive, String reason) {
        return new UnsupportedModelException(
                archive.getFile() + ": not a torchvision MobileNetV2 (" + reason + ")");
    }
}
