package org.powerquant.artifact;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.powerquant.quant.CodeRounding;
import org.powerquant.transform.ActivationReport;
import org.powerquant.transform.LayerKind;
import org.powerquant.transform.LayerReport;
import org.powerquant.transform.QuantizationReport;

/** Reads back the JSON that {@link QuantizationReport#toJson()} writes. */
final class ReportJson {

    private ReportJson() {}

    /**
     * Parses a report.
     *
     * @param text the JSON text
     * @return the report
     * @throws RuntimeException if an entry is missing or malformed
     */
    static QuantizationReport parse(String text) {
        JsonObject root = JsonParser.parseString(text).getAsJsonObject();
        List<LayerReport> layers = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("layers")) {
            JsonObject o = e.getAsJsonObject();
            JsonArray shape = o.getAsJsonArray("shape");
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).getAsLong();
            }
            JsonArray scaleArray = o.getAsJsonArray("scales");
            float[] scales = new float[scaleArray.size()];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = scaleArray.get(i).getAsFloat();
            }
            layers.add(
                    new LayerReport(
                            o.get("name").getAsString(),
                            kind(o.get("kind").getAsString()),
                            dims,
                            o.get("bits").getAsInt(),
                            o.get("exponent").getAsDouble(),
                            o.get("scaleMode").getAsString(),
                            o.has("clip") ? o.get("clip").getAsDouble() : 1.0,
                            scales,
                            o.get("weights").getAsLong(),
                            o.get("squaredError").getAsDouble(),
                            o.get("uniformSquaredError").getAsDouble()));
        }
        List<String> skipped = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("skipped")) {
            skipped.add(e.getAsString());
        }
        List<ActivationReport> activations = new ArrayList<>();
        if (root.has("activations")) {
            for (JsonElement e : root.getAsJsonArray("activations")) {
                JsonObject o = e.getAsJsonObject();
                activations.add(
                        new ActivationReport(
                                o.get("name").getAsString(),
                                o.get("bits").getAsInt(),
                                o.get("lower").getAsDouble(),
                                o.get("range").getAsDouble(),
                                o.get("exponent").getAsDouble(),
                                o.get("expectedError").getAsDouble(),
                                o.get("uniformExpectedError").getAsDouble(),
                                o.get("mode").getAsString(),
                                o.has("rounding")
                                        ? CodeRounding.parse(o.get("rounding").getAsString())
                                        : CodeRounding.POWER_DOMAIN));
            }
        }
        List<String> notes = new ArrayList<>();
        if (root.has("calibrationNotes")) {
            for (JsonElement e : root.getAsJsonArray("calibrationNotes")) {
                notes.add(e.getAsString());
            }
        }
        return new QuantizationReport(
                root.get("method").getAsString(),
                root.get("weightBits").getAsInt(),
                root.get("seconds").getAsDouble(),
                layers,
                skipped,
                activations,
                !root.has("dataFree") || root.get("dataFree").getAsBoolean(),
                notes);
    }

    private static LayerKind kind(String label) {
        for (LayerKind k : LayerKind.values()) {
            if (k.label().equals(label)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown layer kind " + label);
    }
}
