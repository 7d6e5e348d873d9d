package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.LambdaBlock;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.Optional;

/**
 * Recognises a DJL {@link LambdaBlock} that computes ReLU or ReLU6 ({@code Activation.reluBlock()},
 * {@code relu6Block()}, or an anonymous {@code Activation::relu} as DJL's {@code ResNetV1} adds
 * inside its residual units), and gives the hookable block that computes exactly the same.
 *
 * <p>A lambda block has no accessor for its function and its name is free text ({@code ReLU} for
 * {@code reluBlock()}, {@code anonymous} for a method reference), so neither the type nor the name
 * can tell. The block is probed instead: it is run on a fixed tensor of shape (2, 3, 4, 4) holding
 * negative and positive values on both sides of 0 and 6, signed zeros, tiny and huge magnitudes,
 * and its output must equal, bit for bit, what {@link Relu} (or {@link Relu6}) computes on it
 * ({@link Activation#relu(NDArray)}, {@link Activation#relu6(NDArray)}: the same engine operator
 * DJL's lambdas call, so the replacement's outputs equal the lambda's on every input). A lambda
 * that throws, returns another shape, type or count, or differs in one value is not an activation.
 * The probe cannot prove that an arbitrary function is a ReLU everywhere (a lambda could behave
 * like one on these 96 values only); it does recognise every function DJL's own blocks use, and
 * nothing that changes a negative value, a value between 0 and 6, or a value above 6 differently.
 */
public final class LambdaActivations {

    private static final Shape PROBE_SHAPE = new Shape(2, 3, 4, 4);

    private LambdaActivations() {}

    /**
     * Returns the hookable block computing what a lambda block computes, if it is a ReLU or a
     * ReLU6.
     *
     * @param lambda the lambda block
     * @return a new {@link Relu} or {@link Relu6}, or empty if the block is neither
     */
    public static Optional<Relu> hookable(LambdaBlock lambda) {
        float[] probe = probeValues();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray input = manager.create(probe, PROBE_SHAPE);
            NDList out;
            try {
                out = lambda.forward(new ParameterStore(manager, false), new NDList(input), false);
            } catch (RuntimeException e) {
                return Optional.empty();
            }
            if (out.size() != 1
                    || !out.get(0).getShape().equals(PROBE_SHAPE)
                    || out.get(0).getDataType() != DataType.FLOAT32) {
                return Optional.empty();
            }
            float[] got = out.get(0).toFloatArray();
            if (Arrays.equals(got, Activation.relu(input).toFloatArray())) {
                return Optional.of(new Relu());
            }
            if (Arrays.equals(got, Activation.relu6(input).toFloatArray())) {
                return Optional.of(new Relu6());
            }
            return Optional.empty();
        }
    }

    /** 96 values: a ramp from -12 to 11.75 in steps of 0.25, with special values spliced in. */
    private static float[] probeValues() {
        float[] values = new float[(int) PROBE_SHAPE.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i - 48) * 0.25f;
        }
        float[] special = {
            -1e30f, -1f, -1e-30f, -0f, 0f, 1e-30f, 5.999f, 6f, 6.001f, 1e30f, -6.5f, 3.3f
        };
        for (int i = 0; i < special.length; i++) {
            values[i * 8 + 3] = special[i];
        }
        return values;
    }
}
