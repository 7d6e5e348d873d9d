package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A DJL {@link SequentialBlock} classifier (DJL's zoo {@code ResNetV1}, {@code MobileNetV1}, {@code
 * MobileNetV2}, or any sequence of convolutions, batch norms and ReLUs ending in global pooling and
 * a classifier) rebuilt into blocks whose activations can carry quantizers, computing exactly what
 * the original computes, with the very same parameters.
 *
 * <p>{@link #rewrite(Block)} builds a new tree that reuses every child block of the original (so
 * parameters, trained or not, are shared, not copied; the original is left as it was) and replaces:
 *
 * <ul>
 *   <li>a lambda ReLU or ReLU6 (recognised by probing, {@link LambdaActivations}) by a {@link Relu}
 *       or {@link Relu6};
 *   <li>a two-branch {@link ParallelBlock} whose join sums its branches and applies a ReLU (DJL's
 *       {@code ResNetV1} residual unit) by a {@link ParallelResidualUnit} with an explicit ReLU,
 *       and one whose join only sums a main path and an identity shortcut (DJL's {@code
 *       MobileNetV2} inverted residual) by an {@link InvertedResidual}. The join function cannot be
 *       read, so it is probed: the block and each branch run on a random tensor of the block's
 *       recorded input shape, and the block's output must equal, bit for bit, the branches' sum, or
 *       its ReLU (and the two must differ on that tensor, so the probe tells them apart). An
 *       identity shortcut is recognised the same way (its output equals its input);
 *   <li>a {@link SequentialBlock} any of whose children changed by a new one holding the rewritten
 *       children.
 * </ul>
 *
 * <p>The head is the last global pooling of the top-level sequence and what follows: the classifier
 * (the first {@link Linear}, or a 1x1 {@link Conv2d} as in DJL's {@code MobileNetV2}) and blocks
 * that only reshape (a flattening, or a lambda checked to keep every value in order, wrapped in
 * {@link ShapeOnly}). The classifier-input transform is applied before the classifier. Any block
 * not understood is kept as it is, and {@link NetworkGraph} reports it by name (activation bits are
 * then refused naming it); a network without a recognisable head is refused naming what is missing.
 * Children are named by position, as in the original {@link SequentialBlock}.
 */
public final class HookableNetwork extends AbstractConvNetwork {

    private static final long PROBE_SEED = 20_230_501L;

    private final int classifier;
    private final int headStart;
    private final Set<String> head;

    private HookableNetwork(int inputChannels, List<Block> blocks, int classifier, int headStart) {
        super(inputChannels);
        this.classifier = classifier;
        this.headStart = headStart;
        Set<String> names = new LinkedHashSet<>();
        for (int i = 0; i < blocks.size(); i++) {
            addChildBlock(Integer.toString(i), blocks.get(i));
            if (i >= headStart) {
                names.add(Integer.toString(i));
            }
        }
        this.head = Set.copyOf(names);
    }

    /**
     * Assembles a network from blocks that are already hookable, as {@link #rewrite} lays them out:
     * what a saved description of a rewritten network is rebuilt into. The network is not
     * initialised.
     *
     * @param inputChannels the number of image channels
     * @param blocks the children in forward order, named by position
     * @param classifier the position of the classifier
     * @param headStart the position of the global pooling that starts the head
     * @return the network
     * @throws IllegalArgumentException if the positions do not satisfy {@code 0 <= headStart <
     *     classifier < blocks.size()}
     */
    public static HookableNetwork of(
            int inputChannels, List<Block> blocks, int classifier, int headStart) {
        if (inputChannels < 1
                || headStart < 0
                || classifier <= headStart
                || classifier >= blocks.size()) {
            throw new IllegalArgumentException(
                    "a hookable network of "
                            + blocks.size()
                            + " blocks needs 0 <= head start < classifier < "
                            + blocks.size()
                            + " and at least one input channel, got head start "
                            + headStart
                            + ", classifier "
                            + classifier
                            + ", "
                            + inputChannels
                            + " input channels");
        }
        return new HookableNetwork(inputChannels, List.copyOf(blocks), classifier, headStart);
    }

    /**
     * Returns the position of the classifier among the children.
     *
     * @return the classifier's position
     */
    @Override
    public int classifierIndex() {
        return classifier;
    }

    /**
     * Returns the position of the global pooling that starts the head.
     *
     * @return the first head child's position
     */
    public int headStart() {
        return headStart;
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> getHeadNames() {
        return head;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "HookableNetwork(" + children.size() + " blocks, classifier " + classifier + ")";
    }

    /**
     * Rebuilds an initialised or loaded DJL sequential classifier into hookable blocks.
     *
     * @param root the network: a {@link SequentialBlock} taking (N, C, H, W) images, initialised or
     *     with its parameters loaded (its recorded input shapes drive the probes)
     * @return the rewritten network, initialised, sharing the original's parameters
     * @throws IllegalArgumentException if the block is not a sequence, not initialised, or has no
     *     global pooling followed by a classifier and reshapes only
     */
    public static HookableNetwork rewrite(Block root) {
        if (!(root instanceof SequentialBlock sequence)) {
            throw new IllegalArgumentException(
                    "only a DJL SequentialBlock can be rewritten into hookable blocks, got "
                            + root.getClass().getSimpleName());
        }
        Shape[] input = inputShapes(root);
        if (input == null || input.length != 1 || input[0].dimension() != 4) {
            throw new IllegalArgumentException(
                    "the network must be initialised or loaded with one (N, C, H, W) input to be"
                            + " rewritten, its recorded input is "
                            + (input == null ? "none" : Arrays.toString(input)));
        }
        List<Block> children = new ArrayList<>(sequence.getChildren().values());
        List<Shape[]> shapes = new ArrayList<>();
        Shape[] current = input;
        for (Block child : children) {
            shapes.add(current);
            current = child.getOutputShapes(current);
        }
        int pool = -1;
        for (int i = 0; i < children.size(); i++) {
            if (children.get(i) instanceof LambdaBlock lambda
                    && lambda.getName().toLowerCase(Locale.ROOT).contains("pool")) {
                pool = i;
            }
        }
        if (pool < 0) {
            throw new IllegalArgumentException(
                    "the network has no global pooling in its top-level sequence, so its"
                            + " classifier input cannot be found");
        }
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < pool; i++) {
            blocks.add(rewriteBlock(children.get(i)));
        }
        blocks.add(children.get(pool));
        int classifier = -1;
        for (int i = pool + 1; i < children.size(); i++) {
            Block block = children.get(i);
            if (classifier < 0 && (block instanceof Linear || block instanceof Conv2d)) {
                classifier = i;
                blocks.add(block);
            } else if (isFlattening(block)) {
                blocks.add(block);
            } else if (block.getParameters().isEmpty() && keepsValues(block, shapes.get(i))) {
                blocks.add(new ShapeOnly(block));
            } else {
                throw new IllegalArgumentException(
                        "block "
                                + i
                                + " ("
                                + describe(block)
                                + ") after the global pooling is neither the classifier nor a"
                                + " reshape");
            }
        }
        if (classifier < 0) {
            throw new IllegalArgumentException(
                    "the network has no classifier (Linear or Conv2d) after its global pooling");
        }
        HookableNetwork network =
                new HookableNetwork((int) input[0].get(1), blocks, classifier, pool);
        initialize(network, input);
        return network;
    }

    private static Block rewriteBlock(Block block) {
        if (block instanceof LambdaBlock lambda) {
            Optional<Relu> relu = LambdaActivations.hookable(lambda);
            return relu.isPresent() ? relu.get() : lambda;
        }
        if (block instanceof SequentialBlock sequence) {
            List<Block> rewritten = new ArrayList<>();
            boolean changed = false;
            for (Block child : sequence.getChildren().values()) {
                Block r = rewriteBlock(child);
                changed |= r != child;
                rewritten.add(r);
            }
            if (!changed) {
                return sequence;
            }
            SequentialBlock copy = new SequentialBlock();
            rewritten.forEach(copy::add);
            return copy;
        }
        if (block instanceof ParallelBlock parallel) {
            return rewriteParallel(parallel);
        }
        return block;
    }

    private enum Join {
        SUM,
        SUM_RELU,
        UNKNOWN
    }

    private static Block rewriteParallel(ParallelBlock parallel) {
        List<Block> branches = new ArrayList<>(parallel.getChildren().values());
        Shape[] input = inputShapes(parallel);
        if (branches.size() != 2 || input == null || input.length != 1) {
            return parallel;
        }
        boolean identity =
                branches.get(1).getParameters().isEmpty() && isIdentity(branches.get(1), input);
        Join join = probeJoin(parallel, branches, input[0]);
        Block main = rewriteBlock(branches.get(0));
        if (join == Join.SUM_RELU) {
            return new ParallelResidualUnit(main, identity ? null : rewriteBlock(branches.get(1)));
        }
        if (join == Join.SUM && identity && main instanceof SequentialBlock path) {
            return new InvertedResidual(path, true);
        }
        return parallel;
    }

    private static Join probeJoin(ParallelBlock parallel, List<Block> branches, Shape shape) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(randomValues(shape), shape);
            ParameterStore store = new ParameterStore(manager, false);
            float[] joined =
                    parallel.forward(store, new NDList(x), false).singletonOrThrow().toFloatArray();
            NDArray a = branches.get(0).forward(store, new NDList(x), false).singletonOrThrow();
            NDArray b = branches.get(1).forward(store, new NDList(x), false).singletonOrThrow();
            NDArray sum = a.add(b);
            float[] plain = sum.toFloatArray();
            float[] rectified = Activation.relu(sum).toFloatArray();
            if (Arrays.equals(plain, rectified)) {
                return Join.UNKNOWN; // the probe cannot tell the two apart
            }
            if (Arrays.equals(joined, plain)) {
                return Join.SUM;
            }
            return Arrays.equals(joined, rectified) ? Join.SUM_RELU : Join.UNKNOWN;
        } catch (RuntimeException e) {
            return Join.UNKNOWN;
        }
    }

    private static boolean isIdentity(Block block, Shape[] input) {
        return probe(block, input[0], true);
    }

    private static boolean keepsValues(Block block, Shape[] input) {
        return input.length == 1 && probe(block, input[0], false);
    }

    /**
     * Whether the block returns the values of a random input in order (and its shape, if asked).
     */
    private static boolean probe(Block block, Shape shape, boolean sameShape) {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.create(randomValues(shape), shape);
            NDList out = block.forward(new ParameterStore(manager, false), new NDList(x), false);
            return out.size() == 1
                    && out.get(0).getDataType() == DataType.FLOAT32
                    && (sameShape
                            ? out.get(0).getShape().equals(shape)
                            : out.get(0).size() == x.size())
                    && Arrays.equals(out.get(0).toFloatArray(), x.toFloatArray());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static boolean isFlattening(Block block) {
        if (!(block instanceof LambdaBlock lambda)) {
            return false;
        }
        String name = lambda.getName().toLowerCase(Locale.ROOT);
        return name.contains("flatten") || name.equals("identity");
    }

    private static float[] randomValues(Shape shape) {
        Random random = new Random(PROBE_SEED);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static Shape[] inputShapes(Block block) {
        try {
            return block.getInputShapes();
        } catch (IllegalStateException e) {
            return null;
        }
    }

    private static String describe(Block block) {
        return block instanceof LambdaBlock lambda
                ? "LambdaBlock " + lambda.getName()
                : block.getClass().getSimpleName();
    }

    /** Records the input shapes of the new blocks; parameters keep their values and gradients. */
    private static void initialize(HookableNetwork network, Shape[] input) {
        IdentityHashMap<Parameter, Boolean> gradients = new IdentityHashMap<>();
        NDManager manager = null;
        for (Parameter p : network.getParameters().values()) {
            if (p.isInitialized()) {
                gradients.put(p, p.getArray().hasGradient());
                manager = manager == null ? p.getArray().getManager() : manager;
            }
        }
        if (manager == null) {
            throw new IllegalArgumentException(
                    "the network to rewrite has no initialised parameter");
        }
        network.initialize(manager, DataType.FLOAT32, input);
        for (Map.Entry<Parameter, Boolean> e : gradients.entrySet()) {
            if (!e.getValue() && e.getKey().getArray().hasGradient()) {
                e.getKey().getArray().setRequiresGradient(false);
            }
        }
    }
}
