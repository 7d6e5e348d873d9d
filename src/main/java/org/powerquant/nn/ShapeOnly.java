package org.powerquant.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Objects;

/**
 * A parameterless block that changes only the shape of its input, never a value or their order (a
 * reshape or flattening lambda, as in the head of DJL's {@code MobileNetV2}): what it wraps is run
 * as it is, and the {@link NetworkGraph} knows that no activation site, fold pair or join hides in
 * it. {@link HookableNetwork#rewrite} wraps a block in it only after checking, on a random tensor
 * of the block's real input shape, that its output holds the same values in the same order.
 */
public final class ShapeOnly extends AbstractBlock {

    private final Block inner;

    /**
     * Wraps a block known to change only the shape of its input.
     *
     * @param inner the block, without parameters
     * @throws IllegalArgumentException if the block has parameters
     */
    public ShapeOnly(Block inner) {
        this.inner = Objects.requireNonNull(inner, "inner");
        if (!inner.getParameters().isEmpty()) {
            throw new IllegalArgumentException("a shape-only block has no parameters: " + inner);
        }
    }

    /**
     * Returns the wrapped block.
     *
     * @return the wrapped block
     */
    public Block getInner() {
        return inner;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return inner.forward(parameterStore, inputs, training, params);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inner.getOutputShapes(inputShapes);
    }
}
