package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A {@link ConvNetwork} whose children run in sequence, one of them (the last unless {@link
 * #classifierIndex()} says otherwise) being the classifier: the image-input transform is applied
 * before the first child, the classifier-input transform before the classifier. Subclasses register
 * their children in forward order.
 */
public abstract class AbstractConvNetwork extends AbstractBlock implements ConvNetwork {

    private final int inputChannels;
    private UnaryOperator<NDArray> inputTransform = UnaryOperator.identity();
    private UnaryOperator<NDArray> classifierInputTransform = UnaryOperator.identity();

    /**
     * Creates a network.
     *
     * @param inputChannels the number of input channels; initialising with another is an error
     */
    protected AbstractConvNetwork(int inputChannels) {
        this.inputChannels = inputChannels;
    }

    /** {@inheritDoc} */
    @Override
    public int getInputChannels() {
        return inputChannels;
    }

    /** {@inheritDoc} */
    @Override
    public UnaryOperator<NDArray> getInputTransform() {
        return inputTransform;
    }

    /** {@inheritDoc} */
    @Override
    public void setInputTransform(UnaryOperator<NDArray> transform) {
        this.inputTransform = Objects.requireNonNull(transform, "transform");
    }

    /** {@inheritDoc} */
    @Override
    public UnaryOperator<NDArray> getClassifierInputTransform() {
        return classifierInputTransform;
    }

    /** {@inheritDoc} */
    @Override
    public void setClassifierInputTransform(UnaryOperator<NDArray> transform) {
        this.classifierInputTransform = Objects.requireNonNull(transform, "transform");
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDList current = new NDList(inputTransform.apply(inputs.singletonOrThrow()));
        List<Block> blocks = children.values();
        Block classifier = blocks.get(classifierIndex());
        for (int i = 0; i < blocks.size(); i++) {
            Block block = blocks.get(i);
            if (block == classifier) {
                current = new NDList(classifierInputTransform.apply(current.singletonOrThrow()));
            }
            if (i + 1 < blocks.size()
                    && block instanceof Relu relu
                    && relu.getOutputTransform() instanceof ActivationQuantizer q
                    && q.nonDecreasing()
                    && isMaxPool(blocks.get(i + 1))) {
                // max(q(relu(x))) = q(relu(max(x))) for non-decreasing q: quantize the pooled
                // tensor
                current = blocks.get(++i).forward(parameterStore, current, training, params);
            }
            current = block.forward(parameterStore, current, training, params);
        }
        return current;
    }

    /**
     * Whether a child is a max pooling: a {@link Relu} child directly before it whose output
     * transform is a non-decreasing {@link ActivationQuantizer} then runs after it instead (the
     * same output, on a tensor the pooling made smaller).
     *
     * @param block a child of this network
     * @return false unless a subclass knows the child is a max pooling
     */
    protected boolean isMaxPool(Block block) {
        return false;
    }

    /**
     * Returns the position of the classifier among the children, before which the classifier-input
     * transform is applied.
     *
     * @return the last child's position unless a subclass says otherwise
     */
    protected int classifierIndex() {
        return children.size() - 1;
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] current = inputShapes;
        for (Block block : children.values()) {
            current = block.getOutputShapes(current);
        }
        return current;
    }

    /**
     * {@inheritDoc}
     *
     * <p>A network whose parameters were loaded ({@code Model.load}) has its input shapes but no
     * input names: DJL names the inputs when it initializes a block only, and its own description
     * then fails with "key value size mismatch", and with it {@code Model.save}. The inputs are
     * named here as initialization names them ({@code data0}, ...).
     */
    @Override
    public PairList<String, Shape> describeInput() {
        if (!isInitialized() || inputNames.size() == inputShapes.length) {
            return super.describeInput();
        }
        PairList<String, Shape> inputs = new PairList<>();
        for (int i = 0; i < inputShapes.length; i++) {
            inputs.add("data" + i, inputShapes[i]);
        }
        return inputs;
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the input is not (N, inputChannels, H, W)
     */
    @Override
    protected void beforeInitialize(Shape... inputShapes) {
        if (inputShapes.length != 1
                || inputShapes[0].dimension() != 4
                || inputShapes[0].get(1) != inputChannels) {
            throw new IllegalArgumentException(
                    this
                            + ": input must be (N, "
                            + inputChannels
                            + ", H, W), got "
                            + Arrays.toString(inputShapes));
        }
        super.beforeInitialize(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block block : children.values()) {
            block.initialize(manager, dataType, shapes);
            shapes = block.getOutputShapes(shapes);
        }
    }
}
