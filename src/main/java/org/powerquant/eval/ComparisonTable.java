package org.powerquant.eval;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.powerquant.io.AtomicFiles;

/**
 * Accuracy of one model under several quantization settings and methods, with the drop from the
 * float model in percentage points.
 *
 * <p>A row is a setting (e.g. {@code fp32}, {@code w8}, {@code w4a4}), a method ({@code float},
 * {@code uniform}, {@code power}, or any other name) and its top-1/top-5 accuracy as fractions. The
 * first row whose method is {@value #FLOAT} is the reference the drops are measured from.
 *
 * <pre>{@code
 * ComparisonTable table = ComparisonTable.builder()
 *         .add("fp32", "float", floatResult)
 *         .add("w4", "uniform", uniformResult)
 *         .add("w4", "power", powerResult)
 *         .build();
 * System.out.print(table.toText());
 * table.writeJson(Path.of("comparison.json"));
 * }</pre>
 */
public final class ComparisonTable {

    /** The method name of the float reference row. */
    public static final String FLOAT = "float";

    private final List<Row> rows;

    private ComparisonTable(List<Row> rows) {
        this.rows = Collections.unmodifiableList(new ArrayList<>(rows));
    }

    /**
     * Returns an empty builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a table written by {@link #toJson()}.
     *
     * @param reader the JSON text
     * @return the table
     * @throws IllegalArgumentException when the JSON lacks rows or row fields
     */
    public static ComparisonTable fromJson(Reader reader) {
        JsonElement root = JsonParser.parseReader(reader);
        if (!root.isJsonObject() || !root.getAsJsonObject().has("rows")) {
            throw new IllegalArgumentException("comparison JSON has no \"rows\" array");
        }
        Builder b = builder();
        for (JsonElement e : root.getAsJsonObject().getAsJsonArray("rows")) {
            JsonObject o = e.getAsJsonObject();
            for (String f : new String[] {"setting", "method", "top1", "top5"}) {
                if (!o.has(f)) {
                    throw new IllegalArgumentException("comparison JSON row lacks \"" + f + "\"");
                }
            }
            b.add(
                    o.get("setting").getAsString(),
                    o.get("method").getAsString(),
                    o.get("top1").getAsDouble(),
                    o.get("top5").getAsDouble());
        }
        return b.build();
    }

    /**
     * Returns the rows in insertion order.
     *
     * @return the rows
     */
    public List<Row> rows() {
        return rows;
    }

    /**
     * Returns the float reference row: the first row whose method is {@value #FLOAT}.
     *
     * @return the reference, or empty when the table has no float row
     */
    public Optional<Row> reference() {
        return rows.stream().filter(r -> FLOAT.equals(r.method())).findFirst();
    }

    /**
     * Returns how far a row's top-1 accuracy is below the reference, in percentage points: the
     * nearest double to the exact drop (see {@link #toJsonTree()}).
     *
     * @param row a row
     * @return {@code 100 * (reference.top1 - row.top1)}, NaN without a reference
     */
    public double top1Drop(Row row) {
        return reference().map(f -> drop(f, row, true).doubleValue()).orElse(Double.NaN);
    }

    /**
     * Returns how far a row's top-5 accuracy is below the reference, in percentage points: the
     * nearest double to the exact drop (see {@link #toJsonTree()}).
     *
     * @param row a row
     * @return {@code 100 * (reference.top5 - row.top5)}, NaN without a reference
     */
    public double top5Drop(Row row) {
        return reference().map(f -> drop(f, row, false).doubleValue()).orElse(Double.NaN);
    }

    /**
     * The drop in points as a decimal, from the counts when both rows have them: {@code 100
     * (refCorrect images - correct refImages) / (refImages images)}, exact when that is a finite
     * decimal (always with the same number of images on a power of ten, or any total of the form
     * 2^i 5^j), otherwise to 16 significant digits. Rows without counts (read from JSON, or given
     * as fractions) subtract the fractions as the decimals they print as. Doubles subtracted
     * directly gave float noise ({@code 0.30000000000000426} for 0.3 points).
     */
    private static BigDecimal drop(Row reference, Row row, boolean top1) {
        int refCorrect = top1 ? reference.top1Correct : reference.top5Correct;
        int correct = top1 ? row.top1Correct : row.top5Correct;
        if (refCorrect < 0 || correct < 0 || reference.images <= 0 || row.images <= 0) {
            double refFraction = top1 ? reference.top1() : reference.top5();
            double fraction = top1 ? row.top1() : row.top5();
            return BigDecimal.valueOf(refFraction)
                    .subtract(BigDecimal.valueOf(fraction))
                    .movePointRight(2);
        }
        BigInteger numerator =
                BigInteger.valueOf(refCorrect)
                        .multiply(BigInteger.valueOf(row.images))
                        .subtract(
                                BigInteger.valueOf(correct)
                                        .multiply(BigInteger.valueOf(reference.images)))
                        .multiply(BigInteger.valueOf(100));
        BigInteger denominator =
                BigInteger.valueOf(reference.images).multiply(BigInteger.valueOf(row.images));
        BigInteger reduced = denominator.divide(denominator.gcd(numerator));
        for (BigInteger factor : new BigInteger[] {BigInteger.TWO, BigInteger.valueOf(5)}) {
            while (reduced.mod(factor).signum() == 0) {
                reduced = reduced.divide(factor);
            }
        }
        BigDecimal n = new BigDecimal(numerator);
        BigDecimal d = new BigDecimal(denominator);
        return reduced.equals(BigInteger.ONE) ? n.divide(d) : n.divide(d, MathContext.DECIMAL64);
    }

    /**
     * Formats the table as aligned text, one line per row, accuracies in percent.
     *
     * @return the table, ending with a newline
     */
    public String toText() {
        String[] header = {"setting", "method", "top-1 %", "top-5 %", "top-1 drop (pts)"};
        List<String[]> cells = new ArrayList<>();
        cells.add(header);
        Optional<Row> ref = reference();
        for (Row r : rows) {
            cells.add(
                    new String[] {
                        r.setting(),
                        r.method(),
                        String.format(Locale.ROOT, "%.2f", 100 * r.top1()),
                        String.format(Locale.ROOT, "%.2f", 100 * r.top5()),
                        ref.map(
                                        f ->
                                                drop(f, r, true)
                                                        .setScale(2, RoundingMode.HALF_UP)
                                                        .toPlainString())
                                .orElse("-")
                    });
        }
        return aligned(cells, 2);
    }

    /**
     * The image-by-image contrasts of this table: within each setting, every method row against the
     * setting's first method row (for {@code compare} and {@code demo}: power against uniform),
     * where both know which images they got right and scored as many images.
     *
     * @return the contrasts, in row order
     */
    public List<Contrast> contrasts() {
        List<Contrast> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (FLOAT.equals(row.method()) || row.top1Hits == null) {
                continue;
            }
            for (int j = 0; j < i; j++) {
                Row first = rows.get(j);
                if (first.setting().equals(row.setting()) && !FLOAT.equals(first.method())) {
                    if (first.top1Hits != null
                            && first.images == row.images
                            && !first.method().equals(row.method())) {
                        out.add(
                                new Contrast(
                                        row.setting(),
                                        row.method(),
                                        first.method(),
                                        McNemarTest.of(first.top1Hits, row.top1Hits)));
                    }
                    break;
                }
            }
        }
        return out;
    }

    /**
     * Formats {@link #contrasts()} as aligned text under a one-line heading: per setting, the
     * images the method gets right and its baseline gets wrong ("gained"), the reverse ("lost"),
     * and the exact McNemar p-value of that split ({@link McNemarTest#pValueText()}).
     *
     * @return the text, ending with a newline, or an empty string without contrasts
     */
    public String contrastText() {
        List<Contrast> contrasts = contrasts();
        if (contrasts.isEmpty()) {
            return "";
        }
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"setting", "method", "versus", "gained", "lost", "p"});
        for (Contrast c : contrasts) {
            cells.add(
                    new String[] {
                        c.setting(),
                        c.method(),
                        c.versus(),
                        Integer.toString(c.test().gained()),
                        Integer.toString(c.test().lost()),
                        c.test().pValueText()
                    });
        }
        return "image by image: gained = right only with the method, lost = right only with"
                + " versus, p = exact McNemar test\n"
                + aligned(cells, 3);
    }

    /** Columns padded to their widest cell, the first {@code textColumns} left-aligned. */
    private static String aligned(List<String[]> cells, int textColumns) {
        int[] widths = new int[cells.get(0).length];
        for (String[] line : cells) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder sb = new StringBuilder();
        for (int l = 0; l < cells.size(); l++) {
            String[] line = cells.get(l);
            for (int i = 0; i < line.length; i++) {
                boolean text = i < textColumns;
                String pad = " ".repeat(widths[i] - line[i].length());
                sb.append(i == 0 ? "" : "  ").append(text ? line[i] + pad : pad + line[i]);
            }
            sb.append('\n');
            if (l == 0) {
                int total = 0;
                for (int w : widths) {
                    total += w;
                }
                sb.append("-".repeat(total + 2 * (widths.length - 1))).append('\n');
            }
        }
        return sb.toString().replaceAll(" +\n", "\n");
    }

    /**
     * Returns the table as JSON: {@code reference} (the float row, or null) and {@code rows}, each
     * with {@code setting}, {@code method}, {@code top1}, {@code top5} (fractions) and {@code
     * top1Drop}, {@code top5Drop} (percentage points below the reference, absent without one;
     * decimals computed from the rows' counts, e.g. {@code 0.3}, not {@code 0.30000000000000426});
     * then, if there are any, the {@link #contrasts()}: {@code setting}, {@code method}, {@code
     * versus}, {@code gained}, {@code lost} and {@code pValue}.
     *
     * @return the JSON tree
     */
    public JsonObject toJsonTree() {
        JsonObject o = new JsonObject();
        Optional<Row> ref = reference();
        o.add("reference", ref.map(r -> (JsonElement) rowJson(r)).orElse(null));
        JsonArray array = new JsonArray();
        for (Row r : rows) {
            JsonObject row = rowJson(r);
            if (ref.isPresent()) {
                row.addProperty("top1Drop", drop(ref.get(), r, true));
                row.addProperty("top5Drop", drop(ref.get(), r, false));
            }
            array.add(row);
        }
        o.add("rows", array);
        List<Contrast> contrasts = contrasts();
        if (!contrasts.isEmpty()) {
            JsonArray list = new JsonArray();
            for (Contrast c : contrasts) {
                JsonObject e = new JsonObject();
                e.addProperty("setting", c.setting());
                e.addProperty("method", c.method());
                e.addProperty("versus", c.versus());
                e.addProperty("gained", c.test().gained());
                e.addProperty("lost", c.test().lost());
                e.addProperty("pValue", c.test().pValue());
                list.add(e);
            }
            o.add("contrasts", list);
        }
        return o;
    }

    /**
     * Returns the table as pretty-printed JSON, see {@link #toJsonTree()}.
     *
     * @return the JSON text
     */
    public String toJson() {
        return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(toJsonTree());
    }

    /**
     * Writes {@link #toJson()} to a file atomically.
     *
     * @param file the target file; its folder must exist
     * @throws IOException when writing fails
     */
    public void writeJson(Path file) throws IOException {
        byte[] bytes = (toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(file, out -> out.write(bytes));
    }

    private static JsonObject rowJson(Row r) {
        JsonObject row = new JsonObject();
        row.addProperty("setting", r.setting());
        row.addProperty("method", r.method());
        row.addProperty("top1", r.top1());
        row.addProperty("top5", r.top5());
        return row;
    }

    /**
     * One method against another on the same images at one setting.
     *
     * @param setting the setting, e.g. {@code w4a4}
     * @param method the method contrasted, e.g. {@code power}
     * @param versus the setting's first method, e.g. {@code uniform}
     * @param test the image-by-image test; {@code gained} counts the images {@code method} gets
     *     right and {@code versus} wrong
     */
    public record Contrast(String setting, String method, String versus, McNemarTest test) {}

    /** One setting and method with its accuracy. */
    public static final class Row {

        private final String setting;
        private final String method;
        private final double top1;
        private final double top5;
        private final BitSet top1Hits;
        private final int images;
        private final int top1Correct;
        private final int top5Correct;

        /**
         * Creates a row.
         *
         * @param setting the quantization setting, e.g. {@code w4a4}
         * @param method the method, e.g. {@code power}
         * @param top1 the top-1 accuracy in [0, 1]
         * @param top5 the top-5 accuracy in [0, 1]
         */
        public Row(String setting, String method, double top1, double top5) {
            this(setting, method, top1, top5, null, -1, -1, -1);
        }

        private Row(
                String setting,
                String method,
                double top1,
                double top5,
                BitSet top1Hits,
                int images,
                int top1Correct,
                int top5Correct) {
            this.setting = requireName(setting, "setting");
            this.method = requireName(method, "method");
            this.top1 = requireFraction(top1, "top-1");
            this.top5 = requireFraction(top5, "top-5");
            this.top1Hits = top1Hits;
            this.images = images;
            this.top1Correct = top1Correct;
            this.top5Correct = top5Correct;
        }

        /**
         * Returns the setting.
         *
         * @return the setting name
         */
        public String setting() {
            return setting;
        }

        /**
         * Returns the method.
         *
         * @return the method name
         */
        public String method() {
            return method;
        }

        /**
         * Returns the top-1 accuracy.
         *
         * @return a fraction in [0, 1]
         */
        public double top1() {
            return top1;
        }

        /**
         * Returns the top-5 accuracy.
         *
         * @return a fraction in [0, 1]
         */
        public double top5() {
            return top5;
        }

        private static String requireName(String name, String what) {
            if (Objects.requireNonNull(name, what).isBlank()) {
                throw new IllegalArgumentException("comparison row: empty " + what);
            }
            return name;
        }

        private static double requireFraction(double v, String what) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(
                        "comparison row: "
                                + what
                                + " accuracy "
                                + v
                                + " is not a fraction in [0, 1]");
            }
            return v;
        }
    }

    /** Collects rows of a {@link ComparisonTable}. */
    public static final class Builder {

        private final List<Row> rows = new ArrayList<>();

        Builder() {}

        /**
         * Adds a row.
         *
         * @param setting the quantization setting, e.g. {@code fp32}, {@code w8}, {@code w4a4}
         * @param method {@value ComparisonTable#FLOAT}, {@code uniform}, {@code power}, ...
         * @param top1 the top-1 accuracy in [0, 1]
         * @param top5 the top-5 accuracy in [0, 1]
         * @return this builder
         */
        public Builder add(String setting, String method, double top1, double top5) {
            rows.add(new Row(setting, method, top1, top5));
            return this;
        }

        /**
         * Adds a row from an evaluation.
         *
         * @param setting the quantization setting
         * @param method the method
         * @param result the evaluation of that model
         * @return this builder
         */
        public Builder add(String setting, String method, EvaluationResult result) {
            rows.add(
                    new Row(
                            setting,
                            method,
                            result.top1(),
                            result.top5(),
                            result.top1Hits().orElse(null),
                            result.images(),
                            result.top1Correct(),
                            result.top5Correct()));
            return this;
        }

        /**
         * Builds the table.
         *
         * @return the table
         */
        public ComparisonTable build() {
            return new ComparisonTable(rows);
        }
    }
}
