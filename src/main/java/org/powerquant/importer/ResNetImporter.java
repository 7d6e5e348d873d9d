package org.powerquant.importer;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.powerquant.nn.BasicBlock;
import org.powerquant.nn.Bottleneck;
import org.powerquant.nn.Relu;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;

/**
 * Rebuilds a TorchScript torchvision ResNet as a DJL-native {@link TorchvisionResNet} with the same
 * weights and BatchNorm running statistics.
 *
 * <p>Recognised: a root of class {@code torchvision.models.resnet.ResNet} whose stages hold only
 * {@code BasicBlock} or only {@code Bottleneck} units, with any number of stages and units, any
 * base width, {@code width_per_group}, {@code groups} (ResNeXt), input channels and classes, with
 * the 7x7/2 stem and max pooling or the small-input 3x3 stem with {@code maxpool = Identity}. Every
 * tensor must have the shape torchvision would give it and no module or tensor may be added or
 * missing. For a traced model, the TorchScript code of every convolution, batch norm and max
 * pooling is checked to hold torchvision's stride, padding, dilation, groups and epsilon; where the
 * archive has no such code (e.g. a scripted model) these, and the forward wiring, are taken to be
 * torchvision's.
 */
public final class ResNetImporter {

    private static final String RESNET_MODULE = "__torch__.torchvision.models.resnet.";

    /** The TorchScript class of a torchvision ResNet's root module. */
    static final String ROOT_CLASS = RESNET_MODULE + "ResNet";

    /** What a refusal adds: what activation quantization needs, and what works without it. */
    static final String ADVICE =
            "; activation quantization and bias correction need a DJL-native graph (torchvision"
                    + " ResNets and MobileNetV2s are imported), while weight-only quantization still"
                    + " works on any TorchScript model";

    private static final Set<String> STEM_NAMES =
            Set.of("conv1", "bn1", "relu", "maxpool", "avgpool", "fc");

    private static final Pattern TRACED_MAX_POOL =
            Pattern.compile(
                    "torch\\.max_pool2d\\(\\w+, "
                            + TracedModules.INTS
                            + ", "
                            + TracedModules.INTS
                            + ", "
                            + TracedModules.INTS
                            + ", "
                            + TracedModules.INTS
                            + "(?:, (False|True))?\\)");

    private ResNetImporter() {}

    /**
     * Reads a TorchScript torchvision ResNet and returns an equivalent DJL model on the PyTorch
     * engine, its block a {@link TorchvisionResNet} initialised with the archive's weights.
     *
     * @param file the TorchScript {@code .pt} file; not modified
     * @param device the device of the model's parameters
     * @return a new model; the caller closes it
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if the file is not a readable TorchScript archive
     * @throws UnsupportedModelException if the archive is not a torchvision ResNet
     */
    public static Model importModel(Path file, Device device)
            throws IOException, MalformedModelException, UnsupportedModelException {
        return TorchvisionImporter.importModel(file, device, ResNetImporter::importBlock);
    }

    /**
     * Builds the {@link TorchvisionResNet} equivalent to an archive and loads its tensors.
     *
     * @param archive the archive
     * @param manager the manager that will own the parameters (its device is used)
     * @return the initialised block
     * @throws UnsupportedModelException if the archive is not a torchvision ResNet
     */
    public static TorchvisionResNet importBlock(TorchScriptArchive archive, NDManager manager)
            throws UnsupportedModelException {
        TorchvisionResNet net = recognize(archive).build();
        // any input the network reduces to at least 1x1 before its global pooling
        long side = Math.max(32, (net.isSmallInput() ? 2L : 8L) << net.getLayers().length);
        net.initialize(manager, DataType.FLOAT32, new Shape(1, net.getInputChannels(), side, side));
        Map<String, Parameter> parameters = net.getTorchParameters();
        checkTensors(archive, parameters);
        checkModules(archive, net);
        checkTracedHyperParameters(archive, net);
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            e.getValue().getArray().set(FloatBuffer.wrap(archive.getTensor(e.getKey()).values()));
        }
        return net;
    }

    /**
     * Recognises the configuration of a torchvision ResNet archive.
     *
     * @param archive the archive
     * @return a builder of the equivalent {@link TorchvisionResNet}
     * @throws UnsupportedModelException if the archive is not a torchvision ResNet
     */
    public static TorchvisionResNet.Builder recognize(TorchScriptArchive archive)
            throws UnsupportedModelException {
        Map<String, TorchModule> modules = archive.getModules();
        String rootClass = modules.get("").className();
        if (!ROOT_CLASS.equals(rootClass)) {
            throw unsupported(archive, "root module is " + rootClass);
        }
        List<Integer> layers = new ArrayList<>();
        ResidualKind kind = null;
        for (int stage = 1; modules.containsKey("layer" + stage); stage++) {
            int units = 0;
            for (TorchModule unit;
                    (unit = modules.get("layer" + stage + "." + units)) != null;
                    units++) {
                ResidualKind unitKind = kindOf(unit.className());
                if (unitKind == null || (kind != null && unitKind != kind)) {
                    throw unsupported(archive, unit.name() + " is a " + unit.className());
                }
                kind = unitKind;
            }
            if (units == 0) {
                throw unsupported(archive, "layer" + stage + " has no residual units");
            }
            layers.add(units);
        }
        if (kind == null) {
            throw unsupported(archive, "no stage layer1");
        }
        long[] conv1 = shapeOf(archive, "conv1.weight", 4);
        long[] fc = shapeOf(archive, "fc.weight", 2);
        if (conv1[2] != conv1[3] || (conv1[2] != 7 && conv1[2] != 3)) {
            throw unsupported(
                    archive, "conv1 kernel " + conv1[2] + "x" + conv1[3] + " is not 7x7 or 3x3");
        }
        boolean smallInput = conv1[2] == 3;
        TorchModule maxpool = modules.get("maxpool");
        String expectedPool = smallInput ? "Identity" : "MaxPool2d";
        if (maxpool == null || !expectedPool.equals(maxpool.simpleClassName())) {
            throw unsupported(
                    archive,
                    "a "
                            + conv1[2]
                            + "x"
                            + conv1[3]
                            + " conv1 needs maxpool = "
                            + expectedPool
                            + ", found "
                            + (maxpool == null ? "none" : maxpool.className()));
        }
        int baseWidth = Math.toIntExact(conv1[0]);
        int widthPerGroup = 64;
        int groups = 1;
        if (kind == ResidualKind.BOTTLENECK) {
            // torchvision: width = planes * width_per_group / 64 * groups, and the 3x3
            // convolution of a unit reads width / groups channels per output channel
            long width = shapeOf(archive, "layer1.0.conv1.weight", 4)[0];
            long perGroupInput = shapeOf(archive, "layer1.0.conv2.weight", 4)[1];
            if (perGroupInput < 1 || width % perGroupInput != 0) {
                throw unsupported(
                        archive,
                        "layer1.0.conv2 reads "
                                + perGroupInput
                                + " channels per group of a width "
                                + width
                                + " unit");
            }
            groups = Math.toIntExact(width / perGroupInput);
            if (perGroupInput * 64 % baseWidth != 0) {
                throw unsupported(
                        archive,
                        "layer1.0.conv1 width "
                                + width
                                + " in "
                                + groups
                                + " groups is not a torchvision width");
            }
            widthPerGroup = Math.toIntExact(perGroupInput * 64 / baseWidth);
        }
        return TorchvisionResNet.builder()
                .setKind(kind)
                .setLayers(layers.stream().mapToInt(Integer::intValue).toArray())
                .optBaseWidth(baseWidth)
                .optWidthPerGroup(widthPerGroup)
                .optGroups(groups)
                .optInputChannels(Math.toIntExact(conv1[1]))
                .optNumClasses(Math.toIntExact(fc[0]))
                .optSmallInput(smallInput);
    }

    private static ResidualKind kindOf(String className) {
        if ((RESNET_MODULE + "BasicBlock").equals(className)) {
            return ResidualKind.BASIC;
        }
        if ((RESNET_MODULE + "Bottleneck").equals(className)) {
            return ResidualKind.BOTTLENECK;
        }
        return null;
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

    private static void checkTensors(TorchScriptArchive archive, Map<String, Parameter> parameters)
            throws UnsupportedModelException {
        TracedModules.checkTensors(archive, parameters, ResNetImporter::unsupported);
    }

    private static void checkModules(TorchScriptArchive archive, TorchvisionResNet net)
            throws UnsupportedModelException {
        Map<String, Block> blocks = TorchNames.blocks(net);
        for (TorchModule module : archive.getModules().values()) {
            if (module.name().isEmpty()
                    || (net.isSmallInput() && "maxpool".equals(module.name()))) {
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

    private static void checkTracedHyperParameters(
            TorchScriptArchive archive, TorchvisionResNet net) throws UnsupportedModelException {
        TracedModules.checkTracedCode(
                archive,
                net,
                (name, block, source) -> {
                    if (!"maxpool".equals(name)) {
                        return null;
                    }
                    Matcher m = TRACED_MAX_POOL.matcher(source);
                    if (!m.find()) {
                        return null;
                    }
                    return new TracedModules.Mismatch(
                            "kernel "
                                    + m.group(1)
                                    + ", stride "
                                    + m.group(2)
                                    + ", padding "
                                    + m.group(3)
                                    + ", dilation "
                                    + m.group(4)
                                    + ("True".equals(m.group(5)) ? ", ceil_mode" : ""),
                            "kernel [3, 3], stride [2, 2], padding [1, 1], dilation [1, 1]");
                },
                ResNetImporter::unsupported);
    }

    private static String torchClassOf(String name, Block block) {
        if (block instanceof Conv2d) {
            return "Conv2d";
        } else if (block instanceof BatchNorm) {
            return "BatchNorm2d";
        } else if (block instanceof Relu) {
            return "ReLU";
        } else if (block instanceof Linear) {
            return "Linear";
        } else if (block instanceof SequentialBlock) {
            return "Sequential";
        } else if (block instanceof BasicBlock) {
            return "BasicBlock";
        } else if (block instanceof Bottleneck) {
            return "Bottleneck";
        } else if (block instanceof LambdaBlock && STEM_NAMES.contains(name)) {
            return "maxpool".equals(name) ? "MaxPool2d" : "AdaptiveAvgPool2d";
        }
        return null;
    }

    private static UnsupportedModelException unsupported(
            TorchScriptArchive archive, String reason) {
        return new UnsupportedModelException(
                archive.getFile() + ": not a torchvision ResNet (" + reason + ")" + ADVICE);
    }
}
