package org.powerquant.transform;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.calibrate.ActivationCalibration;
import org.powerquant.calibrate.ActivationSite;
import org.powerquant.calibrate.ActivationSites;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.calibrate.BiasCorrection;
import org.powerquant.calibrate.CorrectableLayer;
import org.powerquant.calibrate.ResNetBiasTargets;
import org.powerquant.nn.ActivationQuantizer;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.BatchNormFolding;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.HookableNetwork;
import org.powerquant.nn.NetworkGraph;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.BitAllocator;
import org.powerquant.quant.BitWidth;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.ExponentSearch;
import org.powerquant.quant.MixedPrecision;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.QuantizedWeights;
import org.powerquant.quant.ScaleMode;
import org.powerquant.quant.Sensitivity;
import org.powerquant.quant.WeightQuantizer;
import org.powerquant.quant.WeightTensor;

/**
 * Quantizes the convolution and dense weights of a DJL model in place with PowerQuant (or the
 * uniform baseline) and reports what it did.
 *
 * <pre>{@code
 * PowerQuantTransform transform = PowerQuantTransform.builder().weightBits(4).build();
 * QuantizationReport report = transform.apply(model);
 * System.out.println(report.toTable());
 * }</pre>
 *
 * <p>The walk ({@link BlockWalker}) covers DJL-native {@code Conv1d/2d/3d}, transposed convolutions
 * and {@code Linear}, and TorchScript models by parameter name and shape. Biases and batch-norm
 * parameters stay float. Layers are quantized in parallel; the weights are read from and written
 * back to the engine on the calling thread. TorchScript parameters loaded with {@code
 * trainParam=true} record gradients and refuse in-place writes: each such parameter is frozen for
 * the write and its gradient recording restored afterwards.
 *
 * <p>With {@link Builder#activationBits(int) activation bits}, the block must be a DJL-native
 * {@link ConvNetwork} whose every block its {@link NetworkGraph} understands (import a TorchScript
 * torchvision ResNet or MobileNetV2 with {@code TorchvisionImporter}, or load it with {@code
 * PowerQuant.loadQuantized}, which does so): its batch norms are folded into the convolutions
 * ({@link BatchNormFolding}), the folded weights quantized, every activation site ({@link
 * ActivationSites}) calibrated with the {@link ActivationCalibration} (data-free by default:
 * synthetic data at every bit width; see {@link Builder#calibration}) and an {@link
 * ActivationQuantizer} installed on it. The report then has one activation row per site.
 *
 * <p>Instances are immutable and can be applied to many models.
 */
public final class PowerQuantTransform {

    private final WeightQuantizer quantizer;
    private final Predicate<String> skip;
    private final Map<String, Pattern> skipPatterns;
    private final int threads;
    private final int activationBits;
    private final int lastLayerBits;
    private final boolean quantizeInput;
    private final ActivationCalibration calibration;
    private final Consumer<String> progress;
    private final boolean biasCorrection;
    private final MixedPrecision mixedPrecision;
    private final CodeRounding activationRounding;

    private PowerQuantTransform(Builder builder) {
        activationRounding = builder.activationRounding;
        biasCorrection = builder.biasCorrection;
        activationBits = builder.activationBits;
        lastLayerBits =
                builder.lastLayerBits > 0
                        ? builder.lastLayerBits
                        : Math.max(activationBits, org.powerquant.quant.BitWidth.MAX);
        quantizeInput = builder.quantizeInput;
        calibration =
                builder.calibration != null
                        ? builder.calibration
                        : activationBits > 0
                                ? org.powerquant.calibrate.SyntheticCalibration.builder()
                                        .imageSize(builder.imageHeight, builder.imageWidth)
                                        .build()
                                : new BatchNormModel();
        ExponentSearch search =
                ExponentSearch.builder()
                        .bounds(builder.lowerExponent, builder.upperExponent)
                        .tolerance(builder.tolerance)
                        .build();
        quantizer =
                WeightQuantizer.builder()
                        .bits(builder.weightBits)
                        .scaleMode(builder.scaleMode)
                        .method(builder.method)
                        .search(search)
                        .clipping(builder.clipping)
                        .rounding(builder.rounding)
                        .build();
        mixedPrecision =
                builder.sizeBudget > 0
                        ? new MixedPrecision(
                                quantizer,
                                builder.sensitivity,
                                MixedPrecision.candidates(builder.weightBits),
                                builder.sizeBudget)
                        : null;
        skip = builder.skip;
        skipPatterns = new LinkedHashMap<>(builder.skipPatterns);
        threads = builder.threads;
        progress = builder.progress;
    }

    /**
     * Returns a builder: 4-bit weights, per channel, PowerQuant, exponent in [0.2, 1] to 1e-3.
     *
     * @return a builder: 4-bit weights, per channel, PowerQuant, exponent in [0.2, 1] to 1e-3
     */
    public static Builder builder() {
        return new Builder();
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
     * Returns the mixed precision that chooses each layer's width, or null when every layer gets
     * the weight bit width.
     *
     * @return the mixed precision that chooses each layer's width, or null when every layer gets
     *     the weight bit width
     */
    public MixedPrecision mixedPrecision() {
        return mixedPrecision;
    }

    /**
     * Returns the activation bit width, or 0 if activations stay float.
     *
     * @return the activation bit width, or 0 if activations stay float
     */
    public int activationBits() {
        return activationBits;
    }

    /**
     * Returns whether this transform needs the model as DJL-native blocks (a TorchScript model
     * imported with {@code TorchvisionImporter}): activation bits and bias correction do.
     *
     * @return whether this transform needs the model as DJL-native blocks (a TorchScript model
     *     imported with {@code TorchvisionImporter}): activation bits and bias correction do
     */
    public boolean needsNativeGraph() {
        return activationBits > 0 || biasCorrection;
    }

    /**
     * Returns the bit width of the final dense layer's input (used only with activation bits).
     *
     * @return the bit width of the final dense layer's input (used only with activation bits)
     */
    public int lastLayerBits() {
        return lastLayerBits;
    }

    /**
     * Returns whether the image input is quantized (used only with activation bits).
     *
     * @return whether the image input is quantized (used only with activation bits)
     */
    public boolean quantizeInput() {
        return quantizeInput;
    }

    /**
     * Returns the activation calibration (used only with activation bits).
     *
     * @return the activation calibration (used only with activation bits)
     */
    public ActivationCalibration calibration() {
        return calibration;
    }

    /**
     * Returns how activations are rounded to their grid's codes (used only with activation bits).
     *
     * @return how activations are rounded to their grid's codes (used only with activation bits)
     */
    public CodeRounding activationRounding() {
        return activationRounding;
    }

    /**
     * Returns the weight quantizer this transform applies to each layer.
     *
     * @return the weight quantizer this transform applies to each layer
     */
    public WeightQuantizer weightQuantizer() {
        return quantizer;
    }

    /**
     * Quantizes a model's weights in place. With activation bits, a model whose block is a DJL
     * {@code SequentialBlock} (DJL's zoo {@code ResNetV1}, {@code MobileNetV1}, {@code
     * MobileNetV2}, ...) is first rewritten into a {@link HookableNetwork} sharing its parameters,
     * which becomes the model's block: the same outputs, with ReLUs that can carry quantizers.
     *
     * @param model the model (its block must be initialised or loaded)
     * @return the report
     * @throws IllegalArgumentException naming the layer if a weight is not finite or not float32
     * @throws InvalidInputException for {@link Role#MODEL} if the block has no convolution or dense
     *     layer
     * @throws IllegalStateException naming the model if it is closed
     */
    public QuantizationReport apply(Model model) {
        Block block = block(model);
        if (rewritesForActivations(block)) {
            HookableNetwork network = rewrite(block);
            QuantizationReport report = apply(network);
            model.setBlock(network);
            return report;
        }
        return apply(block);
    }

    /**
     * Refuses a model this transform cannot quantize, without changing it: the checks {@link
     * #apply(Model)} makes before it writes anything (see {@link #check(Block)}). A caller that
     * quantizes later, such as a comparison that evaluates the float model first, calls it to
     * refuse up front.
     *
     * @param model the model as it will be given to {@link #apply(Model)}
     * @throws InvalidInputException for {@link Role#BIAS_CORRECTION} if the network is not a
     *     torchvision ResNet
     * @throws IllegalArgumentException if activation bits cannot be placed on the network, or a
     *     skip pattern matches no layer
     */
    public void check(Model model) {
        Block block = block(model);
        check(rewritesForActivations(block) ? rewrite(block) : block);
    }

    /**
     * Refuses a block this transform cannot quantize, without changing it: bias correction on a
     * network other than a {@link TorchvisionResNet}, activation bits on a block that is not a
     * DJL-native {@link ConvNetwork} whose every activation can carry a quantizer, a skip pattern
     * that matches no layer. {@link #apply(Block)} makes these checks before it writes anything.
     *
     * @param block the block as it will be given to {@link #apply(Block)}
     * @throws InvalidInputException for {@link Role#BIAS_CORRECTION} if the network is not a
     *     torchvision ResNet
     * @throws InvalidInputException for {@link Role#SKIP} if a skip pattern matches no layer, or
     *     for {@link Role#MODEL} if the block has no convolution or dense layer
     * @throws IllegalArgumentException if activation bits cannot be placed on the network
     */
    public void check(Block block) {
        checkNetwork(block);
        checkSkipPatterns(checkHasWeights(block, BlockWalker.sites(block)));
    }

    /** A block without any weight this transform quantizes would get an empty report. */
    private static List<WeightSite> checkHasWeights(Block block, List<WeightSite> sites) {
        if (sites.isEmpty()) {
            throw new InvalidInputException(
                    Role.MODEL,
                    "has no convolution or dense layer to quantize (its "
                            + block.getClass().getSimpleName()
                            + " holds none)");
        }
        return sites;
    }

    private static Block block(Model model) {
        if (!model.getNDManager().isOpen()) {
            throw new IllegalStateException(
                    "model " + model.getName() + " is closed: quantize it before closing it");
        }
        Block block = model.getBlock();
        if (block == null) {
            throw new IllegalArgumentException(
                    "model " + model.getName() + " has no block to quantize");
        }
        return block;
    }

    /**
     * DJL's zoo networks (ResNetV1, MobileNetV1/V2) and other sequences: lambda ReLUs and
     * ParallelBlock joins become hookable blocks sharing the same parameters.
     */
    private boolean rewritesForActivations(Block block) {
        return activationBits > 0
                && !(block instanceof ConvNetwork)
                && block instanceof ai.djl.nn.SequentialBlock;
    }

    private static HookableNetwork rewrite(Block block) {
        HookableNetwork network = HookableNetwork.rewrite(block);
        NetworkGraph.of(network).checkActivationsPlaceable();
        return network;
    }

    /**
     * Quantizes a block's weights in place.
     *
     * @param block the block
     * @return the report
     * @throws IllegalArgumentException naming the layer if a weight is not finite or not float32
     * @throws InvalidInputException for {@link Role#MODEL} if the block has no convolution or dense
     *     layer
     */
    public QuantizationReport apply(Block block) {
        long start = System.nanoTime();
        // Everything is validated before anything changes: a failing apply leaves the model as it
        // was, and a retry with corrected options works.
        ConvNetwork network = checkNetwork(block);
        Map<String, FoldedBatchNorm> folded = new LinkedHashMap<>();
        List<WeightSite> sites = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        List<WeightSite> all = checkHasWeights(block, BlockWalker.sites(block));
        for (WeightSite site : all) {
            if (skip.test(site.name())) {
                skipped.add(site.name());
            } else {
                sites.add(site);
            }
        }
        checkSkipPatterns(all);
        List<WeightTensor> inputs = new ArrayList<>(sites.size());
        for (WeightSite site : sites) {
            NDArray array = site.parameter().getArray();
            if (array.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException(
                        "layer "
                                + site.name()
                                + ": weights of type "
                                + array.getDataType()
                                + " are not supported,"
                                + " only float32");
            }
            float[] values = array.toFloatArray();
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new IllegalArgumentException(
                            "layer " + site.name() + ": weights contain " + v);
                }
            }
            inputs.add(new WeightTensor(site.name(), array.getShape().getShape(), values));
        }
        if (network != null) {
            ActivationSites toClear = activationSites(network);
            BatchNormFolding.checkFoldable(network);
            for (ActivationSite site : toClear) {
                site.clear();
            }
            for (FoldedBatchNorm bn : BatchNormFolding.fold(network)) {
                folded.put(bn.batchNormName(), bn);
            }
            inputs.clear(); // folding changed the weights: read them again
            for (WeightSite site : sites) {
                NDArray array = site.parameter().getArray();
                inputs.add(
                        new WeightTensor(
                                site.name(), array.getShape().getShape(), array.toFloatArray()));
            }
        }
        long weightStart = System.nanoTime();
        progress.accept(
                String.format(
                        java.util.Locale.ROOT,
                        "quantizing %d weight tensors to %d bits (%s)...",
                        inputs.size(),
                        quantizer.bits(),
                        quantizer.method().name().toLowerCase(java.util.Locale.ROOT)));
        int[] widths = null;
        if (mixedPrecision != null && !inputs.isEmpty()) {
            BitAllocator.Allocation allocation = mixedPrecision.allocate(inputs, threads);
            widths = allocation.bits();
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "widths chosen for %.3f bits per weight on average (%.1f s)",
                            allocation.averageBits(),
                            (System.nanoTime() - weightStart) / 1e9));
        }
        List<QuantizedWeights> results = quantizer.quantizeAll(inputs, widths, threads);
        progress.accept(
                String.format(
                        java.util.Locale.ROOT,
                        "weights quantized in %.1f s",
                        (System.nanoTime() - weightStart) / 1e9));
        List<LayerReport> layers = new ArrayList<>(sites.size());
        for (int i = 0; i < sites.size(); i++) {
            WeightSite site = sites.get(i);
            QuantizedWeights q = results.get(i);
            write(site.parameter().getArray(), q.values());
            layers.add(
                    new LayerReport(
                            site.name(),
                            site.kind(),
                            q.shape(),
                            q.bits(),
                            q.exponent(),
                            q.scaleMode() == ScaleMode.PER_CHANNEL ? "per-channel" : "per-tensor",
                            q.clip(),
                            q.scales(),
                            q.count(),
                            q.squaredError(),
                            q.uniformSquaredError()));
        }
        if (biasCorrection) {
            correctBiases(block, folded, sites, inputs, results);
        }
        List<ActivationReport> activations = new ArrayList<>();
        if (network != null) {
            ActivationSites activationSites = activationSites(network);
            long calibrationStart = System.nanoTime();
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "calibrating %d activation quantizers (%s)...",
                            activationSites.list().size(),
                            calibration.mode()));
            Map<String, ActivationGrid> grids =
                    calibration.calibrate(network, folded, activationSites, quantizer.method());
            progress.accept(
                    String.format(
                            java.util.Locale.ROOT,
                            "activations calibrated in %.1f s",
                            (System.nanoTime() - calibrationStart) / 1e9));
            NDManager tableOwner = ActivationQuantizers.tableOwner(network);
            for (ActivationSite site : activationSites) {
                ActivationGrid grid = grids.get(site.name());
                if (grid == null) {
                    throw new IllegalStateException(
                            calibration.mode()
                                    + " calibration returned no grid for activation "
                                    + site.name());
                }
                if (grid.rounding() != site.rounding()) {
                    throw new IllegalStateException(
                            calibration.mode()
                                    + " calibration returned a grid rounded "
                                    + grid.rounding().label()
                                    + " for activation "
                                    + site.name()
                                    + ", which is to be rounded "
                                    + site.rounding().label());
                }
                site.install(new ActivationQuantizer(grid, tableOwner));
                activations.add(
                        new ActivationReport(
                                site.name(),
                                grid.bits(),
                                grid.lower(),
                                grid.range(),
                                grid.exponent(),
                                grid.expectedError(),
                                grid.uniformExpectedError(),
                                calibration.mode(),
                                grid.rounding()));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String method = quantizer.method().name().toLowerCase(java.util.Locale.ROOT);
        if (network == null) {
            return new QuantizationReport(
                    method, quantizer.bits(), seconds, layers, skipped, activations);
        }
        return new QuantizationReport(
                method,
                quantizer.bits(),
                seconds,
                layers,
                skipped,
                activations,
                calibration.isDataFree(),
                calibration.warnings().stream()
                        .map(org.powerquant.calibrate.CalibrationWarning::message)
                        .toList());
    }

    /**
     * The checks on the network's kind, made before any weight is written: a refused transform
     * leaves the model as it was.
     *
     * @return the network activation quantizers go on, null without activation bits
     */
    private ConvNetwork checkNetwork(Block block) {
        if (biasCorrection && !(block instanceof TorchvisionResNet)) {
            throw new InvalidInputException(
                    Role.BIAS_CORRECTION,
                    "needs a torchvision ResNet (its layers' bias targets are known for ResNets"
                            + " only), got "
                            + block.getClass().getSimpleName());
        }
        if (activationBits == 0) {
            return null;
        }
        if (!(block instanceof ConvNetwork convNetwork)) {
            String hint =
                    block instanceof ai.djl.nn.SymbolBlock
                            ? ": a TorchScript model cannot take activation quantizers; import it as DJL blocks with"
                                    + " PowerQuant.loadQuantized or TorchvisionImporter.importModel"
                            : block instanceof ai.djl.nn.SequentialBlock
                                    ? ": rewrite it first with HookableNetwork.rewrite(block),"
                                            + " or apply the transform to its Model, which"
                                            + " does so"
                                    : "";
            throw new IllegalArgumentException(
                    "activation bits need a DJL-native network (TorchvisionResNet,"
                            + " TorchvisionMobileNetV2, HookableNetwork), got "
                            + block.getClass().getSimpleName()
                            + hint);
        }
        NetworkGraph.of(convNetwork).checkActivationsPlaceable();
        return convNetwork;
    }

    private void checkSkipPatterns(List<WeightSite> all) {
        for (Map.Entry<String, Pattern> pattern : skipPatterns.entrySet()) {
            if (all.stream().noneMatch(s -> pattern.getValue().matcher(s.name()).matches())) {
                throw new InvalidInputException(
                        Role.SKIP,
                        "pattern "
                                + pattern.getKey()
                                + " matches no layer"
                                + (all.isEmpty()
                                        ? ""
                                        : " (layers are named like " + all.get(0).name() + ")"));
            }
        }
    }

    private ActivationSites activationSites(ConvNetwork network) {
        return ActivationSites.of(
                network, activationBits, lastLayerBits, quantizeInput, activationRounding);
    }

    private static void correctBiases(
            Block block,
            Map<String, FoldedBatchNorm> folded,
            List<WeightSite> sites,
            List<WeightTensor> inputs,
            List<QuantizedWeights> results) {
        if (!(block instanceof TorchvisionResNet resnet)) {
            throw new IllegalArgumentException(
                    "bias correction needs a DJL-native TorchvisionResNet, got "
                            + block.getClass().getSimpleName());
        }
        Map<ai.djl.nn.Parameter, CorrectableLayer> targets =
                ResNetBiasTargets.of(resnet, folded.isEmpty() ? null : folded);
        for (int i = 0; i < sites.size(); i++) {
            CorrectableLayer target = targets.get(sites.get(i).parameter());
            if (target != null) {
                BiasCorrection.correct(
                        target,
                        results.get(i).shape(),
                        inputs.get(i).values(),
                        results.get(i).values());
            }
        }
    }

    private static void write(NDArray array, float[] values) {
        boolean recordsGradient = array.hasGradient();
        if (recordsGradient) {
            array.setRequiresGradient(false);
        }
        array.set(values);
        if (recordsGradient) {
            array.setRequiresGradient(true);
        }
    }

    /** Options of a {@link PowerQuantTransform}. */
    public static final class Builder {
        private int weightBits = 4;
        private ScaleMode scaleMode = ScaleMode.PER_CHANNEL;
        private QuantizationMethod method = QuantizationMethod.POWER;
        private double lowerExponent = ExponentSearch.DEFAULT_LOWER;
        private double upperExponent = ExponentSearch.WEIGHT_UPPER;
        private double tolerance = ExponentSearch.DEFAULT_TOLERANCE;
        private Predicate<String> skip = name -> false;
        private final Map<String, Pattern> skipPatterns = new LinkedHashMap<>();
        private int threads = Runtime.getRuntime().availableProcessors();
        private int activationBits;
        private int lastLayerBits;
        private boolean quantizeInput;
        private ActivationCalibration calibration;
        private int imageHeight;
        private int imageWidth;
        private Consumer<String> progress = line -> {};
        private boolean clipping;
        private boolean biasCorrection;
        private org.powerquant.quant.WeightRounding rounding =
                org.powerquant.quant.WeightRounding.NEAREST;
        private CodeRounding activationRounding = CodeRounding.POWER_DOMAIN;
        private double sizeBudget;
        private Sensitivity sensitivity = Sensitivity.RELATIVE_ERROR;

        /**
         * Mixed precision under a size budget: each layer gets its own width, between one bit below
         * the {@link #weightBits(int) weight bits} (at least 2) and 8, chosen so that the codes
         * take at most {@code averageBits} bits per weight on average (per-channel scales and
         * exponents, the same whatever the widths, are not counted) while the summed {@link
         * #sensitivity(Sensitivity) sensitivity} of the layers is least (an exact knapsack, see
         * {@link org.powerquant.quant.BitAllocator}). Data-free and deterministic. Off (0) by
         * default: every layer gets the weight bits.
         *
         * @param averageBits the average code bits per weight allowed, from one below the weight
         *     bits (at least 2) to 8, or 0 for uniform width
         * @return this builder
         */
        public Builder sizeBudget(double averageBits) {
            this.sizeBudget = averageBits;
            return this;
        }

        /**
         * Sets what the {@link #sizeBudget(double) size budget}'s allocation minimises: each
         * layer's squared weight error relative to its squared norm (the default) or in weight
         * units.
         *
         * @param layerSensitivity the sensitivity
         * @return this builder
         */
        public Builder sensitivity(Sensitivity layerSensitivity) {
            this.sensitivity = java.util.Objects.requireNonNull(layerSensitivity, "sensitivity");
            return this;
        }

        /**
         * Clips each layer's weight range to {@code c * max|w|} per channel, the ratio {@code c <=
         * 1} searched jointly with the exponent to minimise the exact squared error (off by
         * default; see {@link org.powerquant.quant.ClippingSearch}). Never worse, in squared error,
         * than the unclipped search.
         *
         * @param clip whether to clip
         * @return this builder
         */
        public Builder clipping(boolean clip) {
            this.clipping = clip;
            return this;
        }

        /**
         * Corrects each layer's bias by the expected output shift its weight error causes, from the
         * expected input the batch-norm statistics give (data-free bias correction, Nagel et al.
         * 2019; see {@link BiasCorrection}). Off by default; needs a DJL-native {@link
         * TorchvisionResNet}.
         *
         * @param correct whether to correct biases
         * @return this builder
         */
        public Builder biasCorrection(boolean correct) {
            this.biasCorrection = correct;
            return this;
        }

        /**
         * Sets how weights are rounded to their grid: nearest (the default) or error-aware
         * (SQuant-style, see {@link org.powerquant.quant.ErrorAwareRounding}); codes stay on the
         * grid either way.
         *
         * @param weightRounding the rounding
         * @return this builder
         */
        public Builder rounding(org.powerquant.quant.WeightRounding weightRounding) {
            this.rounding = java.util.Objects.requireNonNull(weightRounding, "weight rounding");
            return this;
        }

        /**
         * Sets how activations are rounded to their grid's codes: in the power domain, {@code
         * round(N x^a)} as in the paper (the default), or to the nearest level ({@link
         * CodeRounding#NEAREST_LEVEL}; the same for uniform grids). Every activation site is
         * calibrated for this rounding, its grid carries it, and the installed quantizers and saved
         * artifacts apply it.
         *
         * @param codeRounding the activation rounding
         * @return this builder
         */
        public Builder activationRounding(CodeRounding codeRounding) {
            this.activationRounding =
                    java.util.Objects.requireNonNull(codeRounding, "activation rounding");
            return this;
        }

        /**
         * Sets the input size of the network, used by the default synthetic calibration to generate
         * its images. There is no default: a transform with activation bits and no {@link
         * #calibration} refuses to build without it (see {@link QuantizationOptions}, which takes
         * it from the preprocessing).
         *
         * @param height the image height
         * @param width the image width
         * @return this builder
         */
        public Builder imageSize(int height, int width) {
            QuantizationOptions.checkInputSize(height, width);
            this.imageHeight = height;
            this.imageWidth = width;
            return this;
        }

        private Builder() {}

        /**
         * Quantizes activations too: every ReLU output that feeds a convolution at {@code bits},
         * the final dense layer's input at {@link #lastLayerBits(int)} ({@code max(bits, 8)} by
         * default), the image input only if {@link #quantizeInput(boolean)}. Needs a DJL-native
         * {@link ConvNetwork}.
         *
         * @param bits 2 to 8, or 0 to leave activations in float (the default)
         * @return this builder
         */
        public Builder activationBits(int bits) {
            this.activationBits = BitWidth.checkUnlessZero(bits, Role.ACTIVATION_BITS);
            return this;
        }

        /**
         * Sets the bit width of the final dense layer's input.
         *
         * @param bits 2 to 8, or 0 for the default {@code max(activationBits, 8)}
         * @return this builder
         */
        public Builder lastLayerBits(int bits) {
            this.lastLayerBits = BitWidth.checkUnlessZero(bits, Role.LAST_LAYER_BITS);
            return this;
        }

        /**
         * Quantizes the image input at the activation bit width too (off by default, as in SQuant's
         * protocol).
         *
         * @param quantize whether to quantize the input
         * @return this builder
         */
        public Builder quantizeInput(boolean quantize) {
            this.quantizeInput = quantize;
            return this;
        }

        /**
         * Sets how activation grids are found. By default, at every activation bit width, {@link
         * org.powerquant.calibrate.SyntheticCalibration} (data-free: distilled from the batch-norm
         * statistics, at the {@link #imageSize(int, int) image size}). The analytic {@link
         * BatchNormModel} models every channel as a normal, whose tails are lighter than a real
         * network's: at 8 bits, where the error-optimal range is set by the tail rather than by the
         * rounding, it clips values the network relies on, so it is no longer the default there.
         * Pass a {@link org.powerquant.calibrate.DataCalibration} to calibrate on real images (no
         * longer data-free; weights stay data-free).
         *
         * @param activationCalibration the calibration, or null for the default
         * @return this builder
         */
        public Builder calibration(ActivationCalibration activationCalibration) {
            this.calibration = activationCalibration;
            return this;
        }

        /**
         * Sets the weight bit width.
         *
         * @param bits 2 to 8
         * @return this builder
         */
        public Builder weightBits(int bits) {
            WeightQuantizer.builder().bits(bits);
            this.weightBits = bits;
            return this;
        }

        /**
         * Uses one scale per tensor instead of one per output channel.
         *
         * @param perTensor whether scales are per tensor
         * @return this builder
         */
        public Builder perTensor(boolean perTensor) {
            this.scaleMode = perTensor ? ScaleMode.PER_TENSOR : ScaleMode.PER_CHANNEL;
            return this;
        }

        /**
         * Chooses PowerQuant (the default) or the uniform baseline ({@code a = 1} through the same
         * code).
         *
         * @param quantizationMethod the method
         * @return this builder
         */
        public Builder method(QuantizationMethod quantizationMethod) {
            if (quantizationMethod == null) {
                throw new InvalidInputException(Role.METHOD, "is not given (null)");
            }
            this.method = quantizationMethod;
            return this;
        }

        /**
         * Sets the interval in which each layer's exponent is searched.
         *
         * @param lower the smallest exponent, {@code > 0}
         * @param upper the largest, {@code > lower}
         * @return this builder
         */
        public Builder exponentBounds(double lower, double upper) {
            // the interval alone: the tolerance is checked against it in build()
            QuantizationOptions.checkExponentSearch(lower, upper, (upper - lower) / 2);
            this.lowerExponent = lower;
            this.upperExponent = upper;
            return this;
        }

        /**
         * Sets the absolute tolerance of the exponent search.
         *
         * @param absoluteTolerance the tolerance, {@code > 0}
         * @return this builder
         */
        public Builder tolerance(double absoluteTolerance) {
            if (!(absoluteTolerance > 0) || !Double.isFinite(absoluteTolerance)) {
                throw new InvalidInputException(
                        Role.TOLERANCE, "must be positive, got " + absoluteTolerance);
            }
            this.tolerance = absoluteTolerance;
            return this;
        }

        /**
         * Leaves layers in float. Each pattern is a weight name as the report shows it; {@code *}
         * matches any run of characters (e.g. {@code conv1.weight}, {@code fc.*}, {@code
         * layer4.*}).
         *
         * @param patterns the names or patterns
         * @return this builder
         * @throws InvalidInputException for {@link Role#SKIP} if the patterns or one of them is
         *     null or blank
         */
        public Builder skipLayers(String... patterns) {
            return skipLayers(patterns == null ? null : Arrays.asList(patterns));
        }

        /**
         * Leaves layers in float; see {@link #skipLayers(String...)}.
         *
         * @param patterns the names or patterns
         * @return this builder
         */
        public Builder skipLayers(List<String> patterns) {
            QuantizationOptions.checkSkip(patterns);
            for (String p : patterns) {
                skipPatterns.put(
                        p,
                        Pattern.compile(
                                Arrays.stream(p.split("\\*", -1))
                                        .map(Pattern::quote)
                                        .collect(Collectors.joining(".*"))));
            }
            Predicate<String> previous = skip;
            Set<Pattern> compiled = Set.copyOf(skipPatterns.values());
            this.skip =
                    name ->
                            previous.test(name)
                                    || compiled.stream().anyMatch(p -> p.matcher(name).matches());
            return this;
        }

        /**
         * Leaves in float every layer a predicate accepts (in addition to {@link
         * #skipLayers(String...)}).
         *
         * @param filter true for weights to skip
         * @return this builder
         */
        public Builder skipIf(Predicate<String> filter) {
            Predicate<String> previous = skip;
            this.skip = name -> previous.test(name) || filter.test(name);
            return this;
        }

        /**
         * Sets how many layers are quantized at once (the number of processors by default).
         *
         * @param count at least 1
         * @return this builder
         * @throws InvalidInputException for {@link Role#THREADS} if {@code count} is below 1
         */
        public Builder threads(int count) {
            if (count < 1) {
                throw new InvalidInputException(Role.THREADS, "must be at least 1, got " + count);
            }
            this.threads = count;
            return this;
        }

        /**
         * Receives a line when a step that can take a while starts and ends (weight quantization,
         * activation calibration).
         *
         * @param listener the listener (default: none)
         * @return this builder
         */
        public Builder progress(Consumer<String> listener) {
            this.progress = java.util.Objects.requireNonNull(listener, "progress");
            return this;
        }

        /**
         * Builds the transform, checking the options together.
         *
         * @return the transform
         * @throws org.powerquant.InvalidInputException for the input size if the default synthetic
         *     calibration is needed (activation bits, no calibration given) and no {@link
         *     #imageSize} was set, or for the size budget if it is outside the range its weight
         *     bits allow
         */
        public PowerQuantTransform build() {
            QuantizationOptions.checkSizeBudget(sizeBudget, weightBits);
            QuantizationOptions.checkExponentSearch(lowerExponent, upperExponent, tolerance);
            if (calibration == null && activationBits > 0 && imageHeight == 0) {
                throw new org.powerquant.InvalidInputException(
                        org.powerquant.Role.INPUT_SIZE,
                        "is unknown: synthetic calibration distils images of the network's input"
                                + " size; set it or choose another calibration");
            }
            return new PowerQuantTransform(this);
        }
    }
}
