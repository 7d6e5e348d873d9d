package org.powerquant.nn;

import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The quantization-relevant structure of a DJL network, found by walking its blocks (not by its
 * class): the convolution/batch-norm pairs to fold, the activations that can carry a quantizer, the
 * residual joins, the pooling layers and the classifier, and every block the walk does not
 * understand.
 *
 * <p>Understood, by type: {@link Conv2d} (grouped and depthwise included), {@link BatchNorm},
 * {@link Linear}, {@link Dropout} (identity at inference), {@link ShapeOnly}, {@link Relu} and
 * {@link Relu6} (the hookable activations, each an activation site), the containers {@link
 * SequentialBlock}, {@link ResidualUnit}, {@link InvertedResidual} and {@link ParallelBlock} (a
 * residual join), and DJL's {@link LambdaBlock}s by name: pooling ({@code *Pool*}), flattening
 * ({@code *flatten*}, {@code identity}) and DJL's {@code Activation.reluBlock()}/{@code
 * relu6Block()} ({@code ReLU}, {@code ReLU6}). A lambda activation computes the same function as a
 * site but cannot carry a quantizer: it is listed as {@link #unhookedActivations()} (use {@link
 * Relu} or {@link Relu6} instead). Any other block is {@link #unknownBlocks() unknown}; weights are
 * still quantized, but activation bits are refused naming it ({@link
 * #checkActivationsPlaceable()}).
 *
 * <p>Names are {@link TorchNames} dotted names.
 */
public final class NetworkGraph {

    private static final Set<String> RELU_LAMBDAS = Set.of("relu", "relu6");

    private final List<ConvBatchNormPair> foldPairs;
    private final List<String> activations;
    private final List<String> relu6Activations;
    private final List<String> unhookedActivations;
    private final List<String> joins;
    private final List<String> opaqueJoins;
    private final List<String> pools;
    private final List<String> unknownBlocks;
    private final String classifier;

    private NetworkGraph(Block root) {
        List<String> sites = new ArrayList<>();
        List<String> relu6 = new ArrayList<>();
        List<String> unhooked = new ArrayList<>();
        List<String> join = new ArrayList<>();
        List<String> pool = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        List<String> opaque = new ArrayList<>();
        String lastLinear = null;
        for (Map.Entry<String, Block> e : TorchNames.blocks(root).entrySet()) {
            String name = e.getKey();
            Block block = e.getValue();
            if (block instanceof Relu) {
                sites.add(name);
                if (block instanceof Relu6) {
                    relu6.add(name);
                }
            } else if (block instanceof Linear) {
                lastLinear = name;
            } else if (block instanceof ResidualUnit
                    || (block instanceof InvertedResidual unit && unit.isResidual())) {
                join.add(name);
            } else if (block instanceof ParallelBlock) {
                join.add(name);
                opaque.add(name);
            } else if (block instanceof LambdaBlock lambda) {
                String kind = lambda.getName().toLowerCase(Locale.ROOT);
                if (RELU_LAMBDAS.contains(kind)) {
                    unhooked.add(name);
                } else if (kind.contains("pool")) {
                    pool.add(name);
                } else if (!kind.contains("flatten") && !kind.equals("identity")) {
                    unknown.add(name + " (LambdaBlock " + lambda.getName() + ")");
                }
            } else if (!(block instanceof Conv2d
                    || block instanceof BatchNorm
                    || block instanceof Dropout
                    || block instanceof ShapeOnly
                    || block instanceof SequentialBlock
                    || block instanceof InvertedResidual)) {
                unknown.add(name + " (" + block.getClass().getSimpleName() + ")");
            }
        }
        this.foldPairs = ConvBatchNormPair.findAll(root);
        this.activations = Collections.unmodifiableList(sites);
        this.relu6Activations = Collections.unmodifiableList(relu6);
        this.unhookedActivations = Collections.unmodifiableList(unhooked);
        this.joins = Collections.unmodifiableList(join);
        this.opaqueJoins = Collections.unmodifiableList(opaque);
        this.pools = Collections.unmodifiableList(pool);
        this.unknownBlocks = Collections.unmodifiableList(unknown);
        this.classifier = lastLinear;
    }

    /**
     * Walks a network.
     *
     * @param root the network
     * @return its graph
     */
    public static NetworkGraph of(Block root) {
        return new NetworkGraph(root);
    }

    /**
     * Returns the convolution/batch-norm pairs folding merges, in forward order.
     *
     * @return the convolution/batch-norm pairs folding merges, in forward order
     */
    public List<ConvBatchNormPair> foldPairs() {
        return foldPairs;
    }

    /**
     * Returns the dotted names of the hookable activations ({@link Relu}, {@link Relu6}), in
     * forward order.
     *
     * @return the dotted names of the hookable activations ({@link Relu}, {@link Relu6}), in
     *     forward order
     */
    public List<String> activations() {
        return activations;
    }

    /**
     * Returns the dotted names of the {@link Relu6} activations, whose outputs never exceed 6.
     *
     * @return the dotted names of the {@link Relu6} activations, whose outputs never exceed 6
     */
    public List<String> relu6Activations() {
        return relu6Activations;
    }

    /**
     * Returns the dotted names of DJL lambda ReLUs, which cannot carry a quantizer.
     *
     * @return the dotted names of DJL lambda ReLUs, which cannot carry a quantizer
     */
    public List<String> unhookedActivations() {
        return unhookedActivations;
    }

    /**
     * Returns the dotted names of the residual joins (units whose input is added to their output).
     *
     * @return the dotted names of the residual joins (units whose input is added to their output)
     */
    public List<String> joins() {
        return joins;
    }

    /**
     * Returns the dotted names of the joins that are DJL {@link ParallelBlock}s, whose join
     * function (an add, possibly followed by an activation, as in DJL's {@code ResNetV1}) cannot be
     * seen.
     *
     * @return the dotted names of the joins that are DJL {@link ParallelBlock}s, whose join
     *     function (an add, possibly followed by an activation, as in DJL's {@code ResNetV1})
     *     cannot be seen
     */
    public List<String> opaqueJoins() {
        return opaqueJoins;
    }

    /**
     * Returns the dotted names of the pooling layers.
     *
     * @return the dotted names of the pooling layers
     */
    public List<String> pools() {
        return pools;
    }

    /**
     * Returns the dotted name of the classifier (the last dense layer), or null if there is none.
     *
     * @return the dotted name of the classifier (the last dense layer), or null if there is none
     */
    public String classifier() {
        return classifier;
    }

    /**
     * Returns every block the walk does not understand, as {@code name (type)}.
     *
     * @return every block the walk does not understand, as {@code name (type)}
     */
    public List<String> unknownBlocks() {
        return unknownBlocks;
    }

    /**
     * Checks that every activation of the network can take a quantizer.
     *
     * @throws IllegalArgumentException naming the first block that is unknown or an activation that
     *     cannot carry a quantizer
     */
    public void checkActivationsPlaceable() {
        if (!unknownBlocks.isEmpty()) {
            throw new IllegalArgumentException(
                    "activation bits cannot be placed: block "
                            + unknownBlocks.get(0)
                            + " is not understood"
                            + (unknownBlocks.size() > 1
                                    ? " (and " + (unknownBlocks.size() - 1) + " more)"
                                    : ""));
        }
        if (!unhookedActivations.isEmpty()) {
            throw new IllegalArgumentException(
                    "activation bits cannot be placed: activation "
                            + unhookedActivations.get(0)
                            + " is a DJL lambda block, which takes no quantizer (rewrite the"
                            + " network with HookableNetwork.rewrite)");
        }
        if (!opaqueJoins.isEmpty()) {
            throw new IllegalArgumentException(
                    "activation bits cannot be placed: residual join "
                            + opaqueJoins.get(0)
                            + " is a ParallelBlock whose join function was not recognised (a sum,"
                            + " or a sum then ReLU: HookableNetwork.rewrite)");
        }
        if (activations.isEmpty()) {
            throw new IllegalArgumentException(
                    "activation bits cannot be placed: the network has no ReLU");
        }
    }
}
