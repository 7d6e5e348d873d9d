package org.powerquant.transform;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Locale;
import java.util.function.IntPredicate;
import org.powerquant.io.AtomicFiles;
import org.powerquant.quant.CodeRounding;

/**
 * What a quantization did, layer by layer: the grid of each weight and what it cost, with totals.
 * Prints as a table ({@link #toTable()}) and serialises as JSON ({@link #toJson()}).
 */
public final class QuantizationReport {

    private final String method;
    private final int weightBits;
    private final double seconds;
    private final List<LayerReport> layers;
    private final List<String> skipped;
    private final List<ActivationReport> activations;
    private final boolean dataFree;
    private final List<String> calibrationNotes;

    /**
     * Creates a report.
     *
     * @param method {@code power} or {@code uniform}
     * @param weightBits the weight bit width
     * @param seconds the time spent quantizing, model loading excluded
     * @param layers one entry per quantized weight, in model order
     * @param skipped names of weights the layer filter left in float
     */
    public QuantizationReport(
            String method,
            int weightBits,
            double seconds,
            List<LayerReport> layers,
            List<String> skipped) {
        this(method, weightBits, seconds, layers, skipped, List.of());
    }

    /**
     * Creates a report with activation quantizers.
     *
     * @param method {@code power} or {@code uniform}
     * @param weightBits the weight bit width
     * @param seconds the time spent quantizing (folding, weights and activation calibration), model
     *     loading excluded
     * @param layers one entry per quantized weight, in model order
     * @param skipped names of weights the layer filter left in float
     * @param activations one entry per activation quantizer, in forward order (empty if activations
     *     stay float)
     */
    public QuantizationReport(
            String method,
            int weightBits,
            double seconds,
            List<LayerReport> layers,
            List<String> skipped,
            List<ActivationReport> activations) {
        this(method, weightBits, seconds, layers, skipped, activations, true, List.of());
    }

    /**
     * Creates a report with activation quantizers and what their calibration said.
     *
     * @param method {@code power} or {@code uniform}
     * @param weightBits the weight bit width
     * @param seconds the time spent quantizing (folding, weights and activation calibration), model
     *     loading excluded
     * @param layers one entry per quantized weight, in model order
     * @param skipped names of weights the layer filter left in float
     * @param activations one entry per activation quantizer, in forward order
     * @param dataFree false when activation grids were calibrated on real data
     * @param calibrationNotes the calibration's warnings (e.g. fewer calibration images than asked
     *     for)
     */
    public QuantizationReport(
            String method,
            int weightBits,
            double seconds,
            List<LayerReport> layers,
            List<String> skipped,
            List<ActivationReport> activations,
            boolean dataFree,
            List<String> calibrationNotes) {
        this.dataFree = dataFree;
        this.calibrationNotes = List.copyOf(calibrationNotes);
        this.method = method;
        this.weightBits = weightBits;
        this.seconds = seconds;
        this.layers = List.copyOf(layers);
        this.skipped = List.copyOf(skipped);
        this.activations = List.copyOf(activations);
    }

    /**
     * Returns false when activation grids were calibrated on real data; weights are always
     * data-free.
     *
     * @return false when activation grids were calibrated on real data; weights are always
     *     data-free
     */
    public boolean isDataFree() {
        return dataFree;
    }

    /**
     * Returns what the activation calibration warned about (e.g. fewer calibration images than
     * asked for).
     *
     * @return what the activation calibration warned about (e.g. fewer calibration images than
     *     asked for)
     */
    public List<String> calibrationNotes() {
        return calibrationNotes;
    }

    /**
     * Returns the activation quantizers, in forward order; empty if activations stay float.
     *
     * @return the activation quantizers, in forward order; empty if activations stay float
     */
    public List<ActivationReport> activations() {
        return activations;
    }

    /**
     * Finds an activation quantizer by site name.
     *
     * @param name the site's name
     * @return its report
     * @throws IllegalArgumentException if no such activation was quantized
     */
    public ActivationReport activation(String name) {
        return activations.stream()
                .filter(a -> a.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "no activation quantizer named " + name));
    }

    /**
     * Returns {@code power} or {@code uniform}.
     *
     * @return {@code power} or {@code uniform}
     */
    public String method() {
        return method;
    }

    /**
     * Returns the weight bit width.
     *
     * @return the weight bit width
     */
    public int weightBits() {
        return weightBits;
    }

    /**
     * Returns the seconds spent quantizing.
     *
     * @return the seconds spent quantizing
     */
    public double seconds() {
        return seconds;
    }

    /**
     * Returns the quantized layers, in model order.
     *
     * @return the quantized layers, in model order
     */
    public List<LayerReport> layers() {
        return Collections.unmodifiableList(layers);
    }

    /**
     * Returns the weights left in float by the layer filter.
     *
     * @return the weights left in float by the layer filter
     */
    public List<String> skipped() {
        return skipped;
    }

    /**
     * Returns the number of quantized weights.
     *
     * @return the number of quantized weights
     */
    public long totalWeights() {
        return layers.stream().mapToLong(LayerReport::weights).sum();
    }

    /**
     * Returns the code bits per quantized weight on average, {@code sum weights * bits / sum
     * weights} (the weight bits when every layer has them; 0 without quantized layers).
     *
     * @return the code bits per quantized weight on average, {@code sum weights * bits / sum
     *     weights} (the weight bits when every layer has them; 0 without quantized layers)
     */
    public double averageBits() {
        long weights = totalWeights();
        return weights == 0
                ? 0
                : layers.stream().mapToDouble(l -> (double) l.weights() * l.bits()).sum() / weights;
    }

    /**
     * Returns whether the layers have different bit widths (mixed precision).
     *
     * @return whether the layers have different bit widths (mixed precision)
     */
    public boolean isMixedPrecision() {
        return layers.stream().mapToInt(LayerReport::bits).distinct().count() > 1;
    }

    /**
     * Returns the smallest width of a quantized layer, the weight bits without quantized layers.
     *
     * @return the smallest width of a quantized layer, the weight bits without quantized layers
     */
    public int minLayerBits() {
        return layers.stream().mapToInt(LayerReport::bits).min().orElse(weightBits);
    }

    /**
     * Returns the largest width of a quantized layer, the weight bits without quantized layers.
     *
     * @return the largest width of a quantized layer, the weight bits without quantized layers
     */
    public int maxLayerBits() {
        return layers.stream().mapToInt(LayerReport::bits).max().orElse(weightBits);
    }

    /**
     * Returns the widths the layers have: {@code 8} when every quantized layer has 8 bits, {@code
     * 4-8} when they range from 4 to 8 (mixed precision). A size budget can give every layer one
     * width other than {@link #weightBits()}, the base width asked for.
     *
     * @return the widths the layers have, e.g. {@code 8} or {@code 4-8}
     */
    public String layerBits() {
        int min = minLayerBits();
        int max = maxLayerBits();
        return min == max ? Integer.toString(min) : min + "-" + max;
    }

    /**
     * Returns the total squared error over all quantized weights.
     *
     * @return the total squared error over all quantized weights
     */
    public double totalSquaredError() {
        return layers.stream().mapToDouble(LayerReport::squaredError).sum();
    }

    /**
     * Returns the total squared error uniform quantization would have given.
     *
     * @return the total squared error uniform quantization would have given
     */
    public double totalUniformSquaredError() {
        return layers.stream().mapToDouble(LayerReport::uniformSquaredError).sum();
    }

    /**
     * Finds a layer by name.
     *
     * @param name the weight's name
     * @return its report
     * @throws IllegalArgumentException if no such layer was quantized
     */
    public LayerReport layer(String name) {
        return layers.stream()
                .filter(l -> l.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("no quantized layer named " + name));
    }

    /**
     * Returns an aligned text table, one row per layer, then the totals.
     *
     * @return an aligned text table, one row per layer, then the totals
     */
    public String toTable() {
        // The clipping ratio gets a column only when clipping was searched.
        boolean clipped = isClipped();
        List<String[]> rows = new ArrayList<>();
        rows.add(
                withClip(
                        clipped,
                        "clip",
                        "layer",
                        "kind",
                        "shape",
                        "bits",
                        "exponent",
                        "scales",
                        "mse",
                        "uniform mse",
                        "ratio"));
        for (LayerReport l : layers) {
            rows.add(
                    withClip(
                            clipped,
                            fmt("%.3f", l.clip()),
                            l.name(),
                            l.kind().label(),
                            shape(l.shape()),
                            Integer.toString(l.bits()),
                            fmt("%.3f", l.exponent()),
                            l.scaleMode(),
                            fmt("%.3e", l.mse()),
                            fmt("%.3e", l.uniformMse()),
                            fmt("%.3f", ratio(l.squaredError(), l.uniformSquaredError()))));
        }
        rows.add(
                withClip(
                        clipped,
                        "",
                        "total (" + layers.size() + " layers)",
                        "",
                        totalWeights() + " weights",
                        isMixedPrecision()
                                ? fmt("%.3f avg", averageBits())
                                : Integer.toString(minLayerBits()),
                        "",
                        "",
                        fmt("%.3e", totalSquaredError() / Math.max(1, totalWeights())),
                        fmt("%.3e", totalUniformSquaredError() / Math.max(1, totalWeights())),
                        fmt("%.3f", ratio(totalSquaredError(), totalUniformSquaredError()))));
        int totalRow = rows.size() - 1;
        int scalesColumn = clipped ? 6 : 5;
        StringBuilder sb =
                new StringBuilder(
                        render(
                                rows,
                                i -> i < 3 || i == scalesColumn,
                                r -> r == 0 || r == totalRow - 1));
        if (!activations.isEmpty()) {
            sb.append(System.lineSeparator()).append(activationTable());
            long nearest =
                    activations.stream()
                            .filter(a -> a.rounding() != CodeRounding.POWER_DOMAIN)
                            .count();
            if (nearest > 0) {
                sb.append(
                                nearest == activations.size()
                                        ? "activation rounding: nearest-level (not the paper's"
                                                + " power-domain rounding)"
                                        : fmt(
                                                "activation rounding: nearest-level at %d of %d"
                                                        + " sites (power-domain at the others)",
                                                nearest, activations.size()))
                        .append(System.lineSeparator());
            }
            sb.append(
                            dataFree
                                    ? "activation ranges: data-free (no real data used)"
                                    : "activation ranges: calibrated on real data: NOT data-free (weights are)")
                    .append(System.lineSeparator());
            for (String note : calibrationNotes) {
                sb.append("note: ").append(note).append(System.lineSeparator());
            }
        }
        if (!skipped.isEmpty()) {
            sb.append("left in float: ")
                    .append(String.join(", ", skipped))
                    .append(System.lineSeparator());
        }
        if (isMixedPrecision()) {
            IntSummaryStatistics widths =
                    layers.stream().mapToInt(LayerReport::bits).summaryStatistics();
            sb.append(
                    fmt(
                            "%s quantization, mixed precision: %d to %d bits per layer, %.3f code"
                                    + " bits per weight on average (base width %d): %.3f s",
                            method,
                            widths.getMin(),
                            widths.getMax(),
                            averageBits(),
                            weightBits,
                            seconds));
        } else {
            int bits = minLayerBits();
            sb.append(
                    bits == weightBits
                            ? fmt("%s quantization at %d bits: %.3f s", method, bits, seconds)
                            : fmt(
                                    "%s quantization at %d bits, every layer (base width %d):"
                                            + " %.3f s",
                                    method, bits, weightBits, seconds));
        }
        return sb.toString();
    }

    private String activationTable() {
        List<String[]> rows = new ArrayList<>();
        rows.add(
                new String[] {
                    "activation",
                    "bits",
                    "range",
                    "exponent",
                    "expected mse",
                    "uniform mse",
                    "ratio",
                    "mode"
                });
        for (ActivationReport a : activations) {
            String range =
                    a.lower() == 0
                            ? fmt("[0, %.4g]", a.range())
                            : fmt("[%.4g, %.4g]", a.lower(), a.lower() + a.range());
            rows.add(
                    new String[] {
                        a.name(),
                        Integer.toString(a.bits()),
                        range,
                        fmt("%.3f", a.exponent()),
                        fmt("%.3e", a.expectedError()),
                        fmt("%.3e", a.uniformExpectedError()),
                        fmt("%.3f", ratio(a.expectedError(), a.uniformExpectedError())),
                        a.mode()
                    });
        }
        int columns = rows.get(0).length;
        return render(rows, i -> i == 0 || i == 2 || i == columns - 1, r -> r == 0);
    }

    /**
     * Aligns rows into a text table: columns padded to their widest cell, two spaces apart.
     *
     * @param rows the rows, the header first
     * @param leftAligned which columns are left-aligned (the others are right-aligned)
     * @param ruleAfter after which rows a horizontal rule is drawn
     */
    private static String render(
            List<String[]> rows, IntPredicate leftAligned, IntPredicate ruleAfter) {
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            for (int i = 0; i < row.length; i++) {
                sb.append(pad(row[i], widths[i], !leftAligned.test(i)))
                        .append(i + 1 < row.length ? "  " : "");
            }
            sb.append(System.lineSeparator());
            if (ruleAfter.test(r)) {
                sb.append("-".repeat(sumWidths(widths))).append(System.lineSeparator());
            }
        }
        return sb.toString();
    }

    /**
     * Returns the report as a JSON object.
     *
     * @return the report as a JSON object
     */
    public JsonObject toJsonObject() {
        JsonObject root = new JsonObject();
        root.addProperty("method", method);
        root.addProperty("weightBits", weightBits);
        root.addProperty("averageBits", averageBits());
        root.addProperty("minLayerBits", minLayerBits());
        root.addProperty("maxLayerBits", maxLayerBits());
        root.addProperty("dataFree", dataFree);
        JsonArray notes = new JsonArray();
        calibrationNotes.forEach(notes::add);
        root.add("calibrationNotes", notes);
        root.addProperty("seconds", seconds);
        root.addProperty("weights", totalWeights());
        root.addProperty("squaredError", totalSquaredError());
        root.addProperty("uniformSquaredError", totalUniformSquaredError());
        JsonArray array = new JsonArray();
        for (LayerReport l : layers) {
            JsonObject o = new JsonObject();
            o.addProperty("name", l.name());
            o.addProperty("kind", l.kind().label());
            JsonArray shape = new JsonArray();
            for (long d : l.shape()) {
                shape.add(d);
            }
            o.add("shape", shape);
            o.addProperty("bits", l.bits());
            o.addProperty("exponent", l.exponent());
            o.addProperty("clip", l.clip());
            o.addProperty("scaleMode", l.scaleMode());
            o.addProperty("weights", l.weights());
            o.addProperty("mse", l.mse());
            o.addProperty("uniformMse", l.uniformMse());
            o.addProperty("squaredError", l.squaredError());
            o.addProperty("uniformSquaredError", l.uniformSquaredError());
            JsonArray scales = new JsonArray();
            for (float s : l.scales()) {
                scales.add(s);
            }
            o.add("scales", scales);
            array.add(o);
        }
        root.add("layers", array);
        JsonArray skippedArray = new JsonArray();
        skipped.forEach(skippedArray::add);
        root.add("skipped", skippedArray);
        JsonArray activationArray = new JsonArray();
        for (ActivationReport a : activations) {
            JsonObject o = new JsonObject();
            o.addProperty("name", a.name());
            o.addProperty("bits", a.bits());
            o.addProperty("lower", a.lower());
            o.addProperty("range", a.range());
            o.addProperty("exponent", a.exponent());
            o.addProperty("expectedError", a.expectedError());
            o.addProperty("uniformExpectedError", a.uniformExpectedError());
            o.addProperty("mode", a.mode());
            if (a.rounding() != CodeRounding.POWER_DOMAIN) {
                o.addProperty("rounding", a.rounding().label());
            }
            activationArray.add(o);
        }
        root.add("activations", activationArray);
        return root;
    }

    /**
     * Returns the report as pretty-printed JSON.
     *
     * @return the report as pretty-printed JSON
     */
    public String toJson() {
        Gson gson =
                new GsonBuilder()
                        .setPrettyPrinting()
                        .serializeSpecialFloatingPointValues()
                        .create();
        return gson.toJson(toJsonObject());
    }

    /**
     * Writes the JSON report atomically.
     *
     * @param file the target file
     * @throws IOException if it cannot be written
     */
    public void writeJson(Path file) throws IOException {
        AtomicFiles.writeString(file, toJson());
    }

    @Override
    public String toString() {
        return toTable();
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 1 : a / b;
    }

    private static String shape(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(')').toString();
    }

    /**
     * Whether clipping was searched for some layer: whether a layer's range is below its largest
     * weight.
     *
     * @return whether a layer's clipping ratio is below 1
     */
    public boolean isClipped() {
        return layers.stream().anyMatch(l -> l.clip() < 1);
    }

    /** A row with the clip cell after the exponent (the fifth cell) when the table has one. */
    private static String[] withClip(boolean clipped, String clip, String... cells) {
        if (!clipped) {
            return cells;
        }
        String[] out = new String[cells.length + 1];
        System.arraycopy(cells, 0, out, 0, 5);
        out[5] = clip;
        System.arraycopy(cells, 5, out, 6, cells.length - 5);
        return out;
    }

    private static String fmt(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    private static String pad(String s, int width, boolean right) {
        String spaces = " ".repeat(width - s.length());
        return right ? spaces + s : s + spaces;
    }

    private static int sumWidths(int[] widths) {
        int sum = 2 * (widths.length - 1);
        for (int w : widths) {
            sum += w;
        }
        return sum;
    }
}
