package org.powerquant.eval;

import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationReport;
import org.powerquant.transform.QuantizationSetting;

/**
 * Evaluates one model at several settings with several methods: the float model once, then every
 * quantized setting for each method, each from a fresh copy of the model, through the same {@link
 * Evaluator} on the same data.
 *
 * <pre>{@code
 * ComparisonTable table = Comparison.builder()
 *         .source(ModelSource.torchScript(Path.of("resnet18.pt"), Device.cpu()))
 *         .dataset(DatasetSpec.parse("idx:images.gz,labels.gz").open())
 *         .evaluator(Evaluator.builder().preprocessing(preprocessing).build())
 *         .settings(QuantizationSetting.parseList("fp32,w8,w6,w4"))
 *         .build()
 *         .run();
 * }</pre>
 */
public final class Comparison {

    private final ModelSource source;
    private final LabelledImageDataset dataset;
    private final Evaluator evaluator;
    private final List<QuantizationSetting> settings;
    private final List<QuantizationMethod> methods;
    private final BiFunction<QuantizationSetting, QuantizationMethod, PowerQuantTransform>
            transforms;
    private final Consumer<String> log;

    private Comparison(Builder builder) {
        source = Objects.requireNonNull(builder.source, "source");
        dataset = Objects.requireNonNull(builder.dataset, "dataset");
        evaluator = Objects.requireNonNull(builder.evaluator, "evaluator");
        settings = List.copyOf(builder.settings);
        methods = List.copyOf(builder.methods);
        transforms = builder.transforms;
        log = builder.log;
    }

    /**
     * @return a builder: settings fp32, w8, w6, w4; methods uniform and power
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The transform a setting and method stand for, with the defaults of {@link
     * PowerQuantTransform}.
     *
     * @param setting the bit widths
     * @param method the method
     * @return the transform
     */
    public static PowerQuantTransform defaultTransform(
            QuantizationSetting setting, QuantizationMethod method) {
        return PowerQuantTransform.builder()
                .weightBits(setting.weightBits())
                .activationBits(setting.activationBits())
                .method(method)
                .build();
    }

    /**
     * Runs every evaluation.
     *
     * @return one row per setting and method, the float model first
     * @throws IOException if the model or the data cannot be read
     * @throws ModelException if the model cannot be loaded
     */
    public ComparisonTable run() throws IOException, ModelException {
        ComparisonTable.Builder table = ComparisonTable.builder();
        for (QuantizationSetting setting : settings) {
            if (setting.isFloat()) {
                try (Model model = source.open(false)) {
                    EvaluationResult result = evaluator.evaluate(model, dataset);
                    log.accept(line(setting, ComparisonTable.FLOAT, result, null));
                    table.add(setting.label(), ComparisonTable.FLOAT, result);
                }
                continue;
            }
            for (QuantizationMethod method : methods) {
                String name = method.name().toLowerCase(Locale.ROOT);
                try (Model model = source.open(setting.quantizesActivations())) {
                    QuantizationReport report = transforms.apply(setting, method).apply(model);
                    EvaluationResult result = evaluator.evaluate(model, dataset);
                    log.accept(line(setting, name, result, report));
                    table.add(setting.label(), name, result);
                }
            }
        }
        return table.build();
    }

    private static String line(
            QuantizationSetting setting,
            String method,
            EvaluationResult result,
            QuantizationReport report) {
        String quantization =
                report == null
                        ? ""
                        : String.format(Locale.ROOT, ", quantized in %.2f s", report.seconds());
        return String.format(
                Locale.ROOT,
                "%-6s %-8s top-1 %6.2f %%  top-5 %6.2f %%  (%d images, %.1f s%s)",
                setting.label(),
                method,
                100 * result.top1(),
                100 * result.top5(),
                result.images(),
                result.seconds(),
                quantization);
    }

    /** Options of a {@link Comparison}. */
    public static final class Builder {
        private ModelSource source;
        private LabelledImageDataset dataset;
        private Evaluator evaluator;
        private List<QuantizationSetting> settings = QuantizationSetting.parseList("fp32,w8,w6,w4");
        private List<QuantizationMethod> methods =
                List.of(QuantizationMethod.UNIFORM, QuantizationMethod.POWER);
        private BiFunction<QuantizationSetting, QuantizationMethod, PowerQuantTransform>
                transforms = Comparison::defaultTransform;
        private Consumer<String> log = line -> {};

        private Builder() {}

        /**
         * Sets where fresh copies of the model come from.
         *
         * @param modelSource the source
         * @return this builder
         */
        public Builder source(ModelSource modelSource) {
            this.source = modelSource;
            return this;
        }

        /**
         * Sets the labelled images.
         *
         * @param images the data set
         * @return this builder
         */
        public Builder dataset(LabelledImageDataset images) {
            this.dataset = images;
            return this;
        }

        /**
         * Sets the evaluator (preprocessing, batch size, device, limit).
         *
         * @param modelEvaluator the evaluator
         * @return this builder
         */
        public Builder evaluator(Evaluator modelEvaluator) {
            this.evaluator = modelEvaluator;
            return this;
        }

        /**
         * Sets the settings, in order; {@code fp32} is the float reference.
         *
         * @param list the settings
         * @return this builder
         */
        public Builder settings(List<QuantizationSetting> list) {
            if (list.isEmpty()) {
                throw new IllegalArgumentException("--settings: at least one setting is needed");
            }
            this.settings = List.copyOf(list);
            return this;
        }

        /**
         * Sets the methods each quantized setting is evaluated with.
         *
         * @param list the methods
         * @return this builder
         */
        public Builder methods(List<QuantizationMethod> list) {
            if (list.isEmpty()) {
                throw new IllegalArgumentException("--methods: at least one method is needed");
            }
            this.methods = List.copyOf(list);
            return this;
        }

        /**
         * Sets how a setting and method become a transform (default: {@link #defaultTransform}).
         *
         * @param factory the factory
         * @return this builder
         */
        public Builder transforms(
                BiFunction<QuantizationSetting, QuantizationMethod, PowerQuantTransform> factory) {
            this.transforms = factory;
            return this;
        }

        /**
         * Receives one line per evaluation as it finishes.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder log(Consumer<String> listener) {
            this.log = listener;
            return this;
        }

        /**
         * @return the comparison
         */
        public Comparison build() {
            return new Comparison(this);
        }
    }
}
