package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import java.util.Map;
import org.powerquant.quant.ActivationGrid;

/**
 * How one kind of DJL-native network is described in an artifact's manifest and rebuilt from it:
 * the architecture (everything needed to construct the uninitialized block) and the activation
 * quantizers installed on it. Parameters are not its business; the artifact stores them by DJL
 * parameter name.
 *
 * <p>Codecs are found by {@link ArchitectureCodecs}: the built-in ones, and any other listed in
 * {@code META-INF/services/org.powerquant.artifact.ArchitectureCodec} (a {@link
 * java.util.ServiceLoader} service), so that a new kind of network is supported by adding one
 * class.
 */
public interface ArchitectureCodec {

    /**
     * Returns the name that identifies this kind in a manifest ({@code architecture.kind}).
     *
     * @return a short stable name, e.g. {@code torchvision-resnet}
     */
    String kind();

    /**
     * Tells whether this codec describes a block.
     *
     * @param block a block
     * @return true if {@link #describe} accepts it
     */
    boolean handles(Block block);

    /**
     * Describes the architecture of a block.
     *
     * @param block a block this codec {@link #handles}
     * @return the description; {@link #build} makes an equal block from it
     * @throws IllegalArgumentException naming the part that cannot be described
     */
    JsonObject describe(Block block);

    /**
     * Builds an uninitialized block from its description.
     *
     * @param description what {@link #describe} wrote
     * @return the block
     * @throws IllegalArgumentException naming the entry that is missing or malformed
     */
    Block build(JsonObject description);

    /**
     * Lists the activation quantizers installed on a block.
     *
     * @param block a block this codec {@link #handles}
     * @return the grid of every activation quantizer by site name, in forward order (empty if none)
     */
    Map<String, ActivationGrid> activations(Block block);

    /**
     * Installs activation quantizers on a block this codec built.
     *
     * @param block the block
     * @param grids the grids by site name
     * @throws IllegalArgumentException naming the site if the block has no such site
     */
    void install(Block block, Map<String, ActivationGrid> grids);

    /**
     * Tells whether the networks of this kind end in global pooling, so that their parameters fit
     * images of any height and width: the input size they were initialized with is then no property
     * of the network, and an artifact records the size its preprocessing produces.
     *
     * @return true if every network of this kind pools globally; false (the default) when a network
     *     of this kind may take only the input size it was initialized with
     */
    default boolean poolsGlobally() {
        return false;
    }
}
