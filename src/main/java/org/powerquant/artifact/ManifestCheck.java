package org.powerquant.artifact;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.powerquant.InvalidInputException;
import org.powerquant.data.Preprocessing;
import org.powerquant.nn.ActivationQuantizers;

/**
 * The checks a manifest passes when it is read, before anything uses it: every field the format
 * defines is present and of its JSON type (read through {@link JsonFields}), each tensor entry is a
 * tensor the parameter file can hold (bit width 2 to 8, a positive finite exponent, scales dividing
 * its weights, as many code bytes as its weights take at its bits), the size figures are those the
 * tensors imply, and the recorded preprocessing is one the library accepts. A failure is an {@link
 * ArtifactException} naming the manifest and the field at fault.
 */
final class ManifestCheck {

    private final Path file;
    private final JsonFields f;

    private ManifestCheck(Path file) {
        this.file = file;
        this.f = new JsonFields(file, false);
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
            // a backstop: every read above goes through JsonFields
            throw new ArtifactException(file, "malformed: " + e, e);
        }
    }

    private Preprocessing checkAll(JsonObject json) throws ArtifactException {
        f.string(json, "", "name");
        JsonObject architecture = f.object(json, "", "architecture");
        f.string(architecture, "architecture.", "kind");
        JsonArray inputShape = f.array(json, "", "inputShape");
        if (inputShape.isEmpty()) {
            throw f.fault("inputShape", "is empty");
        }
        for (int i = 0; i < inputShape.size(); i++) {
            long d = f.integer(inputShape.get(i), "inputShape[" + i + "]");
            if (d < 1) {
                throw f.fault("inputShape[" + i + "]", "must be positive, got " + d);
            }
        }
        JsonObject q = f.object(json, "", "quantization");
        f.string(q, "quantization.", "method");
        f.bits(q, "quantization.", "weightBits", false);
        f.bits(q, "quantization.", "activationBits", true);
        f.string(q, "quantization.", "calibrationMode");
        f.bool(q, "quantization.", "dataFree");
        Preprocessing preprocessing = preprocessing(json);
        checkTensors(json);
        checkActivations(f.object(json, "", "activations"));
        JsonObject files = f.object(json, "", "files");
        for (String name :
                new String[] {
                    QuantizedArtifact.PARAMETERS,
                    QuantizedArtifact.REPORT,
                    QuantizedArtifact.SERVING_PROPERTIES
                }) {
            f.object(files, "files.", name);
        }
        for (Map.Entry<String, JsonElement> e : files.entrySet()) {
            String path = "files." + e.getKey();
            if (e.getKey().contains("/") || e.getKey().contains("\\") || e.getKey().equals("..")) {
                throw f.fault(path, "is not a file name of the artifact");
            }
            JsonObject entry = f.object(e.getValue(), path);
            long bytes = f.integer(entry, path + ".", "bytes");
            if (bytes < 0) {
                throw f.fault(path + ".bytes", "must not be negative, got " + bytes);
            }
            f.string(entry, path + ".", "sha256");
        }
        return preprocessing;
    }

    private Preprocessing preprocessing(JsonObject json) throws ArtifactException {
        JsonElement element = json.get("preprocessing");
        if (element == null || element.isJsonNull()) {
            return null;
        }
        String at = "preprocessing.";
        JsonObject p = f.object(element, "preprocessing");
        int channels = f.intValue(p, at, "channels");
        int imageSize = f.intValue(p, at, "imageSize");
        int resizeShort = f.intValue(p, at, "resizeShort");
        int centerCrop = f.intValue(p, at, "centerCrop");
        float[] mean = f.floats(f.array(p, at, "mean"), at + "mean");
        float[] std = f.floats(f.array(p, at, "std"), at + "std");
        boolean antialias = f.bool(p, at, "antialias");
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
        JsonArray tensors = f.array(json, "", "tensors");
        long quantizedWeights = 0;
        long quantizedBytes = 0;
        long floatParameters = 0;
        for (int i = 0; i < tensors.size(); i++) {
            String at = "tensors[" + i + "]";
            JsonObject t = f.object(tensors.get(i), at);
            String parameter = f.string(t, at + ".", "parameter");
            at = at + " (" + parameter + ")";
            JsonArray shape = f.array(t, at + ".", "shape");
            long count = 1;
            for (int d = 0; d < shape.size(); d++) {
                long n = f.integer(shape.get(d), at + ".shape[" + d + "]");
                if (n < 0 || (n > 0 && count > Integer.MAX_VALUE / n)) {
                    throw f.fault(at + ".shape[" + d + "]", "is out of range: " + n);
                }
                count *= n;
            }
            String encoding = f.string(t, at + ".", "encoding");
            if (QuantizedArtifact.FLOAT.equals(encoding)) {
                floatParameters += count;
            } else if (QuantizedArtifact.CODES.equals(encoding)) {
                f.string(t, at + ".", "name");
                int bits = f.bits(t, at + ".", "bits", false);
                double exponent = f.number(t, at + ".", "exponent");
                if (!(exponent > 0) || Double.isInfinite(exponent)) {
                    throw f.fault(
                            at + ".exponent", "must be a positive finite number, got " + exponent);
                }
                long scales = f.integer(t, at + ".", "scales");
                if (scales < 1 || count % scales != 0) {
                    throw f.fault(
                            at + ".scales",
                            scales + " scales do not divide its " + count + " weights");
                }
                long codeBytes = f.integer(t, at + ".", "codeBytes");
                if (codeBytes != PackedCodes.byteLength(count, bits)) {
                    throw f.fault(
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
                throw f.fault(
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
        JsonObject size = f.object(json, "", "size");
        expect(size, "quantizedWeights", quantizedWeights);
        expect(size, "quantizedBytes", quantizedBytes);
        expect(size, "floatParameters", floatParameters);
        expect(size, "floatBytes", 4 * floatParameters);
        double bitsPerWeight = quantizedWeights == 0 ? 0 : 8.0 * quantizedBytes / quantizedWeights;
        double recorded = f.number(size, "size.", "bitsPerQuantizedWeight");
        if (Double.compare(recorded, bitsPerWeight) != 0) {
            throw f.fault(
                    "size.bitsPerQuantizedWeight",
                    "is " + recorded + ", the tensors make it " + bitsPerWeight);
        }
    }

    private void expect(JsonObject size, String key, long implied) throws ArtifactException {
        long recorded = f.integer(size, "size.", key);
        if (recorded != implied) {
            throw f.fault("size." + key, "is " + recorded + ", the tensors make it " + implied);
        }
    }

    private void checkActivations(JsonObject activations) throws ArtifactException {
        for (Map.Entry<String, JsonElement> e : activations.entrySet()) {
            String at = "activations." + e.getKey();
            JsonObject g = f.object(e.getValue(), at);
            f.bits(g, at + ".", "bits", false);
            double exponent = f.number(g, at + ".", "exponent");
            if (!(exponent > 0) || Double.isInfinite(exponent)) {
                throw f.fault(
                        at + ".exponent", "must be a positive finite number, got " + exponent);
            }
            double lower = f.number(g, at + ".", "lower");
            double range = f.number(g, at + ".", "range");
            if (!Double.isFinite(lower) || !(range > 0) || Double.isInfinite(range)) {
                throw f.fault(at, "lower " + lower + " and range " + range + " are not a grid");
            }
        }
        try {
            ActivationQuantizers.fromJson(activations.toString());
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(file, "field activations: " + e.getMessage(), e);
        }
    }
}
