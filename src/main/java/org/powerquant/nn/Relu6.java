package org.powerquant.nn;

import ai.djl.ndarray.NDList;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

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
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        return new NDList(getOutputTransform().apply(Activation.relu6(inputs.singletonOrThrow())));
    }
}
