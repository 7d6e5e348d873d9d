package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.QuantizedWeights;
import org.powerquant.quant.ScaleMode;
import org.powerquant.quant.WeightQuantizer;

/** Packed codes reproduce what the weight quantizer stored, bit for bit, at every bit width. */
class WeightCodesTest {

    @Test
    void everyQuantizedTensorDecodesToItsStoredValuesBitForBit() {
        Random random = new Random(5);
        for (int trial = 0; trial < 60; trial++) {
            int bits = 2 + trial % 7;
            int channels = 1 + random.nextInt(6);
            int perChannel = 1 + random.nextInt(50);
            float[] w = new float[channels * perChannel];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() * 0.1);
                if (random.nextInt(10) == 0) {
                    w[i] = -1e-9f; // rounds to a negative zero
                }
            }
            if (trial % 5 == 0) {
                java.util.Arrays.fill(w, 0, perChannel, 0f); // an all-zero channel
            }
            ScaleMode mode = trial % 3 == 0 ? ScaleMode.PER_TENSOR : ScaleMode.PER_CHANNEL;
            QuantizationMethod method =
                    trial % 2 == 0 ? QuantizationMethod.POWER : QuantizationMethod.UNIFORM;
            QuantizedWeights q =
                    WeightQuantizer.builder()
                            .bits(bits)
                            .scaleMode(mode)
                            .method(method)
                            .build()
                            .quantize("t" + trial, new long[] {channels, perChannel}, w);
            byte[] packed =
                    WeightCodes.encode(q.name(), q.values(), bits, q.exponent(), q.scales());
            assertEquals(PackedCodes.byteLength(w.length, bits), packed.length);
            float[] decoded =
                    WeightCodes.decode(q.name(), packed, w.length, bits, q.exponent(), q.scales());
            assertArrayEquals(
                    ArtifactRoundTripTest.rawBits(q.values()),
                    ArtifactRoundTripTest.rawBits(decoded),
                    "trial " + trial + ", " + bits + " bits");
        }
    }

    @Test
    void packingIsTheIdentityOnEveryPatternAtEveryWidth() {
        Random random = new Random(9);
        for (int bits = 2; bits <= 8; bits++) {
            int n = 1 + random.nextInt(100);
            int[] magnitudes = new int[n];
            boolean[] negative = new boolean[n];
            int[] patterns = new int[n];
            for (int i = 0; i < n; i++) {
                magnitudes[i] = random.nextInt(1 << (bits - 1));
                negative[i] = random.nextBoolean();
                patterns[i] = magnitudes[i] | (negative[i] ? 1 << (bits - 1) : 0);
            }
            assertArrayEquals(
                    patterns,
                    PackedCodes.unpack(PackedCodes.pack(magnitudes, negative, bits), n, bits));
        }
    }

    @Test
    void aWeightOffItsGridIsNotEncoded() {
        float[] w = {0.5f, -0.25f, 0.1234567f, 1f};
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> WeightCodes.encode("fc.weight", w, 4, 1.0, new float[] {1f}));
        assertEquals(true, e.getMessage().startsWith("layer fc.weight: weight"), e.getMessage());
    }
}
