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

    /** Installs the filter and writes one line to stderr (run by the test below). */
    public static void main(String[] args) {
        try (NativeStderrFilter filter = NativeStderrFilter.install()) {
            System.err.println("from the filtered process");
        }
    }

    @Test
    void aFileStderrIsAppendedToKeepsWhatItHeld() throws Exception {
        java.nio.file.Path log = java.nio.file.Files.createTempFile("stderr", ".log");
        try {
            java.nio.file.Files.writeString(log, "line 1\nline 2\n");
            Process p =
                    new ProcessBuilder(
                                    java.nio.file.Path.of(
                                                    System.getProperty("java.home"), "bin", "java")
                                            .toString(),
                                    "-cp",
                                    System.getProperty("java.class.path"),
                                    NativeStderrFilterTest.class.getName())
                            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start();
            assertEquals(0, p.waitFor());
            assertEquals(
                    "line 1\nline 2\nfrom the filtered process\n",
                    java.nio.file.Files.readString(log));
        } finally {
            java.nio.file.Files.deleteIfExists(log);
        }
    }
}
