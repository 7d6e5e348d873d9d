package org.powerquant.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * One quantized tensor as an artifact stores it: the parameter it is for, its packed codes and its
 * grid ({@link WeightCodes}).
 *
 * @param name the parameter's name in the manifest
 * @param parameter the parameter of the rebuilt network
 * @param layer the layer's name, for messages
 * @param shape the tensor's shape
 * @param codes the packed codes, of a size checked by {@link WeightCodes#check}
 * @param bits the bit width
 * @param exponent the layer's exponent
 * @param scales the scales, one per channel or one for the tensor
 */
record CodedTensor(
        String name,
        Parameter parameter,
        String layer,
        Shape shape,
        byte[] codes,
        int bits,
        double exponent,
        float[] scales) {

    /**
     * Decodes tensors into engine arrays, in parallel. Where the engine exposes its arrays' memory
     * ({@link org.powerquant.nn.EngineMemory}: PyTorch on the CPU) the weights are written straight
     * into new engine arrays; elsewhere (a GPU) into direct buffers the engine copies.
     *
     * @param tensors the tensors
     * @param target the manager of the arrays
     * @param intoEngineMemory whether to write into the engine's memory
     * @return one array per tensor, in order
     */
    static List<NDArray> decodeAll(
            List<CodedTensor> tensors, NDManager target, boolean intoEngineMemory) {
        NDArray[] arrays = new NDArray[tensors.size()];
        ByteBuffer[] buffers = new ByteBuffer[tensors.size()];
        for (int i = 0; i < arrays.length; i++) {
            Shape shape = tensors.get(i).shape();
            if (intoEngineMemory) {
                arrays[i] = target.create(shape, DataType.FLOAT32);
                buffers[i] = arrays[i].toByteBuffer(true);
            } else {
                buffers[i] =
                        ByteBuffer.allocateDirect(Math.toIntExact(shape.size()) * Float.BYTES)
                                .order(ByteOrder.nativeOrder());
            }
        }
        IntStream.range(0, arrays.length)
                .parallel()
                .forEach(i -> tensors.get(i).decodeInto(buffers[i]));
        List<NDArray> out = new ArrayList<>(arrays.length);
        for (int i = 0; i < arrays.length; i++) {
            out.add(
                    intoEngineMemory
                            ? arrays[i]
                            : target.create(buffers[i], tensors.get(i).shape(), DataType.FLOAT32));
        }
        return out;
    }

    private void decodeInto(ByteBuffer buffer) {
        WeightCodes.decode(
                layer,
                codes,
                Math.toIntExact(shape.size()),
                bits,
                exponent,
                scales,
                buffer.asFloatBuffer());
    }
}
