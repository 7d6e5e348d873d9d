package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The stderr filter drops libtorch's deprecation warning and nothing else. */
class NativeStderrFilterTest {

    private static final String WARNING =
            "[W1201 00:12:01.123456789 LegacyTypeDispatch.h:74] Warning: AutoNonVariableTypeMode is"
                    + " deprecated and will be removed in 1.10 release. For kernel implementations"
                    + " please use AutoDispatchBelowADInplaceOrView instead. (function operator())\n";

    private static String filter(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NativeStderrFilter.copy(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dropsOnlyTheDeprecationWarning() throws IOException {
        String error = "powerquant evaluate: error: --model m.pt cannot be loaded\n";
        String nativeError =
                "[E1201 00:12:01.1 Something.cpp:1] terminate called after throwing an instance\n";
        String otherWarning =
                "[W1201 00:12:01.1 Other.cpp:9] Warning: something else (function f)\n";
        assertEquals(
                error + nativeError + otherWarning,
                filter(WARNING + error + nativeError + WARNING + otherWarning));
        assertEquals("", filter(WARNING));
        assertEquals("no newline at the end", filter("no newline at the end"));
        String unicode = "évaluation: 3 images ✓\n";
        assertEquals(unicode, filter(unicode));
    }
}
