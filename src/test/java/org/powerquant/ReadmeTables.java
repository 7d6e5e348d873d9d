package org.powerquant;

import ai.djl.Device;
import ai.djl.ModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.powerquant.data.IdxDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.eval.Evaluator;
import org.powerquant.eval.ModelSource;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.QuantizationOptions;
import org.powerquant.transform.QuantizationSetting;

/**
 * Regenerates the README's accuracy tables on the shared fixtures (not a test: the command is in
 * the README). Each table is measured with {@link Comparison}, the code of the {@code compare}
 * command (import, transform, {@link Evaluator} on the Fashion-MNIST test set with the shared
 * models' preprocessing), and written between its markers {@code <!-- table:NAME -->} and {@code
 * <!-- /table:NAME -->} in the README, atomically, with the command, image count and date stamped
 * on the first line of the block. The integration test {@code ReadmeTablesIT} reads the figures
 * back from the README and re-measures the pinned rows.
 *
 * <p>System properties: {@code tables} (comma-separated names, default all: see {@link #TABLES}),
 * {@code images} (first test images, default 2000), {@code readme} (default {@code README.md}),
 * {@code powerquant.shared} (default {@code ../shared}), {@code options} (ablation option sets,
 * comma-separated, each a {@code +}-joined subset of {@code squant}, {@code level}, {@code alevel},
 * {@code bias}, {@code clip}, or {@code none}; also for {@code targets} and {@code
 * mobilenetv2-options}) and {@code settings} (overrides a table's settings, e.g. {@code w4a4}; rows
 * already in the block for other settings are kept).
 */
public final class ReadmeTables {

    /** The table names, in the order they run by default. */
    public static final List<String> TABLES =
            List.of("weights", "mobilenetv2", "mobilenetv2-options", "ablation", "targets");

    /** The ablation's option sets by default. */
    public static final String DEFAULT_OPTIONS = "none,squant,bias,clip,squant+bias";

    /** The option sets of the full-test-set table of issue 11's targets by default. */
    public static final String TARGET_OPTIONS = "none,level";

    /** The option sets of the MobileNetV2 table with options by default. */
    public static final String MOBILENET_V2_OPTIONS = "level";

    /** The command that regenerates the tables, as the README shows it. */
    public static final String COMMAND =
            "java -Dai.djl.offline=true -Dtables=NAMES -cp target/classes:target/test-classes:$(cat"
                    + " target/cp.txt) org.powerquant.ReadmeTables";

    private static final String RESNET_18 = "fmnist_resnet18.pt";
    private static final String MOBILENET_V2 = "fmnist_mobilenet_v2.pt";

    /** The reference figures quoted from {@code ../shared/README.md} (measured outside). */
    private static final Map<String, String> MOBILENET_V2_REFERENCE =
            Map.of(
                    "fp32", "92.60 (PyTorch)",
                    "w8a8", "91.90 (int8)",
                    "w6a6", "91.80",
                    "w4a8", "89.70",
                    "w4a4", "33.35");

    private ReadmeTables() {}

    /**
     * Measures the tables asked and rewrites their blocks in the README.
     *
     * @param args unused (see the system properties)
     * @throws Exception if a fixture cannot be read or the README has no markers for a table
     */
    public static void main(String[] args) throws Exception {
        List<String> names =
                Arrays.asList(System.getProperty("tables", String.join(",", TABLES)).split(","));
        for (String name : names) {
            if (!TABLES.contains(name)) {
                System.err.println("unknown table " + name + "; known: " + TABLES);
                System.exit(2);
            }
        }
        Path readme = Paths.get(System.getProperty("readme", "README.md"));
        for (String name : TABLES) {
            if (names.contains(name)) {
                generate(readme, name);
            }
        }
    }

    /**
     * Measures one table, setting by setting and option set by option set, and rewrites its block
     * after each (a stopped run keeps what it measured). Rows of the block for settings or option
     * sets not measured in this run are kept if the block is on the same number of images.
     *
     * @param readme the README
     * @param name the table
     * @throws IOException if a fixture or the README cannot be read
     * @throws ModelException if a model cannot be loaded
     */
    static void generate(Path readme, String name) throws IOException, ModelException {
        // "targets" is the ablation's layout on the full test set, for issue 11's target figures;
        // "mobilenetv2-options" the same layout on the shared MobileNetV2.
        boolean ablation =
                name.equals("ablation")
                        || name.equals("targets")
                        || name.equals("mobilenetv2-options");
        String model = name.startsWith("mobilenetv2") ? MOBILENET_V2 : RESNET_18;
        int images =
                Integer.getInteger(
                        "images", name.equals("weights") || name.equals("targets") ? 10000 : 2000);
        List<String> header =
                switch (name) {
                    case "weights" ->
                            List.of(
                                    "setting",
                                    "method",
                                    "top-1 %",
                                    "top-5 %",
                                    "top-1 drop (points)");
                    case "mobilenetv2-options" ->
                            List.of("setting", "options", "uniform top-1 %", "PowerQuant top-1 %");
                    case "ablation", "targets" ->
                            List.of(
                                    "setting",
                                    "options",
                                    "uniform top-1 %",
                                    "PowerQuant top-1 %",
                                    "PowerQuant vs uniform: images gained / lost (McNemar p)");
                    default ->
                            List.of(
                                    "setting",
                                    "uniform top-1 %",
                                    "PowerQuant top-1 %",
                                    "reference (`../shared/README.md`, PyTorch `torch.ao`,"
                                            + " uniform)");
                };
        int keyColumns = name.equals("mobilenetv2") ? 1 : 2;
        String defaults =
                switch (name) {
                    case "weights" -> "fp32,w8,w6,w4,w3";
                    case "ablation" -> "w8a8,w6a6,w4a4,w4,w3";
                    case "targets" -> "w4a4,w3";
                    case "mobilenetv2-options" -> "w6a6,w4a8";
                    default -> "fp32,w8a8,w6a6,w4a8,w4a4";
                };
        List<String> labels =
                ablation
                        ? Arrays.asList(
                                System.getProperty(
                                                "options",
                                                switch (name) {
                                                    case "targets" -> TARGET_OPTIONS;
                                                    case "mobilenetv2-options" ->
                                                            MOBILENET_V2_OPTIONS;
                                                    default -> DEFAULT_OPTIONS;
                                                })
                                        .split(","))
                        : List.of("none");
        ReadmeBlock old = ReadmeBlock.read(readme, name);
        List<List<String>> rows =
                old.header().equals(header) && old.images().orElse(-1) == images
                        ? new ArrayList<>(old.rows())
                        : new ArrayList<>();
        String stamp =
                String.format(
                        Locale.ROOT,
                        "Generated by `%s`, first %,d test images, %s%s.",
                        COMMAND.replace("NAMES", name),
                        images,
                        LocalDate.now(ZoneOffset.UTC),
                        System.getProperty("ai.djl.pytorch.num_threads") == null
                                ? ""
                                : ", with `-Dai.djl.pytorch.num_threads="
                                        + System.getProperty("ai.djl.pytorch.num_threads")
                                        + "`");
        for (QuantizationSetting setting :
                QuantizationSetting.parseList(System.getProperty("settings", defaults))) {
            for (String label : labels) {
                ComparisonTable table =
                        compare(
                                model,
                                List.of(setting),
                                options(label),
                                images,
                                line -> System.err.println(name + " " + label + ": " + line));
                List<List<String>> fresh =
                        switch (name) {
                            case "weights" -> byRow(table);
                            case "mobilenetv2-options" -> byMethod(table, label, Map.of(), false);
                            case "ablation", "targets" -> byMethod(table, label, Map.of(), true);
                            default -> byMethod(table, null, MOBILENET_V2_REFERENCE, false);
                        };
                merge(rows, fresh, keyColumns);
                if (name.equals("weights")) {
                    drops(rows);
                }
                String body = stamp + "\n\n" + ReadmeBlock.format(header, rows);
                ReadmeBlock.read(readme, name).replace(readme, body);
                System.out.println(body);
            }
        }
    }

    /**
     * Measures settings with both methods on one shared model and the given options.
     *
     * @param model the shared model's file name under {@code models/}
     * @param settings the settings (fp32 for the float row)
     * @param options the options other than bit widths and method
     * @param images first test images
     * @param log where each row's line goes
     * @return the comparison table
     * @throws IOException if a fixture cannot be read
     * @throws ModelException if the model cannot be loaded
     */
    public static ComparisonTable compare(
            String model,
            List<QuantizationSetting> settings,
            QuantizationOptions options,
            int images,
            Consumer<String> log)
            throws IOException, ModelException {
        Path data = SharedFixtures.root().resolve("data/fashion-mnist");
        Preprocessing preprocessing =
                Preprocessing.builder()
                        .channels(3)
                        .imageSize(64)
                        .mean(0.2860f)
                        .std(0.3530f)
                        .build();
        return Comparison.builder()
                .source(
                        ModelSource.torchScript(
                                SharedFixtures.root().resolve("models").resolve(model),
                                Device.cpu()))
                .dataset(
                        IdxDataset.open(
                                data.resolve("t10k-images-idx3-ubyte.gz"),
                                data.resolve("t10k-labels-idx1-ubyte.gz")))
                .evaluator(Evaluator.builder().preprocessing(preprocessing).limit(images).build())
                .settings(settings)
                .methods(List.of(QuantizationMethod.UNIFORM, QuantizationMethod.POWER))
                .options(options)
                .progress(line -> log.accept("  " + line))
                .log(log)
                .build()
                .run();
    }

    /**
     * The options an ablation label stands for.
     *
     * @param label {@code none} or a {@code +}-joined subset of {@code squant} (error-aware
     *     rounding), {@code level} (nearest-level weight rounding), {@code alevel} (nearest-level
     *     activation rounding), {@code bias}, {@code clip}
     * @return the options
     */
    public static QuantizationOptions options(String label) {
        QuantizationOptions.Builder builder = QuantizationOptions.builder().inputSize(64, 64);
        for (String part : label.split("\\+", -1)) {
            switch (part) {
                case "none" -> {}
                case "squant" -> builder.rounding(WeightRounding.ERROR_AWARE);
                case "level" -> builder.rounding(WeightRounding.NEAREST_LEVEL);
                case "alevel" -> builder.activationRounding(CodeRounding.NEAREST_LEVEL);
                case "bias" -> builder.biasCorrection(true);
                case "clip" -> builder.clipping(true);
                default -> throw new IllegalArgumentException("unknown option " + part);
            }
        }
        return builder.build();
    }

    /** One row per method, as the {@code compare} command prints (the drop is set by drops). */
    private static List<List<String>> byRow(ComparisonTable table) {
        List<List<String>> rows = new ArrayList<>();
        for (ComparisonTable.Row r : table.rows()) {
            rows.add(List.of(r.setting(), r.method(), pct(r.top1()), pct(r.top5()), "-"));
        }
        return rows;
    }

    /** Sets each row's top-1 drop from the float row, if there is one. */
    private static void drops(List<List<String>> rows) {
        rows.stream()
                .filter(r -> r.get(1).equals(ComparisonTable.FLOAT))
                .findFirst()
                .ifPresent(
                        f -> {
                            double reference = Double.parseDouble(f.get(2));
                            for (int i = 0; i < rows.size(); i++) {
                                List<String> r = new ArrayList<>(rows.get(i));
                                double drop = reference - Double.parseDouble(r.get(2));
                                r.set(4, String.format(Locale.ROOT, "%.2f", drop + 0.0));
                                rows.set(i, r);
                            }
                        });
    }

    /**
     * One row per setting: uniform and power side by side, then an optional reference, then if
     * asked the image-by-image contrast of power against uniform.
     */
    private static List<List<String>> byMethod(
            ComparisonTable table, String label, Map<String, String> reference, boolean contrast) {
        List<List<String>> rows = new ArrayList<>();
        for (ComparisonTable.Row r : table.rows()) {
            if (r.method().equals("power")) {
                continue;
            }
            String uniform = pct(r.top1());
            String power = uniform;
            if (!r.method().equals(ComparisonTable.FLOAT)) {
                power =
                        table.rows().stream()
                                .filter(
                                        p ->
                                                p.method().equals("power")
                                                        && p.setting().equals(r.setting()))
                                .map(p -> pct(p.top1()))
                                .findFirst()
                                .orElse("-");
            }
            List<String> row = new ArrayList<>();
            row.add(r.setting().toUpperCase(Locale.ROOT).replace("FP32", "fp32"));
            if (label != null) {
                row.add(label);
            }
            row.add(uniform);
            row.add(power);
            if (!reference.isEmpty()) {
                row.add(reference.getOrDefault(r.setting(), "-"));
            }
            if (contrast) {
                row.add(
                        table.contrasts().stream()
                                .filter(c -> c.setting().equals(r.setting()))
                                .map(
                                        c ->
                                                String.format(
                                                        Locale.ROOT,
                                                        "%d / %d (%s)",
                                                        c.test().gained(),
                                                        c.test().lost(),
                                                        c.test().pValueText()))
                                .findFirst()
                                .orElse("-"));
            }
            rows.add(row);
        }
        return rows;
    }

    /** Replaces the rows with the same key (first {@code keyColumns} cells), appends the others. */
    private static void merge(List<List<String>> rows, List<List<String>> fresh, int keyColumns) {
        for (List<String> row : fresh) {
            List<String> key = row.subList(0, keyColumns);
            int at = -1;
            for (int i = 0; i < rows.size(); i++) {
                if (rows.get(i).subList(0, keyColumns).equals(key)) {
                    at = i;
                }
            }
            if (at >= 0) {
                rows.set(at, row);
            } else {
                rows.add(row);
            }
        }
    }

    private static String pct(double fraction) {
        return String.format(Locale.ROOT, "%.2f", 100 * fraction);
    }
}
