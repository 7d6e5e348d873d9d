package org.powerquant.cli;

import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.ActivationCalibration;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.calibrate.DataCalibration;
import org.powerquant.calibrate.DistilledData;
import org.powerquant.calibrate.SyntheticCalibration;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.io.AtomicFiles;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code powerquant quantize}: quantize a TorchScript model's weights (and, with {@code
 * --activation-bits}, its activations, on the model imported as DJL blocks), print the report, save
 * the model.
 */
@Command(
        name = "quantize",
        mixinStandardHelpOptions = true,
        description =
                "Quantize the convolution and dense weights of a TorchScript (.pt) model, and with"
                        + " --activation-bits its activations.")
public final class QuantizeCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            paramLabel = "PATH",
            description = "TorchScript model file (.pt).")
    private Path model;

    @Option(
            names = "--weight-bits",
            required = true,
            paramLabel = "B",
            description = "Weight bit width, 2 to 8.")
    private int weightBits;

    @Option(
            names = "--method",
            paramLabel = "M",
            defaultValue = "power",
            description = "power (PowerQuant, default) or uniform (the a = 1 baseline).")
    private String method;

    @Option(
            names = "--per-tensor",
            description = "One scale per tensor instead of one per output channel.")
    private boolean perTensor;

    @Option(
            names = "--exponent-min",
            paramLabel = "A",
            defaultValue = "0.2",
            description = "Smallest exponent searched (default ${DEFAULT-VALUE}).")
    private double exponentMin;

    @Option(
            names = "--exponent-max",
            paramLabel = "A",
            defaultValue = "1.5",
            description = "Largest exponent searched (default ${DEFAULT-VALUE}).")
    private double exponentMax;

    @Option(
            names = "--tolerance",
            paramLabel = "T",
            defaultValue = "0.001",
            description = "Absolute tolerance of the exponent search (default ${DEFAULT-VALUE}).")
    private double tolerance;

    @Option(
            names = "--skip",
            paramLabel = "NAME",
            split = ",",
            description =
                    "Weights to leave in float, by name; * matches anything (e.g. conv1.weight,fc.*).")
    private List<String> skip = new ArrayList<>();

    @Option(
            names = "--activation-bits",
            paramLabel = "A",
            defaultValue = "float",
            description =
                    "Activation bit width, 2 to 8, or float (default). With bits, the model (a torchvision"
                            + " ResNet) is imported as DJL blocks, batch norms are folded, and every ReLU output that feeds a"
                            + " convolution gets a data-free power (or uniform) quantizer.")
    private String activationBits;

    @Option(
            names = "--last-layer-bits",
            paramLabel = "B",
            description = "Bits of the final dense layer's input (default max(A, 8)).")
    private Integer lastLayerBits;

    @Option(
            names = "--quantize-input",
            description = "Quantize the image input too (default: it stays float).")
    private boolean quantizeInput;

    @Option(
            names = "--calibration-mode",
            paramLabel = "MODE",
            description =
                    "How activation ranges and exponents are found: synthetic (data-free: images distilled from"
                            + " the batch-norm statistics; default below 8 activation bits), bn-model (data-free, analytic;"
                            + " default at 8 bits) or data (real images from --calibration; no longer data-free).")
    private String calibrationMode;

    @Option(
            names = "--calibration",
            paramLabel = "SPEC",
            description =
                    "Calibrate activations on real images from this data set (any --dataset SPEC the evaluator"
                            + " reads, e.g. idx:IMAGES,LABELS or an image folder). The result is no longer data-free;"
                            + " weights stay data-free.")
    private String calibration;

    @Option(
            names = "--calibration-images",
            paramLabel = "N",
            defaultValue = "256",
            description =
                    "How many of the first images of --calibration to use (default ${DEFAULT-VALUE}; all there"
                            + " are if the data set holds fewer).")
    private int calibrationImages;

    @Option(
            names = "--image-size",
            paramLabel = "S",
            defaultValue = "224",
            description =
                    "The network's input size: synthetic calibration images are S x S, real ones are resized to"
                            + " it (default ${DEFAULT-VALUE}).")
    private int imageSize;

    @Option(
            names = "--mean",
            paramLabel = "M",
            split = ",",
            description =
                    "Per-channel normalisation mean of --calibration images (default ImageNet's).")
    private List<Float> mean;

    @Option(
            names = "--std",
            paramLabel = "S",
            split = ",",
            description =
                    "Per-channel normalisation standard deviation of --calibration images (default ImageNet's).")
    private List<Float> std;

    @Option(
            names = "--channels",
            paramLabel = "C",
            defaultValue = "3",
            description =
                    "Channels of --calibration images after preprocessing (grey is repeated; default 3).")
    private int channels;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "Seed of the synthetic calibration's initial noise (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(
            names = "--output",
            paramLabel = "OUT",
            description =
                    "Where to save the quantized model: a directory (a self-contained artifact: weights"
                            + " bit-packed at B bits, activation grids, report, preprocessing; loads with"
                            + " evaluate --model, PowerQuant.load or plain DJL Criteria), or a .pt file"
                            + " (weights only: a TorchScript model with float32 weights on the grid).")
    private Path output;

    @Option(
            names = "--report",
            paramLabel = "REPORT.json",
            description = "Where to write the JSON report.")
    private Path report;

    @Override
    public Integer call() throws IOException, ModelException {
        PowerQuantTransform transform = transform();
        checkModelFile(model);
        boolean artifact =
                output != null
                        && (transform.activationBits() > 0 || !output.toString().endsWith(".pt"));
        if (output != null) {
            if (artifact) {
                checkWritableDirectory(output);
            } else {
                AtomicFiles.checkWritable(output, "--output");
            }
            if (output.toAbsolutePath().normalize().equals(model.toAbsolutePath().normalize())) {
                throw new IllegalArgumentException(
                        "--output " + output + " would overwrite the input model");
            }
        }
        if (report != null) {
            AtomicFiles.checkWritable(report, "--report");
        }
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(model)
                        .optEngine("PyTorch")
                        .optTranslator(new NoopTranslator())
                        .build();
        try (QuantizedModel<NDList, NDList> quantized =
                artifact ? importQuantized(transform) : loadQuantized(criteria, transform)) {
            spec.commandLine().getOut().println(quantized.report().toTable());
            if (!quantized.report().isDataFree()) {
                spec.commandLine()
                        .getErr()
                        .println(
                                "warning: activation ranges were calibrated on real images from "
                                        + calibration
                                        + ": this result is not data-free (weights are)");
            }
            for (String note : quantized.report().calibrationNotes()) {
                if (note.startsWith("asked for")) {
                    spec.commandLine().getErr().println("warning: " + note);
                }
            }
            if (output != null) {
                if (artifact) {
                    PowerQuant.save(quantized, output, preprocessing());
                    spec.commandLine().getOut().println("saved artifact " + output);
                } else {
                    PowerQuant.save(quantized.model(), output);
                    spec.commandLine().getOut().println("saved " + output);
                }
            }
            if (report != null) {
                quantized.report().writeJson(report);
                spec.commandLine().getOut().println("report " + report);
            }
        }
        return 0;
    }

    private QuantizedModel<NDList, NDList> importQuantized(PowerQuantTransform transform)
            throws IOException, ModelException {
        try {
            return PowerQuant.importQuantized(
                    model, transform, ai.djl.engine.Engine.getEngine("PyTorch").defaultDevice());
        } catch (ModelException | ai.djl.engine.EngineException e) {
            throw new IllegalArgumentException(
                    "--model "
                            + model
                            + " cannot be imported as a torchvision ResNet: "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * The preprocessing these flags describe: of the calibration images, and recorded in the
     * artifact's manifest as what the model expects.
     */
    private Preprocessing preprocessing() {
        Preprocessing.Builder preprocessing =
                Preprocessing.builder().imageSize(imageSize).channels(channels);
        if (mean != null) {
            preprocessing.mean(floats(mean));
        }
        if (std != null) {
            preprocessing.std(floats(std));
        }
        return preprocessing.build();
    }

    private QuantizedModel<NDList, NDList> loadQuantized(
            Criteria<NDList, NDList> criteria, PowerQuantTransform transform)
            throws IOException, ModelException {
        try {
            return PowerQuant.loadQuantized(criteria, transform);
        } catch (ModelException | ai.djl.engine.EngineException e) {
            throw new IllegalArgumentException(
                    "--model "
                            + model
                            + " cannot be loaded as a TorchScript model: "
                            + e.getMessage(),
                    e);
        }
    }

    private PowerQuantTransform transform() {
        if (weightBits < 2 || weightBits > 8) {
            throw new IllegalArgumentException(
                    "--weight-bits must be between 2 and 8, got " + weightBits);
        }
        int bits = parseActivationBits(activationBits);
        if (lastLayerBits != null && (lastLayerBits < 2 || lastLayerBits > 8)) {
            throw new IllegalArgumentException(
                    "--last-layer-bits must be between 2 and 8, got " + lastLayerBits);
        }
        if (bits == 0 && (lastLayerBits != null || quantizeInput)) {
            throw new IllegalArgumentException(
                    "--last-layer-bits and --quantize-input need --activation-bits");
        }
        try {
            return PowerQuantTransform.builder()
                    .weightBits(weightBits)
                    .method(QuantizationMethod.parse(method))
                    .perTensor(perTensor)
                    .exponentBounds(exponentMin, exponentMax)
                    .tolerance(tolerance)
                    .skipLayers(skip)
                    .activationBits(parseActivationBits(activationBits))
                    .lastLayerBits(lastLayerBits == null ? 0 : lastLayerBits)
                    .quantizeInput(quantizeInput)
                    .imageSize(imageSize, imageSize)
                    .calibration(activationCalibration(bits))
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad option: " + e.getMessage(), e);
        }
    }

    private ActivationCalibration activationCalibration(int bits) {
        String mode =
                calibrationMode != null
                        ? calibrationMode.trim().toLowerCase(java.util.Locale.ROOT)
                        : calibration != null
                                ? DataCalibration.MODE
                                : bits > 0 && bits < 8 ? SyntheticCalibration.MODE : "bn-model";
        if (bits == 0 && (calibrationMode != null || calibration != null)) {
            throw new IllegalArgumentException(
                    "--calibration-mode and --calibration need --activation-bits");
        }
        if (imageSize < 1) {
            throw new IllegalArgumentException("--image-size must be positive, got " + imageSize);
        }
        if (!mode.equals(DataCalibration.MODE) && calibration != null) {
            throw new IllegalArgumentException(
                    "--calibration needs --calibration-mode data, got " + mode);
        }
        switch (mode) {
            case "bn-model":
                return new BatchNormModel();
            case SyntheticCalibration.MODE:
                return SyntheticCalibration.builder()
                        .imageSize(imageSize, imageSize)
                        .distiller(DistilledData.builder().seed(seed).build())
                        .build();
            case DataCalibration.MODE:
                if (calibration == null) {
                    throw new IllegalArgumentException(
                            "--calibration-mode data needs --calibration SPEC");
                }
                if (calibrationImages < 1) {
                    throw new IllegalArgumentException(
                            "--calibration-images must be at least 1, got " + calibrationImages);
                }
                LabelledImageDataset dataset;
                try {
                    dataset = DatasetSpec.parse(calibration).open();
                } catch (IOException e) {
                    throw new IllegalArgumentException(
                            "--calibration " + calibration + " cannot be read: " + e.getMessage(),
                            e);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(
                            e.getMessage().replace("--data", "--calibration"), e);
                }
                return DataCalibration.builder(
                                new DatasetCalibrationImages(dataset, preprocessing()),
                                calibrationImages)
                        .build();
            default:
                throw new IllegalArgumentException(
                        "--calibration-mode must be synthetic, bn-model or data, got "
                                + calibrationMode);
        }
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    /**
     * Parses an activation bit width.
     *
     * @param value 2 to 8, or {@code float}
     * @return the bits, 0 for float
     * @throws IllegalArgumentException naming the flag if the value is neither
     */
    public static int parseActivationBits(String value) {
        if (value == null || value.equalsIgnoreCase("float") || value.equalsIgnoreCase("fp32")) {
            return 0;
        }
        try {
            int bits = Integer.parseInt(value.trim());
            if (bits >= 2 && bits <= 8) {
                return bits;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "--activation-bits must be between 2 and 8 or float, got " + value);
    }

    private static void checkWritableDirectory(Path target) {
        Path absolute = target.toAbsolutePath();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(
                    "--output "
                            + target
                            + " is a file; a quantized-model artifact is a directory (give a .pt"
                            + " path to save a weights-only TorchScript model instead)");
        }
        if (target.toString().endsWith(".pt")) {
            throw new IllegalArgumentException(
                    "--output "
                            + target
                            + ": with --activation-bits the model is saved as an artifact directory,"
                            + " not a .pt file");
        }
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
            throw new IllegalArgumentException(
                    "--output "
                            + target
                            + ": directory "
                            + parent
                            + " does not exist or cannot be written");
        }
    }

    static void checkModelFile(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("--model " + path + " does not exist");
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new IllegalArgumentException("--model " + path + " is not a readable file");
        }
    }
}
