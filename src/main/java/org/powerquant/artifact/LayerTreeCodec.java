package org.powerquant.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import ai.djl.util.Pair;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.powerquant.nn.InvertedResidual;
import org.powerquant.nn.ParallelResidualUnit;
import org.powerquant.nn.Relu;
import org.powerquant.nn.Relu6;
import org.powerquant.nn.ShapeOnly;

/**
 * The JSON description of a tree of DJL layers, one object per block with its {@code type} and
 * settings, and the blocks rebuilt from it: what {@link SequentialBlockCodec} and {@link
 * HookableNetworkCodec} write in a manifest. Rebuilding adds the blocks in the same order and of
 * the same classes as the described tree, so DJL gives the rebuilt parameters the same names.
 *
 * <p>Types: {@code sequential} ({@code layers}), {@code conv1d/2d/3d}, {@code linear}, {@code
 * batchNorm}, {@code relu}, {@code relu6}, {@code lambda} (DJL's flattening, identity and global
 * pooling lambdas, by name), {@code parallelResidual} (a {@link ParallelResidualUnit}: {@code
 * main}, optional {@code shortcut}), {@code invertedResidual} (an {@link InvertedResidual}: {@code
 * conv}, {@code residual}), {@code reshape} (a {@link ShapeOnly} block: the per-sample {@code
 * shape} it produces) and {@code maxPool2d} (DJL's max-pooling lambda, its settings found by {@link
 * MaxPoolProbe}). Other blocks whose settings DJL does not expose (any other lambda) are refused
 * naming their position.
 */
final class LayerTreeCodec {

    private static final Map<String, Supplier<Block>> LAMBDAS =
            Collections.unmodifiableSortedMap(
                    new TreeMap<>(
                            Map.of(
                                    "ReLU", Activation::reluBlock,
                                    "batchFlatten", Blocks::batchFlattenBlock,
                                    "globalAvgPool1d", Pool::globalAvgPool1dBlock,
                                    "globalAvgPool2d", Pool::globalAvgPool2dBlock,
                                    "globalAvgPool3d", Pool::globalAvgPool3dBlock,
                                    "globalMaxPool1d", Pool::globalMaxPool1dBlock,
                                    "globalMaxPool2d", Pool::globalMaxPool2dBlock,
                                    "globalMaxPool3d", Pool::globalMaxPool3dBlock,
                                    "identity", Blocks::identityBlock)));

    /** The layer types, as {@link #describe} writes them. */
    private static final List<String> TYPES =
            List.of(
                    "sequential",
                    "conv1d",
                    "conv2d",
                    "conv3d",
                    "linear",
                    "batchNorm",
                    "relu",
                    "relu6",
                    "parallelResidual",
                    "invertedResidual",
                    "reshape",
                    MaxPoolProbe.NAME,
                    "lambda");

    private LayerTreeCodec() {}

    /**
     * Describes the children of a block, in order.
     *
     * @param block the parent
     * @param path the parent's position prefix for messages ({@code ""} at the root, else {@code
     *     "3."})
     * @return one description per child
     * @throws IllegalArgumentException naming the position of a block that cannot be described
     */
    static JsonArray describeChildren(Block block, String path) {
        JsonArray layers = new JsonArray();
        int i = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            layers.add(describe(child.getValue(), path + i));
            i++;
        }
        return layers;
    }

    /**
     * Describes one block and what it holds.
     *
     * @param b the block
     * @param path its position, e.g. {@code 3.1}
     * @return its description
     * @throws IllegalArgumentException naming the position of a block that cannot be described
     */
    static JsonObject describe(Block b, String path) {
        JsonObject o = new JsonObject();
        if (b instanceof SequentialBlock) {
            o.addProperty("type", "sequential");
            o.add("layers", describeChildren(b, path + "."));
        } else if (b instanceof Convolution c
                && (b instanceof Conv1d || b instanceof Conv2d || b instanceof Conv3d)) {
            o.addProperty("type", "conv" + c.getKernelShape().dimension() + "d");
            o.add("kernel", shape(c.getKernelShape()));
            o.add("stride", shape(c.getStride()));
            o.add("padding", shape(c.getPadding()));
            o.add("dilation", shape(c.getDilation()));
            o.addProperty("filters", c.getFilters());
            o.addProperty("groups", c.getGroups());
            o.addProperty("bias", c.isIncludeBias());
        } else if (b instanceof Linear) {
            Parameter weight = b.getDirectParameters().get("weight");
            if (weight == null || !weight.isInitialized()) {
                throw new IllegalArgumentException(
                        "layer " + path + ": a Linear layer must be initialized to be described");
            }
            o.addProperty("type", "linear");
            o.addProperty("units", weight.getArray().getShape().get(0));
            o.addProperty("bias", b.getDirectParameters().contains("bias"));
        } else if (b instanceof BatchNorm) {
            o.addProperty("type", "batchNorm");
            o.addProperty("axis", (Integer) field(b, "axis", path));
            o.addProperty("epsilon", (Float) field(b, "epsilon", path));
            o.addProperty("momentum", (Float) field(b, "momentum", path));
            o.addProperty("center", (Boolean) field(b, "center", path));
            o.addProperty("scale", (Boolean) field(b, "scale", path));
        } else if (b instanceof Relu) {
            o.addProperty("type", b instanceof Relu6 ? "relu6" : "relu");
        } else if (b instanceof ParallelResidualUnit unit) {
            o.addProperty("type", "parallelResidual");
            List<Block> main = unit.getMainPath();
            o.add("main", describe(main.get(0), path + ".0"));
            if (unit.getDownsample() != null) {
                o.add("shortcut", describe(unit.getDownsample(), path + ".1"));
            }
        } else if (b instanceof InvertedResidual unit) {
            o.addProperty("type", "invertedResidual");
            o.addProperty("residual", unit.isResidual());
            o.add("conv", describe(unit.getMainPath(), path + ".conv"));
        } else if (b instanceof ShapeOnly reshape) {
            o.addProperty("type", "reshape");
            o.add("shape", sampleShape(reshape, path));
        } else if (b instanceof LambdaBlock lambda && MaxPoolProbe.NAME.equals(lambda.getName())) {
            return MaxPoolProbe.describe(lambda, path);
        } else if (b instanceof LambdaBlock lambda && LAMBDAS.containsKey(lambda.getName())) {
            o.addProperty("type", "lambda");
            o.addProperty("name", lambda.getName());
        } else {
            String what =
                    b instanceof LambdaBlock lambda
                            ? "LambdaBlock '" + lambda.getName() + "'"
                            : b.getClass().getSimpleName();
            throw new IllegalArgumentException(
                    "layer "
                            + path
                            + ": a "
                            + what
                            + " cannot be described in an artifact (supported: Conv1d/2d/3d,"
                            + " Linear, BatchNorm, ReLU, ReLU6, batchFlatten, global and 2-D max"
                            + " pooling, nested"
                            + " SequentialBlocks, and the residual units and reshapes of a rewritten"
                            + " DJL zoo network)");
        }
        return o;
    }

    /**
     * Rebuilds the blocks of a list of descriptions into a new sequence.
     *
     * @param layers the descriptions
     * @param f the manifest's checked reader
     * @param path the list's path in the manifest, e.g. {@code architecture.layers}
     * @return the sequence
     * @throws ArtifactException naming the field at fault
     * @throws RuntimeException if a layer refuses the settings read
     */
    static SequentialBlock buildSequence(JsonArray layers, JsonFields f, String path)
            throws ArtifactException {
        SequentialBlock sequence = new SequentialBlock();
        sequence.addAll(buildAll(layers, f, path));
        return sequence;
    }

    /**
     * Rebuilds the blocks of a list of descriptions.
     *
     * @param layers the descriptions
     * @param f the manifest's checked reader
     * @param path the list's path in the manifest, e.g. {@code architecture.layers}
     * @return the blocks, in order
     * @throws ArtifactException naming the field at fault
     * @throws RuntimeException if a layer refuses the settings read
     */
    static List<Block> buildAll(JsonArray layers, JsonFields f, String path)
            throws ArtifactException {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            String at = path + "[" + i + "]";
            blocks.add(build(f.object(layers.get(i), at), f, at + "."));
        }
        return blocks;
    }

    /**
     * Rebuilds one block from its description.
     *
     * @param o the description
     * @param f the manifest's checked reader
     * @param at the description's path in the manifest, e.g. {@code architecture.layers[3].}
     * @return the uninitialised block
     * @throws ArtifactException naming the field at fault
     * @throws RuntimeException if the layer refuses the settings read
     */
    private static Block build(JsonObject o, JsonFields f, String at) throws ArtifactException {
        switch (f.oneOf(o, at, "type", TYPES)) {
            case "sequential" -> {
                return buildSequence(f.array(o, at, "layers"), f, at + "layers");
            }
            case "conv1d" -> {
                Conv1d.Builder conv1d = Conv1d.builder();
                configure(conv1d, o, f, at);
                return conv1d.build();
            }
            case "conv2d" -> {
                Conv2d.Builder conv2d = Conv2d.builder();
                configure(conv2d, o, f, at);
                return conv2d.build();
            }
            case "conv3d" -> {
                Conv3d.Builder conv3d = Conv3d.builder();
                configure(conv3d, o, f, at);
                return conv3d.build();
            }
            case "linear" -> {
                return Linear.builder()
                        .setUnits(f.integer(o, at, "units"))
                        .optBias(f.bool(o, at, "bias"))
                        .build();
            }
            case "batchNorm" -> {
                return BatchNorm.builder()
                        .optAxis(f.intValue(o, at, "axis"))
                        .optEpsilon((float) f.number(o, at, "epsilon"))
                        .optMomentum((float) f.number(o, at, "momentum"))
                        .optCenter(f.bool(o, at, "center"))
                        .optScale(f.bool(o, at, "scale"))
                        .build();
            }
            case "relu" -> {
                return new Relu();
            }
            case "relu6" -> {
                return new Relu6();
            }
            case "parallelResidual" -> {
                return new ParallelResidualUnit(
                        build(f.object(o, at, "main"), f, at + "main."),
                        o.has("shortcut")
                                ? build(f.object(o, at, "shortcut"), f, at + "shortcut.")
                                : null);
            }
            case "invertedResidual" -> {
                JsonObject conv = f.object(o, at, "conv");
                if (!"sequential".equals(f.oneOf(conv, at + "conv.", "type", TYPES))) {
                    throw f.fault(
                            at + "conv.type",
                            "must be \"sequential\" (the conv of an invertedResidual), got the"
                                    + " string "
                                    + conv.get("type"));
                }
                return new InvertedResidual(
                        buildSequence(f.array(conv, at + "conv.", "layers"), f, at + "conv.layers"),
                        f.bool(o, at, "residual"));
            }
            case "reshape" -> {
                long[] shape = f.longs(o, at, "shape");
                for (int i = 0; i < shape.length; i++) {
                    if (shape[i] < 1) {
                        throw f.fault(at + "shape[" + i + "]", "must be positive, got " + shape[i]);
                    }
                }
                return reshape(shape);
            }
            case MaxPoolProbe.NAME -> {
                return MaxPoolProbe.build(
                        f.intValue(o, at, "kernel"),
                        f.intValue(o, at, "stride"),
                        f.intValue(o, at, "padding"),
                        f.bool(o, at, "ceilMode"));
            }
            case "lambda" -> {
                return LAMBDAS.get(f.oneOf(o, at, "name", LAMBDAS.keySet())).get();
            }
            default -> {
                throw new AssertionError("a type of TYPES not built");
            }
        }
    }

    /** A reshape of each sample to a fixed shape, the batch axis kept. */
    private static ShapeOnly reshape(long[] sample) {
        return new ShapeOnly(
                new LambdaBlock(
                        list -> {
                            NDArray x = list.singletonOrThrow();
                            long[] dims = new long[sample.length + 1];
                            dims[0] = x.getShape().get(0);
                            System.arraycopy(sample, 0, dims, 1, sample.length);
                            return new NDList(x.reshape(new Shape(dims)));
                        },
                        "reshape"));
    }

    /**
     * The shape a shape-only block gives each sample, from the input shape it was initialised with:
     * it keeps every value in order (checked when it was made), so reshaping to that shape computes
     * the same.
     */
    private static JsonArray sampleShape(ShapeOnly block, String path) {
        Shape[] in;
        try {
            in = block.getInputShapes();
        } catch (IllegalStateException e) {
            in = null;
        }
        if (in == null || in.length != 1) {
            throw new IllegalArgumentException(
                    "layer " + path + ": a reshape must be initialized to be described");
        }
        Shape out = block.getOutputShapes(in)[0];
        if (out.dimension() < 1 || out.get(0) != in[0].get(0) || out.size() != in[0].size()) {
            throw new IllegalArgumentException(
                    "layer "
                            + path
                            + ": a reshape from "
                            + in[0]
                            + " to "
                            + out
                            + " does not keep the batch axis and every value");
        }
        return shape(out.slice(1));
    }

    private static void configure(
            Convolution.ConvolutionBuilder<?> builder, JsonObject o, JsonFields f, String at)
            throws ArtifactException {
        builder.setKernelShape(new Shape(f.longs(o, at, "kernel")))
                .optStride(new Shape(f.longs(o, at, "stride")))
                .optPadding(new Shape(f.longs(o, at, "padding")))
                .optDilation(new Shape(f.longs(o, at, "dilation")))
                .setFilters(f.intValue(o, at, "filters"))
                .optGroups(f.intValue(o, at, "groups"));
        if (!f.bool(o, at, "bias")) {
            builder.optBias(false);
        }
    }

    private static JsonArray shape(Shape shape) {
        JsonArray a = new JsonArray();
        for (long d : shape.getShape()) {
            a.add(d);
        }
        return a;
    }

    /** BatchNorm exposes no getters for its settings: they are read from its fields. */
    private static Object field(Block block, String name, String path) {
        try {
            Field f = BatchNorm.class.getDeclaredField(name);
            f.setAccessible(true);
            return f.get(block);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "layer " + path + ": cannot read the BatchNorm's " + name + ": " + e, e);
        }
    }
}
