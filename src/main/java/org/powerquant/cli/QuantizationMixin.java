package org.powerquant.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.calibrate.CalibrationMode;
import org.powerquant.calibrate.DatasetCalibrationImages;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.Preprocessing;
import org.powerquant.quant.BitWidth;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.QuantizationOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The quantization and calibration flags of {@code quantize}, {@code evaluate}, {@code compare} and
 * {@code demo}, mapped one to one onto {@link QuantizationOptions}. Adding an option: one field
 * here, one builder call in {@link #builder()}, one row in the README's table of options.
 */
final class QuantizationMixin {

    @Option(
            names = "--weight-bits",
            paramLabel = "B",
            description = "Weight bit width, 2 to 8 (default: float).")
    Integer weightBits;

    @Option(
            names = "--activation-bits",
            paramLabel = "A",
            defaultValue = "float",
            description =
                    "Activation bit width, 2 to 8 (needs --weight-bits; the model, a torchvision ResNet or"
                            + " MobileNetV2, is imported as DJL blocks and its batch norms folded), or"
                            + " float. Default:"
                            + " ${DEFAULT-VALUE}.")
    String activationBits;

    @Option(
            names = "--last-layer-bits",
            paramLabel = "B",
            description = "Bits of the final dense layer's input (default max(A, 8)).")
    Integer lastLayerBits;

    @Option(
            names = "--quantize-input",
            description = "Quantize the image input too (default: it stays float).")
    boolean quantizeInput;

    @Option(
            names = "--method",
            paramLabel = "M",
            defaultValue = "power",
            description =
                    "power (PowerQuant) or uniform (the a = 1 baseline, same code). Default:"
                            + " ${DEFAULT-VALUE}.")
    String method;

    @Option(
            names = "--per-tensor",
            description = "One scale per tensor instead of one per output channel.")
    boolean perTensor;

    @Option(
            names = "--skip",
            paramLabel = "NAME",
            split = ",",
            description =
                    "Weights to leave in float, by name; * matches anything (e.g. conv1.weight,fc.*).")
    List<String> skip = new ArrayList<>();

    @Option(
            names = "--exponent-min",
            paramLabel = "A",
            defaultValue = "0.2",
            description = "Smallest exponent searched. Default: ${DEFAULT-VALUE}.")
    double exponentMin;

    @Option(
            names = "--exponent-max",
            paramLabel = "A",
            defaultValue = "1.0",
            description = "Largest exponent searched. Default: ${DEFAULT-VALUE}.")
    double exponentMax;

    @Option(
            names = "--tolerance",
            paramLabel = "T",
            defaultValue = "0.001",
            description = "Absolute tolerance of the exponent search. Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(
            names = "--calibration-mode",
            paramLabel = "MODE",
            description =
                    "How activation ranges and exponents are found: synthetic (data-free: images distilled"
                            + " from the batch-norm statistics at the input size; the default), bn-model"
                            + " (data-free, analytic) or data (real images"
                            + " from --calibration, the default when it is given; no longer data-free).")
    String calibrationMode;

    @Option(
            names = "--calibration",
            paramLabel = "SPEC",
            description =
                    "Calibrate activations on real images from this data set (any --dataset SPEC),"
                            + " preprocessed exactly as evaluation images. The result is no longer"
                            + " data-free; weights stay data-free.")
    String calibration;

    @Option(
            names = "--calibration-images",
            paramLabel = "N",
            defaultValue = "256",
            description =
                    "How many of the first images of --calibration to use (all there are if fewer)."
                            + " Default: ${DEFAULT-VALUE}.")
    int calibrationImages;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "Seed of the synthetic calibration's initial noise. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--clipping",
            description =
                    "Clip each layer's weight range, the ratio searched jointly with the exponent"
                            + " (default: full range).")
    boolean clipping;

    @Option(
            names = "--rounding",
            paramLabel = "R",
            defaultValue = "nearest",
            description =
                    "How weights are rounded to their grid: nearest (in the power domain, as"
                            + " the paper), nearest-level (to the nearest level in weight units) or"
                            + " error-aware (SQuant-style). Default: ${DEFAULT-VALUE}.")
    String rounding;

    @Option(
            names = "--activation-rounding",
            paramLabel = "R",
            defaultValue = "power-domain",
            description =
                    "How activations are rounded to their grid: power-domain (round(N x^a), as the"
                            + " paper) or nearest-level (to the nearest level in activation units;"
                            + " ranges and exponents are calibrated for it; the same for uniform"
                            + " grids). Default: ${DEFAULT-VALUE}.")
    String activationRounding;

    @Option(
            names = "--size-budget",
            paramLabel = "B",
            description =
                    "Mixed precision: each layer gets its own width, from one bit below --weight-bits"
                            + " (at least 2) to 8, chosen data-free so that the codes take at most B"
                            + " bits per weight on average (default: every layer at --weight-bits).")
    Double sizeBudget;

    @Option(
            names = "--bias-correction",
            description =
                    "Correct each layer's bias for the output shift its weight error causes,"
                            + " data-free; torchvision ResNets only (default: off).")
    boolean biasCorrection;

    /**
     * @return the options the flags set, without the input size and the calibration images (which
     *     come from the preprocessing and the opened data set)
     * @throws InvalidInputException for a flag whose text is not a value of its kind
     */
    QuantizationOptions.Builder builder() {
        QuantizationOptions.Builder builder =
                QuantizationOptions.builder()
                        .weightBits(weightBits == null ? 0 : nonZero(weightBits))
                        .activationBits(activationBits(activationBits))
                        .lastLayerBits(lastLayerBits == null ? 0 : lastLayerBits)
                        .quantizeInput(quantizeInput)
                        .method(method(method))
                        .perTensor(perTensor)
                        .skip(skip)
                        .exponentBounds(exponentMin, exponentMax)
                        .tolerance(tolerance)
                        .calibrationImages(calibrationImages)
                        .seed(seed)
                        .clipping(clipping)
                        .rounding(rounding(rounding))
                        .activationRounding(activationRounding(activationRounding))
                        .biasCorrection(biasCorrection)
                        .sizeBudget(sizeBudget == null ? 0 : nonZero(sizeBudget));
        if (calibrationMode != null) {
            builder.calibrationMode(CalibrationMode.parse(calibrationMode));
        }
        if (lastLayerBits != null) {
            BitWidth.check(lastLayerBits, Role.LAST_LAYER_BITS);
        }
        return builder;
    }

    /**
     * Returns the options, checked, with the input size and calibration images given.
     *
     * @return the options, checked, with the input size and calibration images given
     */
    QuantizationOptions options(int[] inputSize, CalibrationImages calibrationData) {
        QuantizationOptions.Builder builder = builder().calibrationData(calibrationData);
        if (inputSize != null) {
            builder.inputSize(inputSize[0], inputSize[1]);
        }
        return builder.build();
    }

    /**
     * Checks every flag before any file is opened: the calibration images, if asked for, stand in
     * as a placeholder.
     *
     * @return the options, checked, with the placeholder as their calibration images
     */
    QuantizationOptions check(int[] inputSize) {
        return options(inputSize, calibration == null ? null : PLACEHOLDER);
    }

    /**
     * Returns the quantization and calibration options given on a command line, by their longest
     * names, in the order given.
     *
     * @param spec the command, whose mixin of these options is named {@code quantization}
     * @return the quantization and calibration options given on a command line
     */
    static List<String> given(CommandSpec spec) {
        Set<String> names =
                spec.mixins().get("quantization").options().stream()
                        .map(OptionSpec::longestName)
                        .collect(Collectors.toSet());
        return spec.commandLine().getParseResult().matchedOptions().stream()
                .map(OptionSpec::longestName)
                .filter(names::contains)
                .distinct()
                .toList();
    }

    /**
     * Refuses the options given that nothing would use, for a command that runs one method with its
     * own {@code --weight-bits} and {@code --activation-bits} ({@code quantize}, {@code evaluate});
     * see {@link #refuseUnused(List, QuantizationOptions, List, String, String)}.
     *
     * @param spec the command
     * @param options the command's options, checked
     */
    static void refuseUnused(CommandSpec spec, QuantizationOptions options) {
        refuseUnused(
                given(spec),
                options,
                List.of(options.method()),
                "--weight-bits",
                "--activation-bits");
    }

    /**
     * Refuses the options given that nothing would use, in one line naming them: every option when
     * no weight is quantized, {@code --seed} without a synthetic calibration (it seeds that
     * calibration's noise only), {@code --calibration-images} without {@code --calibration}. They
     * used to be accepted and ignored; the exponent search's bounds and tolerance when no power
     * method runs (uniform grids have the exponent 1 and search none).
     *
     * @param given the options given, from {@link #given(CommandSpec)}
     * @param options the options checked: the command's, or those of the comparison's setting that
     *     uses the most of them ({@link Settings#base})
     * @param methods the methods that run: the command's, or the comparison's
     * @param weightsFrom what quantizes weights, e.g. {@code --weight-bits}
     * @param activationsFrom what quantizes activations, e.g. {@code --activation-bits}
     */
    static void refuseUnused(
            List<String> given,
            QuantizationOptions options,
            List<QuantizationMethod> methods,
            String weightsFrom,
            String activationsFrom) {
        if (given.isEmpty()) {
            return;
        }
        if (options.isFloat()) {
            throw new IllegalArgumentException(
                    String.join(", ", given)
                            + (given.size() == 1 ? " needs " : " need ")
                            + weightsFrom
                            + " (without it nothing is quantized and "
                            + (given.size() == 1 ? "it does" : "they do")
                            + " nothing)");
        }
        if (given.contains("--seed") && options.calibrationMode() != CalibrationMode.SYNTHETIC) {
            throw new IllegalArgumentException(
                    "--seed seeds the synthetic calibration's noise only, unused "
                            + (options.calibrationMode() == null
                                    ? "without " + activationsFrom
                                    : "with calibration mode " + options.calibrationMode()));
        }
        if (given.contains("--calibration-images")
                && options.calibrationMode() != CalibrationMode.DATA) {
            throw new IllegalArgumentException(
                    "--calibration-images needs --calibration: it counts the real calibration"
                            + " images, unused without them");
        }
        List<String> search =
                given.stream().filter(EXPONENT_SEARCH::contains).collect(Collectors.toList());
        if (!search.isEmpty() && !methods.contains(QuantizationMethod.POWER)) {
            throw new IllegalArgumentException(
                    String.join(", ", search)
                            + (search.size() == 1 ? " sets" : " set")
                            + " the power method's exponent search, unused with the uniform method"
                            + " alone (its exponent is 1)");
        }
    }

    /** The options of the power method's exponent search, which the uniform method does not run. */
    private static final Set<String> EXPONENT_SEARCH =
            Set.of("--exponent-min", "--exponent-max", "--tolerance");

    /**
     * Returns the calibration images that stand in for the data set while the flags are checked.
     *
     * @return the calibration images that stand in for the data set while the flags are checked
     */
    CalibrationImages placeholder() {
        return calibration == null ? null : PLACEHOLDER;
    }

    private static final CalibrationImages PLACEHOLDER =
            new CalibrationImages() {
                @Override
                public int size() {
                    return 1;
                }

                @Override
                public int[] imageShape() {
                    return new int[] {1, 1, 1};
                }

                @Override
                public float[] image(int index) {
                    return new float[1];
                }

                @Override
                public String description() {
                    return "the calibration data";
                }
            };

    /** Adds the calibration data set's files, if any, to the inputs checked. */
    FileChecks calibrationInputs(FileChecks files) {
        DatasetSpec spec = calibrationSpec();
        return spec == null ? files : files.inputs("--calibration", spec.files());
    }

    /**
     * Returns the calibration images, preprocessed exactly as evaluation images, or null.
     *
     * @return the calibration images, preprocessed exactly as evaluation images, or null
     */
    CalibrationImages openCalibration(Preprocessing preprocessing) throws java.io.IOException {
        DatasetSpec spec = calibrationSpec();
        return spec == null ? null : new DatasetCalibrationImages(spec.open(), preprocessing);
    }

    /**
     * Returns the calibration data set's specification, or null.
     *
     * @return the calibration data set's specification, or null
     */
    DatasetSpec calibrationSpec() {
        return calibration == null ? null : DatasetSpec.parse(calibration, Role.CALIBRATION_DATA);
    }

    /**
     * Returns whether a bit width, a size budget or a method was given (an artifact takes none: it
     * is quantized).
     *
     * @return whether a bit width, a size budget or a method was given (an artifact takes none: it
     *     is quantized)
     */
    boolean quantizes() {
        return weightBits != null
                || sizeBudget != null
                || !"float".equals(activationBits)
                || !"power".equals(method);
    }

    /** The flags {@code compare} and {@code demo} refuse: they have {@code --settings}. */
    static final List<String> BIT_WIDTHS =
            List.of("--weight-bits", "--activation-bits", "--size-budget", "--method");

    /**
     * Refuses the flags {@code compare} and {@code demo} do not take: they read bit widths and
     * methods from {@code --settings} and {@code --methods}.
     */
    void refuseBitWidths(String command) {
        if (quantizes()) {
            throw new InvalidInputException(
                    Role.SETTINGS,
                    "and --methods set the bit widths and methods of "
                            + command
                            + ": --weight-bits, --activation-bits, --size-budget and --method are"
                            + " not taken (a size budget is a setting: w4b4.25 for --weight-bits 4"
                            + " --size-budget 4.25)");
        }
    }

    private static double nonZero(double budget) {
        if (budget == 0) {
            throw new InvalidInputException(
                    Role.SIZE_BUDGET, "must be a number of bits per weight, got 0");
        }
        return budget;
    }

    private static int nonZero(int bits) {
        return BitWidth.check(bits, Role.WEIGHT_BITS);
    }

    private static QuantizationMethod method(String text) {
        try {
            return QuantizationMethod.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    Role.METHOD, "must be power or uniform, got '" + text + "'", e);
        }
    }

    private static WeightRounding rounding(String text) {
        String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        for (WeightRounding r : WeightRounding.values()) {
            if (r.name().toLowerCase(Locale.ROOT).replace('_', '-').equals(s)) {
                return r;
            }
        }
        throw new InvalidInputException(
                Role.WEIGHT_ROUNDING,
                "must be nearest, nearest-level or error-aware, got '" + text + "'");
    }

    private static CodeRounding activationRounding(String text) {
        try {
            return CodeRounding.parse(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(
                    Role.ACTIVATION_ROUNDING,
                    "must be power-domain or nearest-level, got '" + text + "'",
                    e);
        }
    }

    /**
     * Parses an activation bit width.
     *
     * @param value 2 to 8, or {@code float}
     * @return the bits, 0 for float
     */
    static int activationBits(String value) {
        String v = value == null ? "float" : value.trim().toLowerCase(Locale.ROOT);
        if (v.equals("float") || v.equals("fp32")) {
            return 0;
        }
        try {
            int bits = Integer.parseInt(v);
            if (BitWidth.isValid(bits)) {
                return bits;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException(
                Role.ACTIVATION_BITS, "must be between 2 and 8 or float, got '" + value + "'");
    }
}
