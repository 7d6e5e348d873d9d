package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

/**
 * Finds the {@link ArchitectureCodec} of a block or of a manifest's architecture kind: the built-in
 * codecs ({@link TorchvisionResNetCodec}, {@link TorchvisionMobileNetV2Codec}, {@link
 * HookableNetworkCodec}, {@link SequentialBlockCodec}) first, then any registered as a {@link
 * ServiceLoader} service.
 */
public final class ArchitectureCodecs {

    /** The path of the architecture's fields in a manifest. */
    private static final String ARCHITECTURE = "architecture.";

    private ArchitectureCodecs() {}

    /**
     * Returns every known codec, built-in ones first.
     *
     * @return the codecs
     */
    public static List<ArchitectureCodec> all() {
        List<ArchitectureCodec> codecs = new ArrayList<>();
        codecs.add(new TorchvisionResNetCodec());
        codecs.add(new TorchvisionMobileNetV2Codec());
        codecs.add(new HookableNetworkCodec());
        codecs.add(new SequentialBlockCodec());
        for (ArchitectureCodec codec :
                ServiceLoader.load(
                        ArchitectureCodec.class, ArchitectureCodecs.class.getClassLoader())) {
            if (codecs.stream().noneMatch(c -> c.kind().equals(codec.kind()))) {
                codecs.add(codec);
            }
        }
        return codecs;
    }

    /**
     * Finds the codec that describes a block.
     *
     * @param block the block
     * @return its codec
     * @throws IllegalArgumentException naming the block type if no codec handles it
     */
    public static ArchitectureCodec of(Block block) {
        List<ArchitectureCodec> codecs = all();
        return codecs.stream()
                .filter(c -> c.handles(block))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "a "
                                                + block.getClass().getSimpleName()
                                                + " cannot be saved as an artifact; supported: "
                                                + kinds(codecs)));
    }

    /**
     * Finds the codec of an architecture kind.
     *
     * @param kind the kind named in a manifest
     * @return its codec
     * @throws IllegalArgumentException if the kind is unknown
     */
    public static ArchitectureCodec of(String kind) {
        List<ArchitectureCodec> codecs = all();
        return codecs.stream()
                .filter(c -> c.kind().equals(kind))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "unknown architecture kind '"
                                                + kind
                                                + "'; known: "
                                                + kinds(codecs)));
    }

    /**
     * Builds the network a manifest's architecture describes: a built-in codec reads the
     * description through the manifest's checked accessors, so that a field that is missing or of
     * another JSON type is refused naming the manifest and the field's path; another codec builds
     * through {@link ArchitectureCodec#build}.
     *
     * @param codec the codec of the architecture's kind
     * @param architecture the architecture
     * @param fields the manifest's checked reader
     * @return the uninitialized block
     * @throws ArtifactException naming the manifest and the field at fault
     * @throws IllegalArgumentException if the codec or the network refuses the description
     */
    static Block build(ArchitectureCodec codec, JsonObject architecture, JsonFields fields)
            throws ArtifactException {
        if (codec instanceof ConvNetworkCodec<?> c) {
            return c.build(architecture, fields, ARCHITECTURE);
        }
        if (codec instanceof SequentialBlockCodec c) {
            return c.build(architecture, fields, ARCHITECTURE);
        }
        return codec.build(architecture);
    }

    /** A reading of a description through checked accessors. */
    @FunctionalInterface
    interface Reading<T> {
        T read(JsonFields fields, String at) throws ArtifactException;
    }

    /**
     * Reads a description outside a manifest (the public {@link ArchitectureCodec#build} of a
     * built-in codec): the fields are named as they would be in one.
     *
     * @param reading the reading
     * @return what it reads
     * @throws IllegalArgumentException naming the field at fault
     */
    static <T> T outsideManifest(Reading<T> reading) {
        try {
            return reading.read(
                    new JsonFields(Path.of(ArtifactManifest.FILE), false), ARCHITECTURE);
        } catch (ArtifactException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static String kinds(List<ArchitectureCodec> codecs) {
        return codecs.stream().map(ArchitectureCodec::kind).collect(Collectors.joining(", "));
    }
}
