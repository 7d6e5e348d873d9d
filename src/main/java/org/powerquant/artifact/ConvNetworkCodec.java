package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import java.util.Map;
import java.util.Objects;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.quant.ActivationGrid;

/**
 * An {@link ArchitectureCodec} of one {@link ConvNetwork} class: its activation sites are named and
 * installed by {@link ActivationQuantizers}; a subclass only describes and rebuilds the network's
 * configuration.
 *
 * @param <T> the network class
 */
public abstract class ConvNetworkCodec<T extends ConvNetwork> implements ArchitectureCodec {

    private final String kind;
    private final Class<T> type;

    /**
     * Creates a codec.
     *
     * @param kind the architecture kind written in the manifest
     * @param type the network class it handles
     */
    protected ConvNetworkCodec(String kind, Class<T> type) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public final String kind() {
        return kind;
    }

    @Override
    public final boolean handles(Block block) {
        return type.isInstance(block);
    }

    @Override
    public final JsonObject describe(Block block) {
        return describeNetwork(type.cast(block));
    }

    @Override
    public final Block build(JsonObject description) {
        try {
            return buildNetwork(description);
        } catch (RuntimeException e) {
            throw malformed(e);
        }
    }

    /**
     * Builds the network a manifest's architecture describes: what {@link ArtifactManifest} calls,
     * so that a field of a built-in codec's description that is missing or of another JSON type is
     * refused naming the manifest and the field.
     *
     * @param description the architecture
     * @param fields the manifest's checked reader
     * @param at the architecture's path in the manifest, e.g. {@code architecture.}
     * @return the network
     * @throws ArtifactException naming the manifest and the field at fault
     * @throws IllegalArgumentException if the network refuses the settings read
     */
    final Block build(JsonObject description, JsonFields fields, String at)
            throws ArtifactException {
        try {
            return buildChecked(description, fields, at);
        } catch (RuntimeException e) {
            throw malformed(e);
        }
    }

    /**
     * Rebuilds the network reading its description through checked accessors: the built-in codecs
     * override it; another codec's {@link #buildNetwork(JsonObject)} reads its own description.
     *
     * @param description the architecture
     * @param fields the checked reader
     * @param at the architecture's path, e.g. {@code architecture.}
     * @return the network
     * @throws ArtifactException naming the field at fault
     */
    T buildChecked(JsonObject description, JsonFields fields, String at) throws ArtifactException {
        return buildNetwork(description);
    }

    /**
     * The {@link #buildNetwork(JsonObject)} of a built-in codec: its {@link #buildChecked}, the
     * fields named as in a manifest.
     *
     * @param description the architecture
     * @return the network
     * @throws IllegalArgumentException naming the field at fault
     */
    final T buildUnchecked(JsonObject description) {
        return ArchitectureCodecs.outsideManifest(
                (fields, at) -> buildChecked(description, fields, at));
    }

    private IllegalArgumentException malformed(RuntimeException e) {
        return new IllegalArgumentException(
                kind + " architecture is malformed: " + e.getMessage(), e);
    }

    @Override
    public final Map<String, ActivationGrid> activations(Block block) {
        return ActivationQuantizers.installed(type.cast(block));
    }

    @Override
    public final void install(Block block, Map<String, ActivationGrid> grids) {
        ActivationQuantizers.install(type.cast(block), grids);
    }

    /** A {@link ConvNetwork} ends in global pooling and a classifier. */
    @Override
    public final boolean poolsGlobally() {
        return true;
    }

    /**
     * Describes the network's configuration.
     *
     * @param network the network
     * @return its builder's settings
     */
    protected abstract JsonObject describeNetwork(T network);

    /**
     * Rebuilds an uninitialised network from its description.
     *
     * @param description what {@link #describeNetwork} wrote
     * @return the network
     * @throws RuntimeException when the description is malformed
     */
    protected abstract T buildNetwork(JsonObject description);
}
