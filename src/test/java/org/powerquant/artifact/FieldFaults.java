package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/**
 * For the tests of an artifact's files edited by hand: the wrong values they give a field, and the
 * refusal each edit must meet (every reader refuses alike, in one line naming the file).
 */
final class FieldFaults {

    private FieldFaults() {}

    /**
     * A value of each JSON kind but strings and numbers: null, an empty object, an empty array,
     * {@code true}.
     *
     * @return the values
     */
    static List<JsonElement> ofEveryKind() {
        return List.of(
                JsonNull.INSTANCE, new JsonObject(), new JsonArray(), new JsonPrimitive(true));
    }

    /**
     * Those of {@link #ofEveryKind}, a string, a number with a fraction and the original value
     * wrapped in a one-element array (which Gson's getters read as its element).
     *
     * @param original the field's value
     * @param string a string the field does not take
     * @param fraction a number with a fraction
     * @return the values
     */
    static List<JsonElement> ofEveryType(JsonElement original, String string, double fraction) {
        JsonArray wrapped = new JsonArray();
        wrapped.add(original.deepCopy());
        List<JsonElement> values = new ArrayList<>(ofEveryKind());
        values.add(new JsonPrimitive(string));
        values.add(new JsonPrimitive(fraction));
        values.add(wrapped);
        return values;
    }

    /**
     * Every one of the reads refuses the artifact with the same message.
     *
     * @param reads the ways of reading it
     * @return the first read's refusal
     */
    static ArtifactException refusedAlike(Executable... reads) {
        ArtifactException first = assertThrows(ArtifactException.class, reads[0]);
        for (int i = 1; i < reads.length; i++) {
            ArtifactException e = assertThrows(ArtifactException.class, reads[i]);
            assertEquals(first.getMessage(), e.getMessage(), "read " + i);
        }
        return first;
    }

    /**
     * A refusal names the file and is one line that starts with its path, holds each of the words
     * and none of Java's or Gson's.
     *
     * @param e the refusal
     * @param file the file it must name
     * @param words what the line must hold
     * @return the line
     */
    static String assertOneLine(ArtifactException e, Path file, String... words) {
        String m = e.getMessage();
        assertEquals(file, e.file(), m);
        assertTrue(m.startsWith(file + ": "), m);
        assertFalse(m.contains("\n"), "one line: " + m);
        assertFalse(
                m.contains("Exception")
                        || m.contains("JsonNull")
                        || m.contains("com.google")
                        || m.contains("For input string")
                        || m.contains("No enum constant"),
                "no Java words: " + m);
        for (String w : words) {
            assertTrue(m.contains(w), w + " in: " + m);
        }
        return m;
    }
}
