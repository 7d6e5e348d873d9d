package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/**
 * The builders refuse a thread count below 1 and a null list of skip patterns as every other
 * setting: an {@link InvalidInputException} naming the role. Threads gave a plain {@code
 * IllegalArgumentException} without a role, and the null patterns a bare {@code
 * NullPointerException}.
 */
class NullAndThreadsRefusalTest {

    private static void assertRefused(Role role, String message, InvalidInputException e) {
        assertEquals(role, e.role());
        assertEquals(message, e.getMessage());
    }

    @Test
    void threadsBelowOneAreRefusedForTheirRole() {
        for (int threads : new int[] {0, -1}) {
            assertRefused(
                    Role.THREADS,
                    "threads must be at least 1, got " + threads,
                    assertThrows(
                            InvalidInputException.class,
                            () -> PowerQuantTransform.builder().threads(threads)));
        }
    }

    @Test
    void nullSkipPatternsAreRefusedForTheirRole() {
        assertRefused(
                Role.SKIP,
                "skip is not given (null)",
                assertThrows(
                        InvalidInputException.class,
                        () -> PowerQuantTransform.builder().skipLayers((String[]) null)));
        assertRefused(
                Role.SKIP,
                "skip is not given (null)",
                assertThrows(
                        InvalidInputException.class,
                        () -> QuantizationOptions.builder().weightBits(4).skip(null).build()));
    }
}
