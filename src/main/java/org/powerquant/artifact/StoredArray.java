package org.powerquant.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

/**
 * The {@link Initializer} of a loaded parameter: it hands the parameter the array the artifact
 * stores for it, and refuses when the layer asks for another shape or type. Initializing the
 * rebuilt block through these, DJL's own shape inference (each layer's {@code prepare} from its
 * input's shape, propagated from the recorded input shape) checks every stored array against the
 * layer the architecture describes, without running the network: a depthwise convolution described
 * with one group, or a classifier whose input no longer has the flattened size it was saved with,
 * is refused here.
 */
final class StoredArray implements Initializer {

    private final String parameter;
    private final NDArray array;

    /**
     * Creates the initializer of one parameter.
     *
     * @param parameter the parameter's name, for messages
     * @param array the stored array, on the manager the model keeps its parameters on
     */
    StoredArray(String parameter, NDArray array) {
        this.parameter = parameter;
        this.array = array;
    }

    /**
     * {@inheritDoc}
     *
     * @throws Mismatch if the layer needs another shape or data type than the stored array's
     */
    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        if (!array.getShape().equals(shape) || array.getDataType() != dataType) {
            throw new Mismatch(
                    "tensor "
                            + parameter
                            + " is "
                            + array.getShape()
                            + " "
                            + array.getDataType()
                            + ", its layer needs "
                            + shape
                            + " "
                            + dataType);
        }
        return array;
    }

    /** A stored array that does not fit the layer its parameter belongs to. */
    static final class Mismatch extends IllegalStateException {

        private static final long serialVersionUID = 1L;

        Mismatch(String message) {
            super(message);
        }
    }
}
