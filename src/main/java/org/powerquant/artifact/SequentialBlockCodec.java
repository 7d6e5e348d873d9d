package org.powerquant.artifact;

import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import com.google.gson.JsonArray;
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
        return ArchitectureCodecs.outsideManifest((f, at) -> build(description, f, at));
    }

    /**
     * Builds the network a manifest's architecture describes, its fields read through the
     * manifest's checked accessors.
     *
     * @param description the architecture
     * @param f the manifest's checked reader
     * @param at the architecture's path in the manifest, e.g. {@code architecture.}
     * @return the network
     * @throws ArtifactException naming the manifest and the field at fault
     * @throws IllegalArgumentException if a layer refuses the settings read
     */
    Block build(JsonObject description, JsonFields f, String at) throws ArtifactException {
        JsonArray layers = f.array(description, at, "layers");
        try {
            return LayerTreeCodec.buildSequence(layers, f, at + "layers");
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
