package org.powerquant.artifact;

import ai.djl.nn.Block;
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

    private static String kinds(List<ArchitectureCodec> codecs) {
        return codecs.stream().map(ArchitectureCodec::kind).collect(Collectors.joining(", "));
    }
}
