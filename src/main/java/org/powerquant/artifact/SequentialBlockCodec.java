package org.powerquant.artifact;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import com.google.gson.JsonObject;
import java.util.Map;
import org.powerquant.nn.Relu;
import org.powerquant.quant.ActivationGrid;

/**
 * {@link ArchitectureCodec} of DJL {@link SequentialBlock} trees of the layers the transform
 * handles: {@code Conv1d/2d/3d}, {@code Linear}, {@code BatchNorm}, ReLU ({@link
 * Activation#reluBlock()} or {@link Relu}), flattening ({@link Blocks#batchFlattenBlock()}), global
 * and 2-D max pooling, and nested sequences. Described as {@code {"layers": [{"type": ...}, ...]}}
 * ({@link LayerTreeCodec}). Blocks whose settings DJL does not expose (any custom lambda) are
 * refused by name. Activation quantizers are not installed on these trees, so none are stored.
 */
public final class SequentialBlockCodec implements ArchitectureCodec {

    /** The kind name in a manifest. */
    public static final String KIND = "djl-sequential";

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
        o.add("layers", LayerTreeCodec.describeChildren(block, ""));
        return o;
    }

    @Override
    public Block build(JsonObject description) {
        try {
            return LayerTreeCodec.buildSequence(description.getAsJsonArray("layers"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    KIND + " architecture is malformed: " + e.getMessage(), e);
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
}
