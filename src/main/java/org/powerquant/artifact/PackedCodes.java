package org.powerquant.artifact;

import org.powerquant.quant.BitWidth;

/**
 * Signed weight codes packed at {@code b} bits each, in sign-magnitude form: the low {@code b - 1}
 * bits hold the magnitude {@code |q| <= 2^(b-1) - 1}, the top bit the sign. The codes of one tensor
 * form one little-endian bit stream (code {@code i} starts at bit {@code i * b}; bit {@code j} of
 * the stream is bit {@code j % 8} of byte {@code j / 8}), padded with zero bits to a whole byte.
 *
 * <p>Sign-magnitude, rather than two's complement, because the symmetric codes {@code -N..N} leave
 * one pattern spare at every width, and that pattern is the negative zero: a negative weight that
 * rounds to code zero is stored as {@code -0.0f}, and keeping its sign makes a loaded model equal
 * the quantized one bit for bit. Written by hand: neither the JDK nor DJL packs sub-byte integers.
 */
public final class PackedCodes {

    private PackedCodes() {}

    /**
     * Returns how many bytes {@code count} codes of {@code bits} bits take.
     *
     * @param count the number of codes
     * @param bits the bits per code, 2 to 8
     * @return {@code ceil(count * bits / 8)}
     */
    public static long byteLength(long count, int bits) {
        return (count * bits + 7) / 8;
    }

    /**
     * Packs codes.
     *
     * @param magnitudes the magnitude of every code, each in {@code [0, 2^(bits-1) - 1]}
     * @param negative the sign of every code (true for negative, including a negative zero)
     * @param bits the bits per code, 2 to 8
     * @return the packed bytes, {@link #byteLength} long
     * @throws IllegalArgumentException if a magnitude does not fit
     */
    public static byte[] pack(int[] magnitudes, boolean[] negative, int bits) {
        BitWidth.check(bits, "bits per code");
        int limit = (1 << (bits - 1)) - 1;
        byte[] out = new byte[Math.toIntExact(byteLength(magnitudes.length, bits))];
        long buffer = 0;
        int filled = 0;
        int position = 0;
        for (int i = 0; i < magnitudes.length; i++) {
            int m = magnitudes[i];
            if (m < 0 || m > limit) {
                throw new IllegalArgumentException(
                        "code magnitude " + m + " does not fit in " + bits + " bits");
            }
            long code = m | (negative[i] ? 1L << (bits - 1) : 0L);
            buffer |= code << filled;
            filled += bits;
            while (filled >= 8) {
                out[position++] = (byte) buffer;
                buffer >>>= 8;
                filled -= 8;
            }
        }
        if (filled > 0) {
            out[position] = (byte) buffer;
        }
        return out;
    }

    /**
     * Unpacks codes into a pattern per code ({@code sign << (bits-1) | magnitude}).
     *
     * @param packed the packed bytes
     * @param count how many codes to read
     * @param bits the bits per code, 2 to 8
     * @return the {@code count} raw patterns, each in {@code [0, 2^bits)}
     * @throws IllegalArgumentException if {@code packed} is not exactly {@link #byteLength} long
     */
    public static int[] unpack(byte[] packed, int count, int bits) {
        checkLength(packed, count, bits);
        int[] out = new int[count];
        for (int i = 0; i < count; i++) {
            out[i] = pattern(packed, i, bits);
        }
        return out;
    }

    /**
     * Reads the raw pattern of one code ({@code sign << (bits-1) | magnitude}).
     *
     * @param packed the packed bytes, of {@link #byteLength} for at least {@code index + 1} codes
     * @param index the code's position
     * @param bits the bits per code, 2 to 8
     * @return the pattern, in {@code [0, 2^bits)}
     */
    static int pattern(byte[] packed, int index, int bits) {
        long bit = (long) index * bits;
        int at = (int) (bit >>> 3);
        int word = packed[at] & 0xFF;
        if (at + 1 < packed.length) {
            word |= (packed[at + 1] & 0xFF) << 8;
        }
        return (word >>> (int) (bit & 7)) & ((1 << bits) - 1);
    }

    /**
     * Checks that a packed array holds exactly {@code count} codes of {@code bits} bits.
     *
     * @param packed the packed bytes
     * @param count the number of codes
     * @param bits the bits per code
     * @throws IllegalArgumentException if it does not
     */
    static void checkLength(byte[] packed, int count, int bits) {
        BitWidth.check(bits, "bits per code");
        if (packed.length != byteLength(count, bits)) {
            throw new IllegalArgumentException(
                    count
                            + " codes of "
                            + bits
                            + " bits take "
                            + byteLength(count, bits)
                            + " bytes, got "
                            + packed.length);
        }
    }
}
