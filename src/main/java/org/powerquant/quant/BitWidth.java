package org.powerquant.quant;

import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/**
 * The one precondition on a bit width: every quantizer of this library takes 2 to 8 bits. Callers
 * name the role of the bits they check ("weight bits", "bits per code"), so a refusal says which
 * setting is at fault, e.g. "weight bits must be between 2 and 8, got 9".
 */
public final class BitWidth {

    /** Smallest supported bit width. */
    public static final int MIN = 2;

    /** Largest supported bit width. */
    public static final int MAX = 8;

    private BitWidth() {}

    /**
     * Tells whether a bit width is supported.
     *
     * @param bits a bit width
     * @return whether it is supported, {@value #MIN} to {@value #MAX}
     */
    public static boolean isValid(int bits) {
        return bits >= MIN && bits <= MAX;
    }

    /**
     * Checks a bit width of a library role.
     *
     * @param bits the bit width
     * @param role what the bits are of; the exception names it
     * @return {@code bits}
     * @throws InvalidInputException if {@code bits} is not {@value #MIN} to {@value #MAX}
     */
    public static int check(int bits, Role role) {
        if (!isValid(bits)) {
            throw new InvalidInputException(role, problem(bits));
        }
        return bits;
    }

    /**
     * Checks an optional bit width of a library role, where 0 means "not quantized" or "the
     * default".
     *
     * @param bits the bit width, or 0
     * @param role what the bits are of; the exception names it
     * @return {@code bits}
     * @throws InvalidInputException if {@code bits} is neither 0 nor {@value #MIN} to {@value #MAX}
     */
    public static int checkUnlessZero(int bits, Role role) {
        return bits == 0 ? 0 : check(bits, role);
    }

    /**
     * Checks a bit width described in words.
     *
     * @param bits the bit width
     * @param what what the bits are of, e.g. {@code "bits per code"}; the exception names it
     * @return {@code bits}
     * @throws IllegalArgumentException if {@code bits} is not {@value #MIN} to {@value #MAX}
     */
    public static int check(int bits, String what) {
        if (!isValid(bits)) {
            throw new IllegalArgumentException(what + " " + problem(bits));
        }
        return bits;
    }

    private static String problem(int bits) {
        return "must be between " + MIN + " and " + MAX + ", got " + bits;
    }
}
