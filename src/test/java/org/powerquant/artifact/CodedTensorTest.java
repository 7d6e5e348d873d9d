package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Loading decodes every quantized tensor to the weights {@link WeightCodes#decode} gives, bit for
 * bit, whether it writes into the engine's memory (PyTorch on the CPU) or into buffers the engine
 * copies (a GPU, or an engine that hides its memory).
 */
class CodedTensorTest {

    @Test
    void bothWaysOfDecodingGiveTheCodesWeightsBitForBit() {
        Random random = new Random(17);
        List<CodedTensor> tensors = new ArrayList<>();
        for (int t = 0; t < 40; t++) {
            int bits = 2 + t % 7;
            int channels = 1 + random.nextInt(7);
            int perChannel = 1 + random.nextInt(40); // odd lengths: channels start mid-byte
            int count = channels * perChannel;
            byte[] codes = new byte[Math.toIntExact(PackedCodes.byteLength(count, bits))];
            random.nextBytes(codes);
            float[] scales = new float[t % 4 == 0 ? 1 : channels];
            for (int c = 0; c < scales.length; c++) {
                scales[c] = 0.01f + random.nextFloat();
            }
            double exponent = t % 3 == 0 ? 1 : 0.3 + random.nextDouble();
            tensors.add(
                    new CodedTensor(
                            "p" + t,
                            null,
                            "layer" + t,
                            new Shape(channels, perChannel),
                            codes,
                            bits,
                            exponent,
                            scales));
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            for (boolean intoEngineMemory : new boolean[] {true, false}) {
                List<NDArray> arrays = CodedTensor.decodeAll(tensors, manager, intoEngineMemory);
                assertEquals(tensors.size(), arrays.size());
                for (int t = 0; t < tensors.size(); t++) {
                    CodedTensor c = tensors.get(t);
                    float[] expected =
                            WeightCodes.decode(
                                    c.layer(),
                                    c.codes(),
                                    Math.toIntExact(c.shape().size()),
                                    c.bits(),
                                    c.exponent(),
                                    c.scales());
                    assertEquals(c.shape(), arrays.get(t).getShape());
                    assertArrayEquals(
                            ArtifactRoundTripTest.rawBits(expected),
                            ArtifactRoundTripTest.rawBits(arrays.get(t).toFloatArray()),
                            c.layer() + (intoEngineMemory ? ", engine memory" : ", copied"));
                }
            }
        }
    }
}
