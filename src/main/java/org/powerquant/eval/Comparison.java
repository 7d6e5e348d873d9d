package org.powerquant.eval;

import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationOptions;
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
        transforms =
                builder.transforms != null
                        ? builder.transforms
                        : (setting, method) ->
                                options(options(builder), setting, method)
                                        .transformBuilder()
                                        .progress(builder.progress)
                                        .build();
        log = builder.log;
        if (builder.transforms == null) {
            QuantizationOptions base = options(builder);
            for (QuantizationSetting setting : settings) {
                for (QuantizationMethod method :
                        setting.isFloat() ? List.<QuantizationMethod>of() : methods) {
                    options(base, setting, method);
                }
            }
        }
    }

    /**
     * Returns a builder: settings fp32, w8, w6, w4; methods uniform and power.
     *
     * @return a builder: settings fp32, w8, w6, w4; methods uniform and power
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The transform a setting and method stand for, with the defaults of {@link
     * QuantizationOptions}, built by its one factory. A setting with activation bits needs the
     * input size (synthetic calibration): use {@link #transform(QuantizationOptions,
     * QuantizationSetting, QuantizationMethod)} with options that know it.
     *
     * @param setting the bit widths
     * @param method the method
     * @return the transform
     * @throws org.powerquant.InvalidInputException for the input size when it is needed
     */
    public static PowerQuantTransform defaultTransform(
            QuantizationSetting setting, QuantizationMethod method) {
        return transform(QuantizationOptions.builder().build(), setting, method);
    }

    /**
     * The transform of a setting and method on top of base options (calibration, exponent search,
     * skipped layers, input size).
     *
     * @param base the options other than bit widths and method
     * @param setting the bit widths
     * @param method the method
     * @return the transform
     * @throws org.powerquant.InvalidInputException naming the role at fault
     */
    public static PowerQuantTransform transform(
            QuantizationOptions base, QuantizationSetting setting, QuantizationMethod method) {
        return options(base, setting, method).transform();
    }

    /**
     * The options of a setting and method on top of base options; checks them.
     *
     * @param base the options other than bit widths and method
     * @param setting the bit widths
     * @param method the method
     * @return the options
     * @throws org.powerquant.InvalidInputException naming the role at fault
     */
    public static QuantizationOptions options(
            QuantizationOptions base, QuantizationSetting setting, QuantizationMethod method) {
        QuantizationOptions.Builder builder = base.toBuilder().setting(setting).method(method);
        if (!setting.quantizesActivations()) {
            builder.lastLayerBits(0)
                    .quantizeInput(false)
                    .calibrationMode(null)
                    .calibrationData(null)
                    .activationRounding(CodeRounding.POWER_DOMAIN);
        }
        return builder.build();
    }

    /**
     * Runs every evaluation. Before the first, every quantized setting's transform is checked on a
     * copy of the model as it will be opened for it ({@link PowerQuantTransform#check(Model)}): a
     * network a setting cannot quantize (bias correction on a MobileNetV2, a skip pattern that
     * matches no layer) is refused before anything is evaluated.
     *
     * @return one row per setting and method, the float model first
     * @throws IOException if the model or the data cannot be read
     * @throws ModelException if the model cannot be loaded
     * @throws org.powerquant.InvalidInputException naming the role at fault if a transform refuses
     *     the network
     */
    public ComparisonTable run() throws IOException, ModelException {
        List<PowerQuantTransform> quantized = new ArrayList<>();
        for (QuantizationSetting setting : settings) {
            for (QuantizationMethod method :
                    setting.isFloat() ? List.<QuantizationMethod>of() : methods) {
                quantized.add(transforms.apply(setting, method));
            }
        }
        check(quantized);
        Iterator<PowerQuantTransform> next = quantized.iterator();
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
                PowerQuantTransform transform = next.next();
                try (Model model = source.open(transform.needsNativeGraph())) {
                    QuantizationReport report = transform.apply(model);
                    EvaluationResult result = evaluator.evaluate(model, dataset);
                    log.accept(line(setting, name, result, report));
                    table.add(setting.label(), name, result);
                }
            }
        }
        return table.build();
    }

    /** Checks each transform on one copy of the model per kind of copy the transforms need. */
    private void check(List<PowerQuantTransform> quantized) throws IOException, ModelException {
        for (boolean nativeGraph : new boolean[] {false, true}) {
            List<PowerQuantTransform> group =
                    quantized.stream().filter(t -> t.needsNativeGraph() == nativeGraph).toList();
            if (group.isEmpty()) {
                continue;
            }
            try (Model model = source.open(nativeGraph)) {
                for (PowerQuantTransform transform : group) {
                    transform.check(model);
                }
            }
        }
    }

    private static QuantizationOptions options(Builder builder) {
        int[] size = builder.evaluator.preprocessing().outputSize();
        if (builder.options.inputSize() != null || size == null) {
            return builder.options;
        }
        return builder.options.toBuilder().inputSize(size[0], size[1]).build();
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
        String skipped =
                result.skippedImages().isEmpty()
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", %d unreadable images skipped, first %s",
                                result.skippedImages().size(),
                                result.skippedImages().get(0));
        return String.format(
                Locale.ROOT,
                "%-6s %-8s top-1 %6.2f %%  top-5 %6.2f %%  (%d images, %.1f s%s%s)",
                setting.label(),
                method,
                100 * result.top1(),
                100 * result.top5(),
                result.images(),
                result.seconds(),
                quantization,
                skipped);
    }

    /** Options of a {@link Comparison}. */
    public static final class Builder {
        private ModelSource source;
        private LabelledImageDataset dataset;
        private Evaluator evaluator;
        private List<QuantizationSetting> settings = QuantizationSetting.parseList("fp32,w8,w6,w4");
        private List<QuantizationMethod> methods =
                List.of(QuantizationMethod.UNIFORM, QuantizationMethod.POWER);
        private BiFunction<QuantizationSetting, QuantizationMethod, PowerQuantTransform> transforms;
        private QuantizationOptions options = QuantizationOptions.builder().build();
        private Consumer<String> log = line -> {};
        private Consumer<String> progress = line -> {};

        private Builder() {}

        /**
         * Receives the progress lines of each quantization (see {@link
         * PowerQuantTransform.Builder#progress}).
         *
         * @param listener the listener (default: none)
         * @return this builder
         */
        public Builder progress(Consumer<String> listener) {
            this.progress = Objects.requireNonNull(listener, "progress");
            return this;
        }

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
                throw new org.powerquant.InvalidInputException(
                        org.powerquant.Role.SETTINGS, "need at least one setting");
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
                throw new org.powerquant.InvalidInputException(
                        org.powerquant.Role.METHODS, "need at least one method");
            }
            this.methods = List.copyOf(list);
            return this;
        }

        /**
         * Sets the options other than bit widths and method (calibration, exponent search, skipped
         * layers, input size) every quantized setting starts from. Without an input size, the
         * evaluator's preprocessing gives it, when fixed.
         *
         * @param base the options (default: {@link QuantizationOptions}'s defaults)
         * @return this builder
         */
        public Builder options(QuantizationOptions base) {
            this.options = Objects.requireNonNull(base, "options");
            return this;
        }

        /**
         * Sets how a setting and method become a transform (default: {@link
         * #transform(QuantizationOptions, QuantizationSetting, QuantizationMethod)} on the {@link
         * #options}, with the evaluator's input size).
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
         * Returns the comparison.
         *
         * @return the comparison
         */
        public Comparison build() {
            return new Comparison(this);
        }
    }
}
