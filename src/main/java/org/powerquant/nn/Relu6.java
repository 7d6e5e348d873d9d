package org.powerquant.nn;

import ai.djl.ndarray.NDArray;

/**
 * A ReLU clipped at 6 ({@code min(max(x, 0), 6)}, PyTorch's {@code ReLU6}, computed as DJL's {@link
 * ai.djl.nn.Activation#relu6} does) as a block of its own type, with the same output hook as {@link
 * Relu}: every walk that finds ReLU outputs finds these too, and knows ({@code instanceof Relu6})
 * that the values never exceed {@link #UPPER_BOUND}.
 */
public class Relu6 extends Relu {

    /** The largest value a ReLU6 outputs. */
    public static final double UPPER_BOUND = 6.0;

    /** Constructs a ReLU6 block with the identity output transform. */
    public Relu6() {}

    /** {@inheritDoc} */
    @Override
    protected NDArray activate(NDArray x) {
        // Activation.relu6(x) is minimum(relu(x), 6) with a scalar that PyTorch's engine creates
        // over a Java buffer and closes at once. Autograd keeps that operand for the backward pass,
        // and the garbage collector may free its buffer before then: the backward pass then reads
        // freed memory. Here the bound is an engine-owned copy that lives as long as x's manager.
        // Same operator, same outputs.
        NDArray bound;
        try (NDArray borrowed = x.getManager().create((float) UPPER_BOUND)) {
            bound = borrowed.duplicate();
        }
        return x.getNDArrayInternal().relu().minimum(bound);
    }

    /** {@inheritDoc} */
    @Override
    protected double upperBound() {
        return UPPER_BOUND;
    }
}
