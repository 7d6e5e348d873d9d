package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.artifact.PackedCodes;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationOptions;

/**
 * The one bit-width precondition: over a range of integers, a width is accepted exactly when it is
 * 2 to 8, and a refusal names the role whose bits are wrong; every entry point of the library
 * enforces the same rule.
 */
class BitWidthTest {

    private static final int FROM = -300;
    private static final int TO = 300;

    @Test
    void acceptsExactlyTwoToEightAndNamesTheRole() {
        for (Role role :
                new Role[] {Role.WEIGHT_BITS, Role.ACTIVATION_BITS, Role.LAST_LAYER_BITS}) {
            for (int bits = FROM; bits <= TO; bits++) {
                boolean valid = bits >= 2 && bits <= 8;
                assertEquals(valid, BitWidth.isValid(bits), "bits " + bits);
                if (valid) {
                    assertEquals(bits, BitWidth.check(bits, role));
                } else {
                    int b = bits;
                    InvalidInputException e =
                            assertThrows(
                                    InvalidInputException.class, () -> BitWidth.check(b, role));
                    assertEquals(role, e.role());
                    assertTrue(
                            e.getMessage().startsWith(role.label() + " must be between 2 and 8"),
                            e.getMessage());
                    assertTrue(e.getMessage().endsWith("got " + bits), e.getMessage());
                }
            }
        }
        for (int bits : new int[] {Integer.MIN_VALUE, Integer.MAX_VALUE}) {
            assertThrows(InvalidInputException.class, () -> BitWidth.check(bits, Role.WEIGHT_BITS));
        }
    }

    @Test
    void zeroIsAcceptedOnlyWhereItMeansNotQuantized() {
        for (int bits = FROM; bits <= TO; bits++) {
            boolean valid = bits == 0 || (bits >= 2 && bits <= 8);
            int b = bits;
            if (valid) {
                assertEquals(bits, BitWidth.checkUnlessZero(bits, Role.ACTIVATION_BITS));
            } else {
                InvalidInputException e =
                        assertThrows(
                                InvalidInputException.class,
                                () -> BitWidth.checkUnlessZero(b, Role.ACTIVATION_BITS));
                assertEquals(Role.ACTIVATION_BITS, e.role());
            }
        }
        assertThrows(InvalidInputException.class, () -> BitWidth.check(0, Role.WEIGHT_BITS));
    }

    @Test
    void wordedRolesAreNamedToo() {
        for (int bits = FROM; bits <= TO; bits++) {
            int b = bits;
            if (bits >= 2 && bits <= 8) {
                assertEquals(bits, BitWidth.check(bits, "bits per code"));
            } else {
                IllegalArgumentException e =
                        assertThrows(
                                IllegalArgumentException.class,
                                () -> BitWidth.check(b, "bits per code"));
                assertEquals("bits per code must be between 2 and 8, got " + bits, e.getMessage());
            }
        }
    }

    /** Every entry point that takes a bit width accepts and refuses exactly what the rule does. */
    @Test
    void everyEntryPointFollowsTheRule() {
        for (int bits = -3; bits <= 12; bits++) {
            int b = bits;
            boolean valid = BitWidth.isValid(bits);
            assertEntry(valid, Role.WEIGHT_BITS, () -> WeightQuantizer.builder().bits(b));
            assertEntry(valid, null, () -> PowerQuantizer.signed(b, 1.0));
            assertEntry(valid, null, () -> PowerQuantizer.unsigned(b, 1.0));
            assertEntry(
                    valid, Role.ACTIVATION_BITS, () -> new ActivationGrid(b, 1.0, 0, 1.0, 0, 0));
            assertEntry(
                    valid, null, () -> PackedCodes.pack(new int[] {0}, new boolean[] {false}, b));
            assertEntry(valid, Role.WEIGHT_BITS, () -> PowerQuantTransform.builder().weightBits(b));
            boolean validOrZero = valid || bits == 0;
            assertEntry(
                    validOrZero,
                    Role.ACTIVATION_BITS,
                    () -> PowerQuantTransform.builder().activationBits(b));
            assertEntry(
                    validOrZero,
                    Role.LAST_LAYER_BITS,
                    () -> PowerQuantTransform.builder().lastLayerBits(b));
            assertEntry(
                    validOrZero,
                    Role.WEIGHT_BITS,
                    () -> QuantizationOptions.builder().weightBits(b).build());
            assertEntry(
                    validOrZero,
                    Role.LAST_LAYER_BITS,
                    () ->
                            QuantizationOptions.builder()
                                    .weightBits(4)
                                    .activationBits(4)
                                    .lastLayerBits(b)
                                    .inputSize(32, 32)
                                    .build());
        }
    }

    private static void assertEntry(boolean valid, Role role, Runnable call) {
        if (valid) {
            call.run();
            return;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains("must be between 2 and 8"), e.getMessage());
        if (role != null) {
            assertEquals(role, assertInstanceOf(e).role(), e.getMessage());
        }
    }

    private static InvalidInputException assertInstanceOf(IllegalArgumentException e) {
        assertTrue(e instanceof InvalidInputException, "not role-named: " + e);
        return (InvalidInputException) e;
    }
}
