package org.powerquant.artifact;

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
import java.util.Map;
import java.util.function.Supplier;
import org.powerquant.nn.Relu;
import org.powerquant.quant.ActivationGrid;

/**
 * {@link ArchitectureCodec} of DJL {@link SequentialBlock} trees of the layers the transform
 * handles: {@code Conv1d/2d/3d}, {@code Linear}, {@code BatchNorm}, ReLU ({@link
 * Activation#reluBlock()} or {@link Relu}), flattening ({@link Blocks#batchFlattenBlock()}), global
 * pooling and nested sequences. Described as {@code {"layers": [{"type": ...}, ...]}}. Blocks whose
 * settings DJL does not expose (e.g. a max pooling with its kernel, any custom lambda) are refused
 * by name. Activation quantizers are not installed on these trees, so none are stored.
 */
public final class SequentialBlockCodec implements ArchitectureCodec {

    /** The kind name in a manifest. */
    public static final String KIND = "djl-sequential";

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

    /** Creates the codec. */
    public SequentialBlockCodec() {}

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean handles(Block block) {
        return block instanceof SequentialBlock;
    }

    @Override
    public JsonObject describe(Block block) {
        JsonObject o = new JsonObject();
        o.add("layers", describeChildren(block, ""));
        return o;
    }

    private static JsonArray describeChildren(Block block, String path) {
        JsonArray layers = new JsonArray();
        int i = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            layers.add(describeLayer(child.getValue(), path + i));
            i++;
        }
        return layers;
    }

    private static JsonObject describeLayer(Block b, String path) {
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
            o.addProperty("type", "relu");
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
                            + " cannot be described in an artifact (supported in a SequentialBlock:"
                            + " Conv1d/2d/3d, Linear, BatchNorm, ReLU, batchFlatten, global pooling,"
                            + " nested SequentialBlocks)");
        }
        return o;
    }

    @Override
    public Block build(JsonObject description) {
        try {
            return buildSequence(description.getAsJsonArray("layers"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    KIND + " architecture is malformed: " + e.getMessage(), e);
        }
    }

    private static SequentialBlock buildSequence(JsonArray layers) {
        SequentialBlock sequence = new SequentialBlock();
        for (JsonElement element : layers) {
            sequence.add(buildLayer(element.getAsJsonObject()));
        }
        return sequence;
    }

    private static Block buildLayer(JsonObject o) {
        String type = o.get("type").getAsString();
        switch (type) {
            case "sequential":
                return buildSequence(o.getAsJsonArray("layers"));
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
                        .setUnits(o.get("units").getAsLong())
                        .optBias(o.get("bias").getAsBoolean())
                        .build();
            case "batchNorm":
                return BatchNorm.builder()
                        .optAxis(o.get("axis").getAsInt())
                        .optEpsilon(o.get("epsilon").getAsFloat())
                        .optMomentum(o.get("momentum").getAsFloat())
                        .optCenter(o.get("center").getAsBoolean())
                        .optScale(o.get("scale").getAsBoolean())
                        .build();
            case "relu":
                return new Relu();
            case "lambda":
                Supplier<Block> lambda = LAMBDAS.get(o.get("name").getAsString());
                if (lambda == null) {
                    throw new IllegalArgumentException("unknown lambda " + o.get("name"));
                }
                return lambda.get();
            default:
                throw new IllegalArgumentException("unknown layer type " + type);
        }
    }

    private static void configure(Convolution.ConvolutionBuilder<?> builder, JsonObject o) {
        builder.setKernelShape(shape(o.getAsJsonArray("kernel")))
                .optStride(shape(o.getAsJsonArray("stride")))
                .optPadding(shape(o.getAsJsonArray("padding")))
                .optDilation(shape(o.getAsJsonArray("dilation")))
                .setFilters(o.get("filters").getAsInt())
                .optGroups(o.get("groups").getAsInt());
        if (!o.get("bias").getAsBoolean()) {
            builder.optBias(false);
        }
    }

    @Override
    public Map<String, ActivationGrid> activations(Block block) {
        return Map.of();
    }

    @Override
    public void install(Block block, Map<String, ActivationGrid> grids) {
        if (!grids.isEmpty()) {
            throw new IllegalArgumentException(
                    "a " + KIND + " network takes no activation quantizers, got " + grids.keySet());
        }
    }

    private static JsonArray shape(Shape shape) {
        JsonArray a = new JsonArray();
        for (long d : shape.getShape()) {
            a.add(d);
        }
        return a;
    }

    private static Shape shape(JsonArray a) {
        long[] dims = new long[a.size()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = a.get(i).getAsLong();
        }
        return new Shape(dims);
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
