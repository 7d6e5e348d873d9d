package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A rectified linear unit as a block of its own type, so that every ReLU output of a network can be
 * found by walking the block tree ({@code instanceof Relu}).
 *
 * <p>Each {@code Relu} instance is applied exactly once in the forward pass (torchvision reuses one
 * {@code relu} module several times inside a residual block; the DJL-native blocks of this package
 * use one {@code Relu} per application instead), so an activation observer or quantizer attached to
 * it sees exactly one tensor. The optional output transform is applied to the ReLU output; it is
 * the identity by default and is the hook through which activation quantizers or calibration
 * observers are inserted. When the transform is an {@link ActivationQuantizer} whose clip already
 * does the activation's work ({@link ActivationQuantizer#absorbsClip}), the activation's own pass
 * is skipped: the output is the same.
 */
public class Relu extends AbstractBlock {

    private UnaryOperator<NDArray> outputTransform = UnaryOperator.identity();

    /** Constructs a ReLU block with the identity output transform. */
    public Relu() {}

    /**
     * Returns the transform applied to this ReLU's output.
     *
     * @return the output transform, the identity unless one was set
     */
    public UnaryOperator<NDArray> getOutputTransform() {
        return outputTransform;
    }

    /**
     * Sets the transform applied to this ReLU's output (for example a fake-quantizer or an observer
     * that records statistics and returns its input).
     *
     * @param outputTransform the transform, not null; {@link UnaryOperator#identity()} removes it
     */
    public void setOutputTransform(UnaryOperator<NDArray> outputTransform) {
        this.outputTransform = Objects.requireNonNull(outputTransform, "outputTransform");
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (outputTransform instanceof ActivationQuantizer q && q.absorbsClip(0, upperBound())) {
            return new NDList(q.apply(x)); // its clip does this block's work: one pass fewer
        }
        return new NDList(outputTransform.apply(activate(x)));
    }

    /**
     * Applies the activation itself.
     *
     * @param x the input
     * @return {@code max(x, 0)}
     */
    protected NDArray activate(NDArray x) {
        return Activation.relu(x);
    }

    /**
     * Returns the largest value {@link #activate} outputs.
     *
     * @return the largest value {@link #activate} outputs
     */
    protected double upperBound() {
        return Double.POSITIVE_INFINITY;
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
