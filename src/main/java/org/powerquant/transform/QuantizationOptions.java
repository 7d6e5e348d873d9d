package org.powerquant.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.calibrate.ActivationCalibration;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.calibrate.CalibrationMode;
import org.powerquant.calibrate.DataCalibration;
import org.powerquant.calibrate.DistilledData;
import org.powerquant.calibrate.SyntheticCalibration;
import org.powerquant.quant.BitWidth;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.ExponentSearch;
import org.powerquant.quant.MixedPrecision;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;

/**
 * Every quantization and calibration setting in one immutable value, validated when built, with the
 * one factory that turns it into a {@link PowerQuantTransform} ({@link #transform()}). The API and
 * every command build their transforms here, so the same settings give the same transform.
 *
 * <pre>{@code
 * PowerQuantTransform transform = QuantizationOptions.builder()
 *         .weightBits(4).activationBits(4)
 *         .inputSize(64, 64)          // the size of the preprocessed images
 *         .build()
 *         .transform();
 * }</pre>
 *
 * <p>Errors are {@link InvalidInputException}s naming the {@link Role} at fault. Adding a setting
 * is one field, one builder method, its check in {@link Builder#build()} and its use in {@link
 * #transformBuilder()}.
 */
public final class QuantizationOptions {

    /** The calibration images used by default in {@link CalibrationMode#DATA} mode. */
    public static final int DEFAULT_CALIBRATION_IMAGES = 256;

    /** The largest input side accepted (larger images would not fit in a Java array). */
    public static final int MAX_INPUT_SIDE = 8192;

    private final int weightBits;
    private final int activationBits;
    private final int lastLayerBits;
    private final boolean quantizeInput;
    private final QuantizationMethod method;
    private final boolean perTensor;
    private final List<String> skip;
    private final double exponentMin;
    private final double exponentMax;
    private final double tolerance;
    private final CalibrationMode calibrationMode;
    private final CalibrationMode requestedMode;
    private final CalibrationImages calibrationData;
    private final int calibrationImages;
    private final long seed;
    private final int inputHeight;
    private final int inputWidth;
    private final boolean clipping;
    private final WeightRounding rounding;
    private final CodeRounding activationRounding;
    private final boolean biasCorrection;
    private final double sizeBudget;

    private QuantizationOptions(Builder b) {
        weightBits = b.weightBits;
        activationBits = b.activationBits;
        lastLayerBits = b.lastLayerBits;
        quantizeInput = b.quantizeInput;
        method = b.method;
        perTensor = b.perTensor;
        skip = List.copyOf(b.skip);
        exponentMin = b.exponentMin;
        exponentMax = b.exponentMax;
        tolerance = b.tolerance;
        calibrationData = b.calibrationData;
        calibrationImages = b.calibrationImages;
        seed = b.seed;
        inputHeight = b.inputHeight;
        inputWidth = b.inputWidth;
        clipping = b.clipping;
        rounding = b.rounding;
        activationRounding = b.activationRounding;
        biasCorrection = b.biasCorrection;
        sizeBudget = b.sizeBudget;
        requestedMode = b.calibrationMode;
        calibrationMode =
                activationBits == 0
                        ? null
                        : b.calibrationMode != null
                                ? b.calibrationMode
                                : calibrationData != null
                                        ? CalibrationMode.DATA
                                        : CalibrationMode.defaultFor(activationBits);
    }

    /**
     * Returns a builder: float weights and activations (set {@link Builder#weightBits}),
     * PowerQuant, per channel, exponent in [0.2, 1] to 1e-3, seed 0, input size unknown.
     *
     * @return a builder: float weights and activations (set {@link Builder#weightBits}),
     *     PowerQuant, per channel, exponent in [0.2, 1] to 1e-3, seed 0, input size unknown
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding these settings.
     *
     * @return a builder holding these settings
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.weightBits = weightBits;
        b.activationBits = activationBits;
        b.lastLayerBits = lastLayerBits;
        b.quantizeInput = quantizeInput;
        b.method = method;
        b.perTensor = perTensor;
        b.skip = new ArrayList<>(skip);
        b.exponentMin = exponentMin;
        b.exponentMax = exponentMax;
        b.tolerance = tolerance;
        b.calibrationMode = requestedMode;
        b.calibrationData = calibrationData;
        b.calibrationImages = calibrationImages;
        b.seed = seed;
        b.inputHeight = inputHeight;
        b.inputWidth = inputWidth;
        b.clipping = clipping;
        b.rounding = rounding;
        b.activationRounding = activationRounding;
        b.biasCorrection = biasCorrection;
        b.sizeBudget = sizeBudget;
        return b;
    }

    /**
     * Checks an input size.
     *
     * @param height the height
     * @param width the width
     * @throws InvalidInputException for {@link Role#INPUT_SIZE} unless both are 1 to {@value
     *     #MAX_INPUT_SIDE}
     */
    public static void checkInputSize(int height, int width) {
        if (height < 1 || width < 1 || height > MAX_INPUT_SIDE || width > MAX_INPUT_SIDE) {
            throw new InvalidInputException(
                    Role.INPUT_SIZE,
                    "must be 1 to "
                            + MAX_INPUT_SIDE
                            + " pixels a side, got "
                            + height
                            + "x"
                            + width);
        }
    }

    /**
     * Checks the exponent search's interval and tolerance, as {@link Builder#build()} does; {@link
     * PowerQuantTransform.Builder} checks its own with it.
     *
     * @param lower the smallest exponent
     * @param upper the largest exponent
     * @param tolerance the search's absolute tolerance
     * @throws InvalidInputException for {@link Role#EXPONENT_BOUNDS} unless {@code 0 < lower <
     *     upper}, both finite, or for {@link Role#TOLERANCE} unless it is positive and smaller than
     *     the interval
     */
    public static void checkExponentSearch(double lower, double upper, double tolerance) {
        if (!Double.isFinite(lower) || !Double.isFinite(upper) || lower <= 0 || upper <= lower) {
            throw new InvalidInputException(
                    Role.EXPONENT_BOUNDS,
                    "must be finite with 0 < min < max, got [" + lower + ", " + upper + "]");
        }
        if (!Double.isFinite(tolerance) || tolerance <= 0 || tolerance >= upper - lower) {
            throw new InvalidInputException(
                    Role.TOLERANCE,
                    "must be positive and smaller than the exponent interval, got " + tolerance);
        }
    }

    /**
     * Checks the name patterns of the layers left in float.
     *
     * @param patterns the patterns
     * @throws InvalidInputException for {@link Role#SKIP} if the list or a pattern is null or blank
     */
    public static void checkSkip(java.util.Collection<String> patterns) {
        if (patterns == null) {
            throw new InvalidInputException(Role.SKIP, "is not given (null)");
        }
        for (String pattern : patterns) {
            if (pattern == null || pattern.isBlank()) {
                throw new InvalidInputException(Role.SKIP, "has an empty name pattern");
            }
        }
    }

    /**
     * Checks a size budget against the weight bits it is for.
     *
     * @param budget the average code bits per weight, or 0 for uniform width
     * @param weightBits the base weight width
     * @throws InvalidInputException for {@link Role#SIZE_BUDGET} unless it is 0 or from one bit
     *     below the weight bits (at least 2) to 8
     */
    public static void checkSizeBudget(double budget, int weightBits) {
        if (budget == 0) {
            return;
        }
        int lowest = MixedPrecision.candidates(weightBits)[0];
        if (!(budget >= lowest) || !(budget <= BitWidth.MAX)) {
            throw new InvalidInputException(
                    Role.SIZE_BUDGET,
                    String.format(
                            Locale.ROOT,
                            "must be between %d and %d bits per weight with %d-bit weights"
                                    + " (widths from %d to %d), got %s",
                            lowest,
                            BitWidth.MAX,
                            weightBits,
                            lowest,
                            BitWidth.MAX,
                            budget));
        }
    }

    /**
     * The transform these settings stand for: the one factory of the project.
     *
     * @return the transform
     * @throws InvalidInputException for {@link Role#WEIGHT_BITS} if the settings are float
     */
    public PowerQuantTransform transform() {
        return transformBuilder().build();
    }

    /**
     * A transform builder preset from these settings, for callers that add run-time hooks
     * (progress, threads) before building.
     *
     * @return the builder
     * @throws InvalidInputException for {@link Role#WEIGHT_BITS} if the settings are float
     */
    public PowerQuantTransform.Builder transformBuilder() {
        if (weightBits == 0) {
            throw new InvalidInputException(
                    Role.WEIGHT_BITS, "are not set: float settings have no transform");
        }
        PowerQuantTransform.Builder builder =
                PowerQuantTransform.builder()
                        .weightBits(weightBits)
                        .method(method)
                        .perTensor(perTensor)
                        .exponentBounds(exponentMin, exponentMax)
                        .tolerance(tolerance)
                        .skipLayers(skip)
                        .activationBits(activationBits)
                        .lastLayerBits(lastLayerBits)
                        .quantizeInput(quantizeInput)
                        .clipping(clipping)
                        .rounding(rounding)
                        .biasCorrection(biasCorrection)
                        .sizeBudget(sizeBudget);
        if (activationBits > 0) {
            builder.activationRounding(activationRounding);
            builder.calibration(calibration());
            if (inputHeight > 0) {
                builder.imageSize(inputHeight, inputWidth);
            }
        }
        return builder;
    }

    private ActivationCalibration calibration() {
        switch (calibrationMode) {
            case BN_MODEL:
                return new BatchNormModel();
            case DATA:
                return DataCalibration.builder(calibrationData, calibrationImages).build();
            case SYNTHETIC:
            default:
                return SyntheticCalibration.builder()
                        .imageSize(inputHeight, inputWidth)
                        .distiller(DistilledData.builder().seed(seed).build())
                        .build();
        }
    }

    /**
     * Returns whether nothing is quantized (no weight bits).
     *
     * @return whether nothing is quantized (no weight bits)
     */
    public boolean isFloat() {
        return weightBits == 0;
    }

    /**
     * Returns the bit widths as a setting ({@code fp32}, {@code w4}, {@code w4a4}, {@code
     * w4b4.25a4} with a size budget).
     *
     * @return the bit widths as a setting
     */
    public QuantizationSetting setting() {
        if (weightBits == 0) {
            return QuantizationSetting.FLOAT;
        }
        return QuantizationSetting.parse(
                "w"
                        + weightBits
                        + (sizeBudget > 0 ? "b" + sizeBudget : "")
                        + (activationBits > 0 ? "a" + activationBits : ""));
    }

    /**
     * Returns the weight bit width, 0 for float.
     *
     * @return the weight bit width, 0 for float
     */
    public int weightBits() {
        return weightBits;
    }

    /**
     * Returns the activation bit width, 0 for float.
     *
     * @return the activation bit width, 0 for float
     */
    public int activationBits() {
        return activationBits;
    }

    /**
     * Returns the final dense layer's input bits, 0 for the default {@code max(A, 8)}.
     *
     * @return the final dense layer's input bits, 0 for the default {@code max(A, 8)}
     */
    public int lastLayerBits() {
        return lastLayerBits;
    }

    /**
     * Returns whether the image input is quantized.
     *
     * @return whether the image input is quantized
     */
    public boolean quantizeInput() {
        return quantizeInput;
    }

    /**
     * Returns power or uniform.
     *
     * @return power or uniform
     */
    public QuantizationMethod method() {
        return method;
    }

    /**
     * Returns whether scales are per tensor.
     *
     * @return whether scales are per tensor
     */
    public boolean perTensor() {
        return perTensor;
    }

    /**
     * Returns the name patterns of weights left in float.
     *
     * @return the name patterns of weights left in float
     */
    public List<String> skip() {
        return skip;
    }

    /**
     * Returns the smallest exponent searched.
     *
     * @return the smallest exponent searched
     */
    public double exponentMin() {
        return exponentMin;
    }

    /**
     * Returns the largest exponent searched.
     *
     * @return the largest exponent searched
     */
    public double exponentMax() {
        return exponentMax;
    }

    /**
     * Returns the exponent search's tolerance.
     *
     * @return the exponent search's tolerance
     */
    public double tolerance() {
        return tolerance;
    }

    /**
     * Returns the calibration mode in effect, or null without activation bits.
     *
     * @return the calibration mode in effect, or null without activation bits
     */
    public CalibrationMode calibrationMode() {
        return calibrationMode;
    }

    /**
     * Returns the real calibration images, or null.
     *
     * @return the real calibration images, or null
     */
    public CalibrationImages calibrationData() {
        return calibrationData;
    }

    /**
     * Returns how many calibration images are asked for.
     *
     * @return how many calibration images are asked for
     */
    public int calibrationImages() {
        return calibrationImages;
    }

    /**
     * Returns the seed of the synthetic images' noise.
     *
     * @return the seed of the synthetic images' noise
     */
    public long seed() {
        return seed;
    }

    /**
     * Returns whether each layer's weight range is clipped, the ratio searched with the exponent.
     *
     * @return whether each layer's weight range is clipped, the ratio searched with the exponent
     */
    public boolean clipping() {
        return clipping;
    }

    /**
     * Returns how weights are rounded to their grid.
     *
     * @return how weights are rounded to their grid
     */
    public WeightRounding rounding() {
        return rounding;
    }

    /**
     * Returns how activations are rounded to their grid's codes.
     *
     * @return how activations are rounded to their grid's codes
     */
    public CodeRounding activationRounding() {
        return activationRounding;
    }

    /**
     * Returns whether biases are corrected for the weights' expected output shift.
     *
     * @return whether biases are corrected for the weights' expected output shift
     */
    public boolean biasCorrection() {
        return biasCorrection;
    }

    /**
     * Returns the average code bits per weight of mixed precision, or 0 for uniform width.
     *
     * @return the average code bits per weight of mixed precision, or 0 for uniform width
     */
    public double sizeBudget() {
        return sizeBudget;
    }

    /**
     * Returns the network's input (height, width), or null when unknown.
     *
     * @return the network's input (height, width), or null when unknown
     */
    public int[] inputSize() {
        return inputHeight == 0 ? null : new int[] {inputHeight, inputWidth};
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "QuantizationOptions[%s, %s%s, calibration %s]",
                setting(),
                method.name().toLowerCase(Locale.ROOT),
                perTensor ? ", per tensor" : "",
                calibrationMode == null ? "none" : calibrationMode.label());
    }

    /** Settings of a {@link QuantizationOptions}; checked together in {@link #build()}. */
    public static final class Builder {
        private int weightBits;
        private int activationBits;
        private int lastLayerBits;
        private boolean quantizeInput;
        private QuantizationMethod method = QuantizationMethod.POWER;
        private boolean perTensor;
        private List<String> skip = new ArrayList<>();
        private double exponentMin = ExponentSearch.DEFAULT_LOWER;
        private double exponentMax = ExponentSearch.WEIGHT_UPPER;
        private double tolerance = ExponentSearch.DEFAULT_TOLERANCE;
        private CalibrationMode calibrationMode;
        private CalibrationImages calibrationData;
        private int calibrationImages = DEFAULT_CALIBRATION_IMAGES;
        private long seed;
        private int inputHeight;
        private int inputWidth;
        private boolean clipping;
        private WeightRounding rounding = WeightRounding.NEAREST;
        private CodeRounding activationRounding = CodeRounding.POWER_DOMAIN;
        private boolean biasCorrection;
        private double sizeBudget;

        private Builder() {}

        /**
         * Sets the weights' bit width.
         *
         * @param bits 2 to 8, or 0 for float weights (the default)
         * @return this builder
         */
        public Builder weightBits(int bits) {
            this.weightBits = bits;
            return this;
        }

        /**
         * Sets the activations' bit width.
         *
         * @param bits 2 to 8, or 0 for float activations (the default); needs weight bits
         * @return this builder
         */
        public Builder activationBits(int bits) {
            this.activationBits = bits;
            return this;
        }

        /**
         * Sets both bit widths and the size budget from a setting.
         *
         * @param setting e.g. {@code w4a4}, or {@code w4.25a4} for mixed precision
         * @return this builder
         */
        public Builder setting(QuantizationSetting setting) {
            this.weightBits = setting.weightBits();
            this.activationBits = setting.activationBits();
            this.sizeBudget = setting.sizeBudget();
            return this;
        }

        /**
         * Sets the bit width of the final dense layer's input.
         *
         * @param bits 2 to 8, or 0 for {@code max(activation bits, 8)} (the default)
         * @return this builder
         */
        public Builder lastLayerBits(int bits) {
            this.lastLayerBits = bits;
            return this;
        }

        /**
         * Sets whether the image input is quantized.
         *
         * @param quantize whether the image input is quantized too (default false)
         * @return this builder
         */
        public Builder quantizeInput(boolean quantize) {
            this.quantizeInput = quantize;
            return this;
        }

        /**
         * Sets the quantization method.
         *
         * @param quantizationMethod power (default) or uniform
         * @return this builder
         */
        public Builder method(QuantizationMethod quantizationMethod) {
            this.method = Objects.requireNonNull(quantizationMethod, "method");
            return this;
        }

        /**
         * Sets whether weights get one scale per tensor.
         *
         * @param tensor one scale per tensor instead of per output channel (default false)
         * @return this builder
         */
        public Builder perTensor(boolean tensor) {
            this.perTensor = tensor;
            return this;
        }

        /**
         * Sets the weights left in float.
         *
         * @param patterns weight names left in float; {@code *} matches anything
         * @return this builder
         */
        public Builder skip(List<String> patterns) {
            // null is refused, for the role, by build()
            this.skip = patterns == null ? null : new ArrayList<>(patterns);
            return this;
        }

        /**
         * Sets the interval of the exponent search.
         *
         * @param lower the smallest exponent searched, {@code > 0}
         * @param upper the largest, {@code > lower}
         * @return this builder
         */
        public Builder exponentBounds(double lower, double upper) {
            this.exponentMin = lower;
            this.exponentMax = upper;
            return this;
        }

        /**
         * Sets the exponent search's tolerance.
         *
         * @param absoluteTolerance the exponent search's tolerance, {@code > 0}
         * @return this builder
         */
        public Builder tolerance(double absoluteTolerance) {
            this.tolerance = absoluteTolerance;
            return this;
        }

        /**
         * Sets how activation grids are found.
         *
         * @param mode how activation grids are found, or null for the default (data when
         *     calibration data is given, else synthetic)
         * @return this builder
         */
        public Builder calibrationMode(CalibrationMode mode) {
            this.calibrationMode = mode;
            return this;
        }

        /**
         * Sets the real calibration images.
         *
         * @param images real calibration images, preprocessed as the network expects, or null
         * @return this builder
         */
        public Builder calibrationData(CalibrationImages images) {
            this.calibrationData = images;
            return this;
        }

        /**
         * Sets how many calibration images are used.
         *
         * @param count how many of the first calibration images are used (default {@value
         *     #DEFAULT_CALIBRATION_IMAGES})
         * @return this builder
         */
        public Builder calibrationImages(int count) {
            this.calibrationImages = count;
            return this;
        }

        /**
         * Sets the seed of the synthetic images' noise.
         *
         * @param noiseSeed the seed of the synthetic images' initial noise (default 0)
         * @return this builder
         */
        public Builder seed(long noiseSeed) {
            this.seed = noiseSeed;
            return this;
        }

        /**
         * Sets whether weight ranges are clipped.
         *
         * @param clip whether each layer's weight range is clipped, the ratio searched jointly with
         *     the exponent (default false; see {@link PowerQuantTransform.Builder#clipping})
         * @return this builder
         */
        public Builder clipping(boolean clip) {
            this.clipping = clip;
            return this;
        }

        /**
         * Sets how weights are rounded to their grid.
         *
         * @param weightRounding nearest (the default) or error-aware (see {@link
         *     PowerQuantTransform.Builder#rounding})
         * @return this builder
         */
        public Builder rounding(WeightRounding weightRounding) {
            this.rounding = Objects.requireNonNull(weightRounding, "weight rounding");
            return this;
        }

        /**
         * Sets how activations are rounded to their grid.
         *
         * @param codeRounding how activations are rounded to their grid's codes: power-domain (the
         *     default, as in the paper) or nearest-level (see {@link
         *     PowerQuantTransform.Builder#activationRounding})
         * @return this builder
         */
        public Builder activationRounding(CodeRounding codeRounding) {
            this.activationRounding = Objects.requireNonNull(codeRounding, "activation rounding");
            return this;
        }

        /**
         * Sets whether biases are corrected.
         *
         * @param correct whether biases are corrected for the weights' expected output shift
         *     (default false; see {@link PowerQuantTransform.Builder#biasCorrection})
         * @return this builder
         */
        public Builder biasCorrection(boolean correct) {
            this.biasCorrection = correct;
            return this;
        }

        /**
         * Sets the size budget of mixed precision.
         *
         * @param averageBits the average code bits per weight of mixed precision, from one bit
         *     below the weight bits (at least 2) to 8, or 0 for uniform width (the default; see
         *     {@link PowerQuantTransform.Builder#sizeBudget})
         * @return this builder
         */
        public Builder sizeBudget(double averageBits) {
            this.sizeBudget = averageBits;
            return this;
        }

        /**
         * Sets the network's input size: the size of the preprocessed images; synthetic calibration
         * distils images of this size. There is no default.
         *
         * @param height the height
         * @param width the width
         * @return this builder
         */
        public Builder inputSize(int height, int width) {
            this.inputHeight = height;
            this.inputWidth = width;
            return this;
        }

        /**
         * Checks every setting, alone and together.
         *
         * @return the options
         * @throws InvalidInputException naming the role at fault
         */
        public QuantizationOptions build() {
            BitWidth.checkUnlessZero(weightBits, Role.WEIGHT_BITS);
            BitWidth.checkUnlessZero(activationBits, Role.ACTIVATION_BITS);
            BitWidth.checkUnlessZero(lastLayerBits, Role.LAST_LAYER_BITS);
            if (activationBits > 0 && weightBits == 0) {
                throw new InvalidInputException(Role.ACTIVATION_BITS, "need weight bits");
            }
            if (sizeBudget != 0 && weightBits == 0) {
                throw new InvalidInputException(Role.SIZE_BUDGET, "needs weight bits");
            }
            checkSizeBudget(sizeBudget, weightBits);
            if (activationBits == 0) {
                if (lastLayerBits != 0) {
                    throw new InvalidInputException(Role.LAST_LAYER_BITS, "need activation bits");
                }
                if (quantizeInput) {
                    throw new InvalidInputException(Role.QUANTIZE_INPUT, "needs activation bits");
                }
                if (calibrationMode != null) {
                    throw new InvalidInputException(Role.CALIBRATION_MODE, "needs activation bits");
                }
                if (calibrationData != null) {
                    throw new InvalidInputException(Role.CALIBRATION_DATA, "needs activation bits");
                }
                if (activationRounding != CodeRounding.POWER_DOMAIN) {
                    throw new InvalidInputException(
                            Role.ACTIVATION_ROUNDING, "needs activation bits");
                }
            }
            checkExponentSearch(exponentMin, exponentMax, tolerance);
            checkSkip(skip);
            if (calibrationImages < 1) {
                throw new InvalidInputException(
                        Role.CALIBRATION_IMAGES, "must be at least 1, got " + calibrationImages);
            }
            if (inputHeight != 0 || inputWidth != 0) {
                checkInputSize(inputHeight, inputWidth);
            }
            QuantizationOptions options = new QuantizationOptions(this);
            CalibrationMode mode = options.calibrationMode;
            if (mode != null) {
                if (calibrationData != null && mode != CalibrationMode.DATA) {
                    throw new InvalidInputException(
                            Role.CALIBRATION_DATA, "needs calibration mode data, got " + mode);
                }
                if (mode == CalibrationMode.DATA && calibrationData == null) {
                    throw new InvalidInputException(
                            Role.CALIBRATION_DATA, "is needed by calibration mode data");
                }
                if (mode == CalibrationMode.SYNTHETIC && inputHeight == 0) {
                    throw new InvalidInputException(
                            Role.INPUT_SIZE,
                            "is unknown: synthetic calibration distils images of the network's"
                                    + " input size");
                }
            }
            return options;
        }
    }
}
