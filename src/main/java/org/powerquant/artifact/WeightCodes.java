package org.powerquant.artifact;

import java.nio.FloatBuffer;
import org.powerquant.quant.PowerQuantizer;

/**
 * Turns a quantized weight tensor into its packed codes and back, with the very arithmetic of
 * {@link PowerQuantizer} that produced it: a weight of channel {@code c} with code {@code q} is
 * {@code sign(q) * (float) (level(|q|) * s_c)}, exactly as {@code SortedMagnitudes.dequantize}
 * stores it, so decoding reproduces the quantized tensor bit for bit (negative zeros included).
 *
 * <p>A tensor's scales are one per output channel (the tensor's first dimension; the channel length
 * is {@code values / scales}) or a single one for the whole tensor.
 */
public final class WeightCodes {

    private WeightCodes() {}

    /**
     * Encodes a quantized tensor, checking that every weight lies on its grid.
     *
     * @param layer the layer's name, for messages
     * @param values the stored (dequantized) weights, in row-major order
     * @param bits the bit width
     * @param exponent the layer's exponent
     * @param scales the scales, one per channel or one for the tensor
     * @return the codes packed at {@code bits} bits ({@link PackedCodes})
     * @throws IllegalStateException naming the layer if a weight is not the value its code stands
     *     for (the model was changed after quantization, or the report is not its own)
     */
    public static byte[] encode(
            String layer, float[] values, int bits, double exponent, float[] scales) {
        PowerQuantizer grid = PowerQuantizer.signed(bits, exponent);
        int channelLength = channelLength(layer, values.length, scales);
        int[] magnitudes = new int[values.length];
        boolean[] negative = new boolean[values.length];
        for (int c = 0; c < scales.length; c++) {
            float[] table = levels(grid, scales[c]);
            for (int i = c * channelLength; i < (c + 1) * channelLength; i++) {
                float v = values[i];
                int m = grid.code(PowerQuantizer.normalise(v, scales[c]));
                boolean sign = Float.floatToRawIntBits(v) < 0;
                float decoded = sign ? -table[m] : table[m];
                if (Float.floatToRawIntBits(decoded) != Float.floatToRawIntBits(v)) {
                    throw new IllegalStateException(
                            "layer "
                                    + layer
                                    + ": weight "
                                    + i
                                    + " ("
                                    + v
                                    + ") is not on its "
                                    + bits
                                    + "-bit grid (a = "
                                    + exponent
                                    + ", scale "
                                    + scales[c]
                                    + "); was the model changed after quantization?");
                }
                magnitudes[i] = m;
                negative[i] = sign;
            }
        }
        return PackedCodes.pack(magnitudes, negative, bits);
    }

    /**
     * Decodes packed codes into the weights they stand for.
     *
     * @param layer the layer's name, for messages
     * @param packed the packed codes
     * @param count the number of weights
     * @param bits the bit width
     * @param exponent the layer's exponent
     * @param scales the scales, one per channel or one for the tensor
     * @return the weights, in row-major order
     * @throws IllegalArgumentException naming the layer if the sizes do not fit
     */
    public static float[] decode(
            String layer, byte[] packed, int count, int bits, double exponent, float[] scales) {
        float[] out = new float[count];
        decode(layer, packed, count, bits, exponent, scales, FloatBuffer.wrap(out));
        return out;
    }

    /**
     * Decodes packed codes into the weights they stand for, written to a buffer (such as the direct
     * buffer an engine array is made from) from its position on; the position is left unchanged.
     *
     * @param layer the layer's name, for messages
     * @param packed the packed codes
     * @param count the number of weights
     * @param bits the bit width
     * @param exponent the layer's exponent
     * @param scales the scales, one per channel or one for the tensor
     * @param out where the {@code count} weights go, in row-major order
     * @throws IllegalArgumentException naming the layer if the sizes do not fit
     */
    public static void decode(
            String layer,
            byte[] packed,
            int count,
            int bits,
            double exponent,
            float[] scales,
            FloatBuffer out) {
        check(layer, packed, count, bits, scales);
        PowerQuantizer grid = PowerQuantizer.signed(bits, exponent);
        int channelLength = count / scales.length;
        if (out.remaining() < count) {
            throw new IllegalArgumentException(
                    "layer " + layer + ": " + count + " weights, room for " + out.remaining());
        }
        int signBit = 1 << (bits - 1);
        int mask = (1 << bits) - 1;
        float[] patterns = new float[1 << bits];
        float[] channel = new float[channelLength];
        // the codes form one bit stream, read a byte at a time (one byte always completes a code)
        int position = 0;
        int buffer = 0;
        int filled = 0;
        int index = out.position();
        for (float scale : scales) {
            // every b-bit pattern is a valid code: magnitudes of b - 1 bits never exceed N
            float[] table = levels(grid, scale);
            for (int pattern = 0; pattern < patterns.length; pattern++) {
                float magnitude = table[pattern & (signBit - 1)];
                patterns[pattern] = (pattern & signBit) != 0 ? -magnitude : magnitude;
            }
            for (int i = 0; i < channelLength; i++) {
                if (filled < bits) {
                    buffer |= (packed[position++] & 0xFF) << filled;
                    filled += 8;
                }
                channel[i] = patterns[buffer & mask];
                buffer >>>= bits;
                filled -= bits;
            }
            out.put(index, channel);
            index += channelLength;
        }
    }

    /**
     * Checks that packed codes and scales fit a tensor of {@code count} weights, as {@link #decode}
     * does first.
     *
     * @param layer the layer's name, for messages
     * @param packed the packed codes
     * @param count the number of weights
     * @param bits the bit width
     * @param scales the scales, one per channel or one for the tensor
     * @throws IllegalArgumentException naming the layer if the sizes do not fit
     */
    public static void check(String layer, byte[] packed, int count, int bits, float[] scales) {
        channelLength(layer, count, scales);
        try {
            PackedCodes.checkLength(packed, count, bits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + layer + ": " + e.getMessage(), e);
        }
    }

    /** The value of every magnitude code under one scale, as the quantizer stores it. */
    private static float[] levels(PowerQuantizer grid, float scale) {
        float[] table = new float[grid.maxCode() + 1];
        for (int m = 0; m < table.length; m++) {
            table[m] = (float) (grid.level(m) * scale);
        }
        return table;
    }

    private static int channelLength(String layer, int count, float[] scales) {
        if (scales.length == 0 || count % scales.length != 0) {
            throw new IllegalArgumentException(
                    "layer "
                            + layer
                            + ": "
                            + scales.length
                            + " scales do not divide its "
                            + count
                            + " weights");
        }
        return count / scales.length;
    }
}
