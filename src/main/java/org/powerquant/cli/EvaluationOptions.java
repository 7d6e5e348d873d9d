package org.powerquant.cli;

import ai.djl.Device;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.Devices;
import org.powerquant.eval.Evaluator;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options {@code evaluate} and {@code compare} share: data, preprocessing, batch, device. */
final class EvaluationOptions {

    @Option(
            names = "--dataset",
            required = true,
            paramLabel = "SPEC",
            description =
                    "idx:IMAGES.gz,LABELS.gz | imagenet:DIR | folder:DIR | DIR (ImageNet when every subfolder"
                            + " is a WordNet id).")
    String dataset;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "0",
            description = "Evaluate only the first N images (default: all).")
    int limit;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "64",
            description = "Batch size (default 64).")
    int batchSize;

    @Option(
            names = "--device",
            paramLabel = "D",
            defaultValue = "auto",
            description = "auto (a GPU when the engine sees one), cpu or gpu.")
    String device;

    @Option(
            names = "--resize-short",
            paramLabel = "S",
            description = "Resize the shorter side to S (ImageNet default 256).")
    Integer resizeShort;

    @Option(
            names = "--center-crop",
            paramLabel = "S",
            description = "Crop the centre S x S (ImageNet default 224).")
    Integer centerCrop;

    @Option(
            names = "--image-size",
            paramLabel = "S",
            description = "Resize to S x S instead (no crop).")
    Integer imageSize;

    @Option(
            names = "--mean",
            paramLabel = "M",
            split = ",",
            description =
                    "Normalisation mean, one value or one per channel (ImageNet's by default).")
    List<Float> mean;

    @Option(
            names = "--std",
            paramLabel = "S",
            split = ",",
            description =
                    "Normalisation standard deviation, one value or one per channel (ImageNet's by default).")
    List<Float> std;

    @Option(
            names = "--channels",
            paramLabel = "C",
            defaultValue = "3",
            description = "3 (grey images repeated, default) or 1.")
    int channels;

    @Option(
            names = "--antialias",
            description =
                    "Antialias when shrinking (as PIL and torchvision's Resize on images do); off by default,"
                            + " as torch interpolate.")
    boolean antialias;

    @Option(names = "--quiet", description = "No progress bar on stderr.")
    boolean quiet;

    Device device() {
        return Devices.resolve(device);
    }

    Preprocessing preprocessing() {
        Preprocessing.Builder builder =
                Preprocessing.builder().channels(channels).antialias(antialias);
        if (imageSize != null) {
            if (resizeShort != null || centerCrop != null) {
                throw new IllegalArgumentException(
                        "--image-size cannot be combined with --resize-short/--center-crop");
            }
            builder.imageSize(imageSize);
        } else {
            if (resizeShort != null) {
                builder.resizeShort(resizeShort);
            }
            if (centerCrop != null) {
                builder.centerCrop(centerCrop);
            }
        }
        if (mean != null) {
            builder.mean(floats(mean));
        }
        if (std != null) {
            builder.std(floats(std));
        }
        return builder.build();
    }

    /**
     * Takes every preprocessing step no flag on the command line sets from a model's recorded
     * preprocessing (an artifact's manifest): explicit flags override it.
     */
    void useRecordedPreprocessing(Preprocessing recorded, CommandLine.ParseResult parsed) {
        if (imageSize == null && resizeShort == null && centerCrop == null) {
            if (recorded.imageSize() > 0) {
                imageSize = recorded.imageSize();
            } else {
                resizeShort = recorded.resizeShort();
                centerCrop = recorded.centerCrop();
            }
        }
        if (mean == null) {
            mean = boxed(recorded.mean());
        }
        if (std == null) {
            std = boxed(recorded.std());
        }
        if (!parsed.hasMatchedOption("--channels")) {
            channels = recorded.channels();
        }
        if (!parsed.hasMatchedOption("--antialias")) {
            antialias = recorded.antialias();
        }
    }

    private static List<Float> boxed(float[] values) {
        List<Float> out = new java.util.ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    Evaluator evaluator(Device target, PrintStream progress) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must not be negative, got " + limit);
        }
        Evaluator.Builder builder =
                Evaluator.builder()
                        .preprocessing(preprocessing())
                        .batchSize(batchSize)
                        .device(target)
                        .limit(limit);
        if (!quiet) {
            builder.progress(progress);
        }
        return builder.build();
    }

    LabelledImageDataset openDataset() throws IOException {
        return DatasetSpec.parse(dataset).open();
    }

    private static float[] floats(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }
}
