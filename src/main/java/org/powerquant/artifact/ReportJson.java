package org.powerquant.artifact;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.powerquant.quant.CodeRounding;
import org.powerquant.transform.ActivationReport;
import org.powerquant.transform.LayerKind;
import org.powerquant.transform.LayerReport;
import org.powerquant.transform.QuantizationReport;

/**
 * Reads back the JSON that {@link QuantizationReport#toJson()} writes. Every field is read through
 * {@link JsonFields}, as the manifest's are: a field that is missing, null or of another JSON type
 * is refused naming the file and the field. The figures the report derives from its layers ({@code
 * averageBits}, {@code weights}, a layer's {@code mse}, ...) are not read back, only checked to be
 * numbers; fields that older reports lack ({@code clip}, {@code dataFree}, {@code activations},
 * ...) may be absent.
 */
final class ReportJson {

    private ReportJson() {}

    /**
     * Parses a report.
     *
     * @param file the report file, for messages
     * @param text the JSON text
     * @return the report
     * @throws ArtifactException naming the file and the field if the text is not JSON or an entry
     *     is missing or malformed
     */
    static QuantizationReport parse(Path file, String text) throws ArtifactException {
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(text);
        } catch (RuntimeException e) {
            throw new ArtifactException(file, "is not a JSON object (truncated or corrupted?)", e);
        }
        if (!parsed.isJsonObject()) {
            throw new ArtifactException(file, "is not a JSON object (truncated or corrupted?)");
        }
        JsonObject root = parsed.getAsJsonObject();
        // the report's writer keeps NaN and infinities (Gson reads them back as strings)
        JsonFields f = new JsonFields(file, true);
        String method = f.string(root, "", "method");
        int weightBits = f.bits(root, "", "weightBits", false);
        double seconds = f.number(root, "", "seconds");
        for (String derived : new String[] {"averageBits", "squaredError", "uniformSquaredError"}) {
            if (root.has(derived)) {
                f.number(root, "", derived);
            }
        }
        for (String derived : new String[] {"minLayerBits", "maxLayerBits", "weights"}) {
            if (root.has(derived)) {
                f.integer(root, "", derived);
            }
        }
        List<LayerReport> layers = new ArrayList<>();
        JsonArray layerArray = f.array(root, "", "layers");
        for (int i = 0; i < layerArray.size(); i++) {
            layers.add(layer(f, layerArray.get(i), "layers[" + i + "]"));
        }
        List<String> skipped = strings(f, root, "skipped");
        List<ActivationReport> activations = new ArrayList<>();
        if (root.has("activations")) {
            JsonArray activationArray = f.array(root, "", "activations");
            for (int i = 0; i < activationArray.size(); i++) {
                activations.add(activation(f, activationArray.get(i), "activations[" + i + "]"));
            }
        }
        List<String> notes =
                root.has("calibrationNotes") ? strings(f, root, "calibrationNotes") : List.of();
        boolean dataFree = !root.has("dataFree") || f.bool(root, "", "dataFree");
        return new QuantizationReport(
                method, weightBits, seconds, layers, skipped, activations, dataFree, notes);
    }

    private static LayerReport layer(JsonFields f, JsonElement element, String at)
            throws ArtifactException {
        JsonObject o = f.object(element, at);
        String name = f.string(o, at + ".", "name");
        at = at + " (" + name + ").";
        for (String derived : new String[] {"mse", "uniformMse"}) {
            if (o.has(derived)) {
                f.number(o, at, derived);
            }
        }
        return new LayerReport(
                name,
                kind(f, o, at),
                f.longs(f.array(o, at, "shape"), at + "shape"),
                f.bits(o, at, "bits", false),
                f.number(o, at, "exponent"),
                f.string(o, at, "scaleMode"),
                o.has("clip") ? f.number(o, at, "clip") : 1.0,
                f.floats(f.array(o, at, "scales"), at + "scales"),
                f.integer(o, at, "weights"),
                f.number(o, at, "squaredError"),
                f.number(o, at, "uniformSquaredError"));
    }

    private static ActivationReport activation(JsonFields f, JsonElement element, String at)
            throws ArtifactException {
        JsonObject o = f.object(element, at);
        String name = f.string(o, at + ".", "name");
        at = at + " (" + name + ").";
        return new ActivationReport(
                name,
                f.bits(o, at, "bits", false),
                f.number(o, at, "lower"),
                f.number(o, at, "range"),
                f.number(o, at, "exponent"),
                f.number(o, at, "expectedError"),
                f.number(o, at, "uniformExpectedError"),
                f.string(o, at, "mode"),
                o.has("rounding") ? rounding(f, o, at) : CodeRounding.POWER_DOMAIN);
    }

    private static List<String> strings(JsonFields f, JsonObject root, String key)
            throws ArtifactException {
        JsonArray array = f.array(root, "", key);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            out.add(f.string(array.get(i), key + "[" + i + "]"));
        }
        return out;
    }

    private static LayerKind kind(JsonFields f, JsonObject o, String at) throws ArtifactException {
        String label = f.string(o, at, "kind");
        for (LayerKind k : LayerKind.values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw notOneOf(f, o, at, "kind", Stream.of(LayerKind.values()).map(LayerKind::label));
    }

    private static CodeRounding rounding(JsonFields f, JsonObject o, String at)
            throws ArtifactException {
        String label = f.string(o, at, "rounding");
        try {
            return CodeRounding.parse(label);
        } catch (IllegalArgumentException e) {
            throw notOneOf(
                    f,
                    o,
                    at,
                    "rounding",
                    Stream.of(CodeRounding.values()).map(CodeRounding::label));
        }
    }

    /** The fault of a field that holds none of the labels it may hold. */
    private static ArtifactException notOneOf(
            JsonFields f, JsonObject o, String at, String key, Stream<String> labels) {
        return f.fault(
                at + key,
                "must be "
                        + labels.map(l -> "\"" + l + "\"").collect(Collectors.joining(" or "))
                        + ", got "
                        + ArtifactManifest.shorten(o.get(key).toString()));
    }
}
