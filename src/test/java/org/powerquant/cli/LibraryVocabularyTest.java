package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library speaks of roles, never of flags: no string literal outside {@code cli} names a
 * command-line flag (javadoc may describe the command line).
 */
class LibraryVocabularyTest {

    private static final Pattern FLAG_IN_LITERAL = Pattern.compile("\"[^\"\\n]*--[a-z][^\"\\n]*\"");

    @Test
    void noLibraryStringNamesAFlag() throws IOException {
        Path root = Path.of("src/main/java/org/powerquant");
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                if (!file.toString().endsWith(".java") || file.startsWith(root.resolve("cli"))) {
                    continue;
                }
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i).strip();
                    if (line.startsWith("*") || line.startsWith("//")) {
                        continue;
                    }
                    Matcher m = FLAG_IN_LITERAL.matcher(line);
                    if (m.find()) {
                        found.add(file + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), found);
    }
}
