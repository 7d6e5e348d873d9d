package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * A ReLU clipped at 6 ({@code min(max(x, 0), 6)}, PyTorch's {@code ReLU6}) as a block of its own
 * type, with the same output hook as {@link Relu}: every walk that finds ReLU outputs finds these
 * too, and knows ({@code instanceof Relu6}) that the values never exceed {@link #UPPER_BOUND}.
 */
public class Relu6 extends Relu {

    /** The largest value a ReLU6 outputs. */
    public static final double UPPER_BOUND = 6.0;

    /** Constructs a ReLU6 block with the identity output transform. */
    public Relu6() {}

    /** {@inheritDoc} */
    @Override
    protected NDArray activate(NDArray x) {
        return Activation.relu6(x);
    }

    /** {@inheritDoc} */
    @Override
    protected double upperBound() {
        return UPPER_BOUND;
    }
}
