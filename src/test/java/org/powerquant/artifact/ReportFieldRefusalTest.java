package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.transform.QuantizationReport;

/**
 * A {@code report.json} edited by hand and sealed again (the manifest records its new checksum) is
 * refused with one line naming the report and the field at fault, as an edited manifest is: a field
 * of another JSON type, null or missing. Gson's own accessors used to throw their cast and
 * number-format messages, and read a one-element array as its element.
 */
class ReportFieldRefusalTest {

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path original;
    private static JsonObject report;

    /** Report fields an older version did not write, or that are not read back. */
    private static final Set<String> OPTIONAL =
            Set.of(
                    "averageBits",
                    "minLayerBits",
                    "maxLayerBits",
                    "weights",
                    "squaredError",
                    "uniformSquaredError",
                    "dataFree",
                    "calibrationNotes",
                    "activations");

    /** The same for a layer entry. */
    private static final Set<String> LAYER_OPTIONAL = Set.of("clip", "mse", "uniformMse");

    /** The same for an activation entry. */
    private static final Set<String> ACTIVATION_OPTIONAL = Set.of("rounding");

    @BeforeAll
    static void writeArtifact() throws Exception {
        // activation grids too, so that the report has activation entries
        original = shared.resolve("demo-w4a4");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 4)) {
            PowerQuant.save(q, original, ArtifactFixtures.DEMO_PREPROCESSING);
        }
        report =
                JsonParser.parseString(Files.readString(original.resolve(QuantizedArtifact.REPORT)))
                        .getAsJsonObject();
        assertFalse(report.getAsJsonArray("activations").isEmpty());
    }

    private int copies;

    private Path edited(Consumer<JsonObject> edit) throws IOException {
        Path target = ArtifactFixtures.copy(original, dir.resolve("copy" + copies++));
        ArtifactFixtures.editReportSealed(target, edit);
        return target;
    }

    /** Reading the report and loading the artifact both refuse it, naming report.json's field. */
    private static void refused(Path artifact, String field) {
        ArtifactException read =
                FieldFaults.refusedAlike(
                        () -> QuantizedArtifact.readReport(artifact),
                        () -> PowerQuant.load(artifact));
        Path file = artifact.resolve(QuantizedArtifact.REPORT);
        String message = FieldFaults.assertOneLine(read, file);
        assertTrue(message.startsWith(file + ": field " + field), field + " first: " + message);
    }

    /** The value is of the field's own JSON type (and a value it may hold). */
    private static boolean sameType(JsonElement original, JsonElement value) {
        if (original.isJsonArray()) {
            // an empty array is a valid list; an array wrapped in one is refused by its element
            return value.isJsonArray() && value.getAsJsonArray().isEmpty();
        }
        if (original.isJsonObject() || value.isJsonObject()) {
            return original.isJsonObject() && value.isJsonObject();
        }
        if (original.isJsonNull() || value.isJsonNull() || value.isJsonArray()) {
            return false;
        }
        JsonPrimitive o = original.getAsJsonPrimitive();
        JsonPrimitive v = value.getAsJsonPrimitive();
        // a number where a floating-point number belongs (4.5 is not an integer nor a bit width)
        return (o.isString() && v.isString() && !o.getAsString().equals(v.getAsString()))
                || (o.isBoolean() && v.isBoolean())
                || (o.isNumber() && v.isNumber() && o.getAsString().contains("."));
    }

    /**
     * Every field of an object of the report (the report itself, its first layer, its first
     * activation), given a value of another JSON type, is refused naming it; removed, it is refused
     * unless it is optional.
     */
    private void everyField(JsonObject object, Set<String> optional, Edit edit, String entry)
            throws IOException {
        for (String key : new ArrayList<>(object.keySet())) {
            JsonElement field = object.get(key);
            // an entry's fields are named with its name, read first
            String at =
                    entry.isEmpty()
                            ? ""
                            : key.equals("name")
                                    ? entry + "."
                                    : entry + " (" + object.get("name").getAsString() + ").";
            for (JsonElement value : FieldFaults.ofEveryType(field, "four", 4.5)) {
                if (sameType(field, value)) {
                    continue;
                }
                refused(edited(r -> edit.of(r).add(key, value.deepCopy())), at + key);
            }
            if (!optional.contains(key)) {
                refused(edited(r -> edit.of(r).remove(key)), at + key + " is missing");
            }
        }
    }

    /** Which object of a report copy an edit changes. */
    private interface Edit {
        JsonObject of(JsonObject report);
    }

    @Test
    void everyTopLevelFieldOfAnotherJsonTypeOrMissingIsRefusedNamingIt() throws Exception {
        everyField(report, OPTIONAL, r -> r, "");
    }

    @Test
    void everyLayerFieldOfAnotherJsonTypeOrMissingIsRefusedNamingTheLayer() throws Exception {
        everyField(
                firstLayer(report),
                LAYER_OPTIONAL,
                ReportFieldRefusalTest::firstLayer,
                "layers[0]");
    }

    @Test
    void everyActivationFieldOfAnotherJsonTypeOrMissingIsRefusedNamingTheActivation()
            throws Exception {
        JsonObject activation =
                report.getAsJsonArray("activations").get(0).getAsJsonObject().deepCopy();
        activation.addProperty("rounding", "nearest-level"); // written only when not the default
        everyField(
                activation,
                ACTIVATION_OPTIONAL,
                r -> {
                    JsonObject a = r.getAsJsonArray("activations").get(0).getAsJsonObject();
                    if (!a.has("rounding")) {
                        a.addProperty("rounding", "nearest-level");
                    }
                    return a;
                },
                "activations[0]");
    }

    @Test
    void anElementOfAnotherJsonTypeIsRefusedNamingIt() throws Exception {
        refused(
                edited(r -> r.add("skipped", JsonParser.parseString("[7]"))),
                "skipped[0] must be a string");
        refused(
                edited(r -> r.add("layers", JsonParser.parseString("[3]"))),
                "layers[0] must be an object");
        refused(
                edited(
                        r ->
                                r.getAsJsonArray("layers")
                                        .get(0)
                                        .getAsJsonObject()
                                        .get("shape")
                                        .getAsJsonArray()
                                        .set(1, new JsonPrimitive("x"))),
                "layers[0] (" + layerName() + ").shape[1] must be an integer");
    }

    @Test
    void aValueOutsideItsSetIsRefusedNamingTheField() throws Exception {
        refused(edited(r -> r.addProperty("weightBits", 9)), "weightBits must be 2 to 8, got 9");
        refused(
                edited(r -> firstLayer(r).addProperty("kind", "lstm")),
                "layers[0] (" + layerName() + ").kind must be \"conv\" or \"dense\"");
    }

    @Test
    void theFieldsOlderReportsLackMayBeAbsentAndNonFiniteFiguresRead() throws Exception {
        Path older =
                edited(
                        r -> {
                            OPTIONAL.forEach(r::remove);
                            LAYER_OPTIONAL.forEach(firstLayer(r)::remove);
                            // written unquoted, as the report's writer writes it
                            firstLayer(r).addProperty("squaredError", Double.NaN);
                        });
        QuantizationReport read = QuantizedArtifact.readReport(older);
        assertTrue(Double.isNaN(read.layers().get(0).squaredError()));
        assertTrue(read.activations().isEmpty());
    }

    private static JsonObject firstLayer(JsonObject r) {
        return r.getAsJsonArray("layers").get(0).getAsJsonObject();
    }

    private static String layerName() {
        return firstLayer(report).get("name").getAsString();
    }
}
