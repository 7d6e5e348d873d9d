package org.powerquant.artifact;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.Map;
import org.powerquant.InvalidInputException;
import org.powerquant.data.Preprocessing;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.quant.BitWidth;

/**
 * The checks a manifest passes when it is read, before anything uses it: every field the format
 * defines is present and of its JSON type (read through the checked accessors of this class), each
 * tensor entry is a tensor the parameter file can hold (bit width 2 to 8, a positive finite
 * exponent, scales dividing its weights, as many code bytes as its weights take at its bits), the
 * size figures are those the tensors imply, and the recorded preprocessing is one the library
 * accepts. A failure is an {@link ArtifactException} naming the manifest and the field at fault.
 */
final class ManifestCheck {

    private final Path file;

    private ManifestCheck(Path file) {
        this.file = file;
    }

    /**
     * Checks a manifest's content (its seal already verified).
     *
     * @param file the manifest file, for messages
     * @param json the content
     * @return the recorded preprocessing, or null if none was recorded
     * @throws ArtifactException naming the manifest and the field at fault
     */
    static Preprocessing check(Path file, JsonObject json) throws ArtifactException {
        ManifestCheck c = new ManifestCheck(file);
        try {
            return c.checkAll(json);
        } catch (ArtifactException e) {
            throw e;
        } catch (RuntimeException e) {
            // a backstop: every read above goes through the checked accessors
            throw new ArtifactException(file, "malformed: " + e, e);
        }
    }

    private Preprocessing checkAll(JsonObject json) throws ArtifactException {
        string(json, "", "name");
        JsonObject architecture = object(json, "", "architecture");
        string(architecture, "architecture.", "kind");
        JsonArray inputShape = array(json, "", "inputShape");
        if (inputShape.isEmpty()) {
            throw fault("inputShape", "is empty");
        }
        for (int i = 0; i < inputShape.size(); i++) {
            long d = integer(inputShape.get(i), "inputShape[" + i + "]");
            if (d < 1) {
                throw fault("inputShape[" + i + "]", "must be positive, got " + d);
            }
        }
        JsonObject q = object(json, "", "quantization");
        string(q, "quantization.", "method");
        bits(q, "quantization.", "weightBits", false);
        bits(q, "quantization.", "activationBits", true);
        string(q, "quantization.", "calibrationMode");
        bool(q, "quantization.", "dataFree");
        Preprocessing preprocessing = preprocessing(json);
        checkTensors(json);
        checkActivations(object(json, "", "activations"));
        JsonObject files = object(json, "", "files");
        for (String name :
                new String[] {
                    QuantizedArtifact.PARAMETERS,
                    QuantizedArtifact.REPORT,
                    QuantizedArtifact.SERVING_PROPERTIES
                }) {
            object(files, "files.", name);
        }
        for (Map.Entry<String, JsonElement> e : files.entrySet()) {
            String path = "files." + e.getKey();
            if (e.getKey().contains("/") || e.getKey().contains("\\") || e.getKey().equals("..")) {
                throw fault(path, "is not a file name of the artifact");
            }
            JsonObject entry = object(e.getValue(), path);
            long bytes = integer(entry, path + ".", "bytes");
            if (bytes < 0) {
                throw fault(path + ".bytes", "must not be negative, got " + bytes);
            }
            string(entry, path + ".", "sha256");
        }
        return preprocessing;
    }

    private Preprocessing preprocessing(JsonObject json) throws ArtifactException {
        JsonElement element = json.get("preprocessing");
        if (element == null || element.isJsonNull()) {
            return null;
        }
        String at = "preprocessing.";
        JsonObject p = object(element, "preprocessing");
        int channels = intValue(p, at, "channels");
        int imageSize = intValue(p, at, "imageSize");
        int resizeShort = intValue(p, at, "resizeShort");
        int centerCrop = intValue(p, at, "centerCrop");
        float[] mean = floats(array(p, at, "mean"), at + "mean");
        float[] std = floats(array(p, at, "std"), at + "std");
        boolean antialias = bool(p, at, "antialias");
        try {
            // the library's own rules, as for the preprocessing the artifact was saved with
            Preprocessing.Builder b = Preprocessing.builder().channels(channels);
            if (imageSize != 0) {
                b.imageSize(imageSize);
            } else {
                b.resizeShort(resizeShort);
                b.centerCrop(centerCrop);
            }
            return b.mean(mean).std(std).antialias(antialias).build();
        } catch (InvalidInputException e) {
            throw new ArtifactException(
                    file, "field preprocessing: " + e.role().label() + " " + e.problem(), e);
        }
    }

    private void checkTensors(JsonObject json) throws ArtifactException {
        JsonArray tensors = array(json, "", "tensors");
        long quantizedWeights = 0;
        long quantizedBytes = 0;
        long floatParameters = 0;
        for (int i = 0; i < tensors.size(); i++) {
            String at = "tensors[" + i + "]";
            JsonObject t = object(tensors.get(i), at);
            String parameter = string(t, at + ".", "parameter");
            at = at + " (" + parameter + ")";
            JsonArray shape = array(t, at + ".", "shape");
            long count = 1;
            for (int d = 0; d < shape.size(); d++) {
                long n = integer(shape.get(d), at + ".shape[" + d + "]");
                if (n < 0 || (n > 0 && count > Integer.MAX_VALUE / n)) {
                    throw fault(at + ".shape[" + d + "]", "is out of range: " + n);
                }
                count *= n;
            }
            String encoding = string(t, at + ".", "encoding");
            if (QuantizedArtifact.FLOAT.equals(encoding)) {
                floatParameters += count;
            } else if (QuantizedArtifact.CODES.equals(encoding)) {
                string(t, at + ".", "name");
                int bits = bits(t, at + ".", "bits", false);
                double exponent = number(t, at + ".", "exponent");
                if (!(exponent > 0) || Double.isInfinite(exponent)) {
                    throw fault(
                            at + ".exponent", "must be a positive finite number, got " + exponent);
                }
                long scales = integer(t, at + ".", "scales");
                if (scales < 1 || count % scales != 0) {
                    throw fault(
                            at + ".scales",
                            scales + " scales do not divide its " + count + " weights");
                }
                long codeBytes = integer(t, at + ".", "codeBytes");
                if (codeBytes != PackedCodes.byteLength(count, bits)) {
                    throw fault(
                            at + ".codeBytes",
                            count
                                    + " codes of "
                                    + bits
                                    + " bits take "
                                    + PackedCodes.byteLength(count, bits)
                                    + " bytes, it says "
                                    + codeBytes);
                }
                quantizedWeights += count;
                quantizedBytes += codeBytes + 4 * scales + 8;
            } else {
                throw fault(
                        at + ".encoding",
                        "must be \""
                                + QuantizedArtifact.FLOAT
                                + "\" or \""
                                + QuantizedArtifact.CODES
                                + "\", got \""
                                + encoding
                                + "\"");
            }
        }
        JsonObject size = object(json, "", "size");
        expect(size, "quantizedWeights", quantizedWeights);
        expect(size, "quantizedBytes", quantizedBytes);
        expect(size, "floatParameters", floatParameters);
        expect(size, "floatBytes", 4 * floatParameters);
        double bitsPerWeight = quantizedWeights == 0 ? 0 : 8.0 * quantizedBytes / quantizedWeights;
        double recorded = number(size, "size.", "bitsPerQuantizedWeight");
        if (Double.compare(recorded, bitsPerWeight) != 0) {
            throw fault(
                    "size.bitsPerQuantizedWeight",
                    "is " + recorded + ", the tensors make it " + bitsPerWeight);
        }
    }

    private void expect(JsonObject size, String key, long implied) throws ArtifactException {
        long recorded = integer(size, "size.", key);
        if (recorded != implied) {
            throw fault("size." + key, "is " + recorded + ", the tensors make it " + implied);
        }
    }

    private void checkActivations(JsonObject activations) throws ArtifactException {
        for (Map.Entry<String, JsonElement> e : activations.entrySet()) {
            String at = "activations." + e.getKey();
            JsonObject g = object(e.getValue(), at);
            bits(g, at + ".", "bits", false);
            double exponent = number(g, at + ".", "exponent");
            if (!(exponent > 0) || Double.isInfinite(exponent)) {
                throw fault(at + ".exponent", "must be a positive finite number, got " + exponent);
            }
            double lower = number(g, at + ".", "lower");
            double range = number(g, at + ".", "range");
            if (!Double.isFinite(lower) || !(range > 0) || Double.isInfinite(range)) {
                throw fault(at, "lower " + lower + " and range " + range + " are not a grid");
            }
        }
        try {
            ActivationQuantizers.fromJson(activations.toString());
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(file, "field activations: " + e.getMessage(), e);
        }
    }

    // the checked accessors: a missing field, null, or a value of another JSON type is refused
    // naming the field

    private int bits(JsonObject o, String at, String key, boolean zeroAllowed)
            throws ArtifactException {
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

    private JsonElement field(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = o.get(key);
        if (e == null) {
            throw fault(at + key, "is missing");
        }
        return e;
    }

    private String string(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = field(o, at, key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw wrongType(at + key, "a string", e);
        }
        return e.getAsString();
    }

    private boolean bool(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = field(o, at, key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) {
            throw wrongType(at + key, "true or false", e);
        }
        return e.getAsBoolean();
    }

    private double number(JsonObject o, String at, String key) throws ArtifactException {
        return number(field(o, at, key), at + key);
    }

    private double number(JsonElement e, String path) throws ArtifactException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrongType(path, "a number", e);
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException ex) {
            throw wrongType(path, "a number", e);
        }
    }

    private long integer(JsonObject o, String at, String key) throws ArtifactException {
        return integer(field(o, at, key), at + key);
    }

    private int intValue(JsonObject o, String at, String key) throws ArtifactException {
        long v = integer(o, at, key);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            throw fault(at + key, "is out of range: " + v);
        }
        return (int) v;
    }

    private long integer(JsonElement e, String path) throws ArtifactException {
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) {
            throw wrongType(path, "an integer", e);
        }
        try {
            return new BigDecimal(e.getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            throw wrongType(path, "an integer", e);
        }
    }

    private float[] floats(JsonArray a, String path) throws ArtifactException {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) number(a.get(i), path + "[" + i + "]");
        }
        return out;
    }

    private JsonObject object(JsonObject o, String at, String key) throws ArtifactException {
        return object(field(o, at, key), at + key);
    }

    private JsonObject object(JsonElement e, String path) throws ArtifactException {
        if (!e.isJsonObject()) {
            throw wrongType(path, "an object", e);
        }
        return e.getAsJsonObject();
    }

    private JsonArray array(JsonObject o, String at, String key) throws ArtifactException {
        JsonElement e = field(o, at, key);
        if (!e.isJsonArray()) {
            throw wrongType(at + key, "an array", e);
        }
        return e.getAsJsonArray();
    }

    private ArtifactException wrongType(String path, String expected, JsonElement e) {
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

    private ArtifactException fault(String path, String problem) {
        return new ArtifactException(file, "field " + path + " " + problem);
    }
}
