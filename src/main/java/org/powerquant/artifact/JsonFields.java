package org.powerquant.artifact;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.powerquant.quant.BitWidth;

/**
 * The checked reading of a JSON file of an artifact ({@value ArtifactManifest#FILE}, {@value
 * QuantizedArtifact#REPORT}): a field that is missing, null or of another JSON type is refused with
 * an {@link ArtifactException} that names the file and the field by its path in the file, e.g.
 * {@code field layers[0] (conv1.weight).bits must be an integer, got the string "four"}. Gson's own
 * accessors would throw a cast or number-format exception, or read a one-element array as its
 * element. The architecture's fields are read through it too, by the built-in {@link
 * ArchitectureCodec}s.
 */
final class JsonFields {

    private final Path file;
    private final boolean nonFinite;

    /**
     * Creates the reader of one file.
     *
     * @param file the file, for messages
     * @param nonFinite whether a number may be {@code NaN}, {@code Infinity} or {@code -Infinity}
     *     (what Gson writes for them when asked to, and reads back as strings)
     */
    JsonFields(Path file, boolean nonFinite) {
        this.file = file;
        this.nonFinite = nonFinite;
    }

    JsonElement field(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = o.get(key);
        if (e == null) {
            throw fault(at + key, "is missing");
        }
        return e;
    }

    int bits(JsonObject o, String at, String key, boolean zeroAllowed) throws ArtifactException {
        int bits = intValue(o, at, key);
        if (!(BitWidth.isValid(bits) || (zeroAllowed && bits == 0))) {
            throw fault(
                    at + key,
                    "must be "
                            + (zeroAllowed ? "0 or " : "")
                            + BitWidth.MIN
                            + " to "
                            + BitWidth.MAX
                            + ", got "
                            + bits);
        }
        return bits;
    }

    String string(JsonObject o, String at, String key) throws ArtifactException {
        return string(field(o, at, key), at + key);
    }

    String string(JsonElement e, String path) throws ArtifactException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrongType(path, "a string", e);
        }
        return e.getAsString();
    }

    boolean bool(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = field(o, at, key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrongType(at + key, "true or false", e);
        }
        return e.getAsBoolean();
    }

    double number(JsonObject o, String at, String key) throws ArtifactException {
        return number(field(o, at, key), at + key);
    }

    double number(JsonElement e, String path) throws ArtifactException {
        if (nonFinite && e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            switch (e.getAsString()) {
                case "NaN" -> {
                    return Double.NaN;
                }
                case "Infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-Infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                default -> {
                    throw wrongType(path, "a number", e);
                }
            }
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrongType(path, "a number", e);
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException ex) {
            throw wrongType(path, "a number", e);
        }
    }

    long integer(JsonObject o, String at, String key) throws ArtifactException {
        return integer(field(o, at, key), at + key);
    }

    int intValue(JsonObject o, String at, String key) throws ArtifactException {
        return intValue(field(o, at, key), at + key);
    }

    int intValue(JsonElement e, String path) throws ArtifactException {
        long v = integer(e, path);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw fault(path, "is out of range: " + v);
        }
        return (int) v;
    }

    /**
     * Reads a string that must be one of a few values, e.g. {@code field architecture.residual must
     * be one of "BASIC", "BOTTLENECK", got the string "WEIRD"}.
     */
    String oneOf(JsonObject o, String at, String key, Collection<String> allowed)
            throws ArtifactException {
        JsonElement e = field(o, at, key);
        if (!e.isJsonPrimitive()
                || !e.getAsJsonPrimitive().isString()
                || !allowed.contains(e.getAsString())) {
            throw wrongType(
                    at + key,
                    "one of "
                            + allowed.stream()
                                    .map(v -> "\"" + v + "\"")
                                    .collect(Collectors.joining(", ")),
                    e);
        }
        return e.getAsString();
    }

    /** Reads a constant of an enum, by its name ({@link #oneOf}). */
    <E extends Enum<E>> E enumValue(JsonObject o, String at, String key, Class<E> type)
            throws ArtifactException {
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name());
        }
        return Enum.valueOf(type, oneOf(o, at, key, names));
    }

    long integer(JsonElement e, String path) throws ArtifactException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrongType(path, "an integer", e);
        }
        try {
            return new BigDecimal(e.getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            throw wrongType(path, "an integer", e);
        }
    }

    float[] floats(JsonArray a, String path) throws ArtifactException {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) number(a.get(i), path + "[" + i + "]");
        }
        return out;
    }

    int[] ints(JsonArray a, String path) throws ArtifactException {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intValue(a.get(i), path + "[" + i + "]");
        }
        return out;
    }

    long[] longs(JsonArray a, String path) throws ArtifactException {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = integer(a.get(i), path + "[" + i + "]");
        }
        return out;
    }

    JsonObject object(JsonObject o, String at, String key) throws ArtifactException {
        return object(field(o, at, key), at + key);
    }

    JsonObject object(JsonElement e, String path) throws ArtifactException {
        if (!e.isJsonObject()) {
            throw wrongType(path, "an object", e);
        }
        return e.getAsJsonObject();
    }

    JsonArray array(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = field(o, at, key);
        if (!e.isJsonArray()) {
            throw wrongType(at + key, "an array", e);
        }
        return e.getAsJsonArray();
    }

    /** Reads an array of numbers, e.g. a shape. */
    long[] longs(JsonObject o, String at, String key) throws ArtifactException {
        return longs(array(o, at, key), at + key);
    }

    ArtifactException wrongType(String path, String expected, JsonElement e) {
        String got;
        if (e.isJsonNull()) {
            got = "null";
        } else if (e.isJsonObject()) {
            got = "an object";
        } else if (e.isJsonArray()) {
            got = "an array";
        } else {
            JsonPrimitive p = e.getAsJsonPrimitive();
            got = p.isString() ? "the string " + p : p.toString();
        }
        return fault(path, "must be " + expected + ", got " + ArtifactManifest.shorten(got));
    }

    ArtifactException fault(String path, String problem) {
        return new ArtifactException(file, "field " + path + " " + problem);
    }
}
