package org.powerquant.importer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * A tensor read from a TorchScript archive, converted to a dense row-major (C-order) float array.
 *
 * @param dtype the PyTorch storage type it was stored as, e.g. {@code FloatStorage} or {@code
 *     LongStorage} (integer and half types are converted to float)
 * @param shape the tensor's dimensions
 * @param values the elements in row-major order; not copied, do not modify
 */
public record TorchTensor(String dtype, long[] shape, float[] values) {

    /**
     * Returns the shape as a DJL {@link Shape}.
     *
     * @return the shape
     */
    public Shape getShape() {
        return new Shape(shape);
    }

    /**
     * Creates a float32 array with this tensor's values.
     *
     * @param manager the manager that will own the array
     * @return a new array of {@link #getShape()}
     */
    public NDArray toNDArray(NDManager manager) {
        return manager.create(values, getShape());
    }
}
