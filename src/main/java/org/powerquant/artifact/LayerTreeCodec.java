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
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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
            Map.of(
                    "ReLU", Activation::reluBlock,
                    "batchFlatten", Blocks::batchFlattenBlock,
                    "globalAvgPool1d", Pool::globalAvgPool1dBlock,
                    "globalAvgPool2d", Pool::globalAvgPool2dBlock,
                    "globalAvgPool3d", Pool::globalAvgPool3dBlock,
                    "globalMaxPool1d", Pool::globalMaxPool1dBlock,
                    "globalMaxPool2d", Pool::globalMaxPool2dBlock,
                    "globalMaxPool3d", Pool::globalMaxPool3dBlock,
                    "identity", Blocks::identityBlock);

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
     * @return the sequence
     * @throws RuntimeException if a description is malformed
     */
    static SequentialBlock buildSequence(JsonArray layers) {
        SequentialBlock sequence = new SequentialBlock();
        for (JsonElement element : layers) {
            sequence.add(build(element.getAsJsonObject()));
        }
        return sequence;
    }

    /**
     * Rebuilds one block from its description.
     *
     * @param o the description
     * @return the uninitialised block
     * @throws RuntimeException if the description is malformed
     */
    static Block build(JsonObject o) {
        String type = entry(o, "type").getAsString();
        switch (type) {
            case "sequential":
                return buildSequence(entry(o, "layers").getAsJsonArray());
            case "conv1d":
                Conv1d.Builder conv1d = Conv1d.builder();
                configure(conv1d, o);
                return conv1d.build();
            case "conv2d":
                Conv2d.Builder conv2d = Conv2d.builder();
                configure(conv2d, o);
                return conv2d.build();
            case "conv3d":
                Conv3d.Builder conv3d = Conv3d.builder();
                configure(conv3d, o);
                return conv3d.build();
            case "linear":
                return Linear.builder()
                        .setUnits(entry(o, "units").getAsLong())
                        .optBias(entry(o, "bias").getAsBoolean())
                        .build();
            case "batchNorm":
                return BatchNorm.builder()
                        .optAxis(entry(o, "axis").getAsInt())
                        .optEpsilon(entry(o, "epsilon").getAsFloat())
                        .optMomentum(entry(o, "momentum").getAsFloat())
                        .optCenter(entry(o, "center").getAsBoolean())
                        .optScale(entry(o, "scale").getAsBoolean())
                        .build();
            case "relu":
                return new Relu();
            case "relu6":
                return new Relu6();
            case "parallelResidual":
                return new ParallelResidualUnit(
                        build(entry(o, "main").getAsJsonObject()),
                        o.has("shortcut") ? build(entry(o, "shortcut").getAsJsonObject()) : null);
            case "invertedResidual":
                if (!(build(entry(o, "conv").getAsJsonObject()) instanceof SequentialBlock conv)) {
                    throw new IllegalArgumentException(
                            "the conv of an invertedResidual must be a sequential");
                }
                return new InvertedResidual(conv, entry(o, "residual").getAsBoolean());
            case "reshape":
                return reshape(longs(entry(o, "shape").getAsJsonArray()));
            case MaxPoolProbe.NAME:
                return MaxPoolProbe.build(
                        entry(o, "kernel").getAsInt(),
                        entry(o, "stride").getAsInt(),
                        entry(o, "padding").getAsInt(),
                        entry(o, "ceilMode").getAsBoolean());
            case "lambda":
                Supplier<Block> lambda = LAMBDAS.get(entry(o, "name").getAsString());
                if (lambda == null) {
                    throw new IllegalArgumentException("unknown lambda " + entry(o, "name"));
                }
                return lambda.get();
            default:
                throw new IllegalArgumentException("unknown layer type " + type);
        }
    }

    /** A reshape of each sample to a fixed shape, the batch axis kept. */
    private static ShapeOnly reshape(long[] sample) {
        for (long d : sample) {
            if (d < 1) {
                throw new IllegalArgumentException(
                        "reshape shape " + Arrays.toString(sample) + " has a dimension below 1");
            }
        }
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

    private static void configure(Convolution.ConvolutionBuilder<?> builder, JsonObject o) {
        builder.setKernelShape(new Shape(longs(entry(o, "kernel").getAsJsonArray())))
                .optStride(new Shape(longs(entry(o, "stride").getAsJsonArray())))
                .optPadding(new Shape(longs(entry(o, "padding").getAsJsonArray())))
                .optDilation(new Shape(longs(entry(o, "dilation").getAsJsonArray())))
                .setFilters(entry(o, "filters").getAsInt())
                .optGroups(entry(o, "groups").getAsInt());
        if (!entry(o, "bias").getAsBoolean()) {
            builder.optBias(false);
        }
    }

    /**
     * An entry of a description, which must be there.
     *
     * @param o the description
     * @param key the entry's name
     * @return its value
     * @throws IllegalArgumentException naming the entry and the layer type if it is missing
     */
    static JsonElement entry(JsonObject o, String key) {
        JsonElement e = o.get(key);
        if (e == null || e.isJsonNull()) {
            JsonElement type = o.get("type");
            throw new IllegalArgumentException(
                    (type == null ? "a layer" : "a " + type.getAsString() + " layer")
                            + " has no '"
                            + key
                            + "'");
        }
        return e;
    }

    private static JsonArray shape(Shape shape) {
        JsonArray a = new JsonArray();
        for (long d : shape.getShape()) {
            a.add(d);
        }
        return a;
    }

    private static long[] longs(JsonArray a) {
        long[] dims = new long[a.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = a.get(i).getAsLong();
        }
        return dims;
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
