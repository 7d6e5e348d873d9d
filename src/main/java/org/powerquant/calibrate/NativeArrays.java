package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/**
 * Arrays whose memory belongs to the engine rather than to a Java buffer.
 *
 * <p>On the PyTorch engine, {@code NDManager.create(float[])} and {@code NDArray.set(float[])} make
 * the tensor use a direct {@link java.nio.ByteBuffer} as its storage, kept alive only through a
 * Java reference. Long optimisation loops that allocate heavily (distillation) were seen to read
 * garbage from such tensors once the garbage collector ran: results changed from run to run and
 * were occasionally NaN, and stopped changing when the young generation was made large enough for
 * no collection to happen. Copying such tensors into engine-owned memory ({@link
 * NDArray#duplicate()}) removed the effect, so the calibration code creates its arrays this way and
 * re-owns the network's parameters (same values, new storage) before running it.
 */
final class NativeArrays {

    private NativeArrays() {}

    /** Creates an engine-owned array with the given values. */
    static NDArray create(NDManager manager, float[] values, Shape shape) {
        try (NDArray borrowed = manager.create(values, shape)) {
            NDArray owned = borrowed.duplicate();
            owned.attach(manager);
            return owned;
        }
    }

    /**
     * Moves every initialised parameter of a block into engine-owned storage, keeping values and
     * gradient flags.
     */
    static void ownParameters(Block block) {
        for (Parameter p : block.getParameters().values()) {
            if (!p.isInitialized()) {
                continue;
            }
            NDArray array = p.getArray();
            boolean gradient = array.hasGradient();
            array.intern(array.duplicate());
            if (gradient) {
                array.setRequiresGradient(true);
            }
        }
    }
}
