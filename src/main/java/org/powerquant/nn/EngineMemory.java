package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.nio.ByteBuffer;

/**
 * Whether an engine exposes the memory of its arrays to Java: a write to the direct buffer {@link
 * NDArray#toByteBuffer(boolean)} returns reaches the array. DJL's PyTorch engine does for arrays on
 * the CPU; on a GPU, or in an engine that hands out copies, the buffer is a copy and a write to it
 * is lost. Checked, not assumed: one array of one element is written through its buffer and read
 * back.
 */
public final class EngineMemory {

    private EngineMemory() {}

    /**
     * Whether writes through the direct buffers of arrays made by a manager reach the arrays.
     *
     * @param manager the manager (its engine and device are what is checked)
     * @return whether they do
     */
    public static boolean isExposed(NDManager manager) {
        try (NDManager scratch = manager.newSubManager()) {
            NDArray probe = scratch.create(new float[] {0f});
            ByteBuffer view = probe.toByteBuffer(true);
            if (!view.isDirect() || view.isReadOnly() || view.capacity() < Float.BYTES) {
                return false;
            }
            view.putFloat(0, 1f);
            return probe.toFloatArray()[0] == 1f;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }
}
