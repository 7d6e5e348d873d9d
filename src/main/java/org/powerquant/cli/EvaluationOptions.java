package org.powerquant.cli;

import ai.djl.Device;
import java.io.PrintStream;
import java.util.Locale;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.Devices;
import org.powerquant.eval.Evaluator;
import picocli.CommandLine.Option;

/** The options {@code evaluate} and {@code compare} share: data, batch, device. */
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
            description = "Evaluate only the first N images (default: all).")
    Integer limit;

    @Option(
            names = "--batch-size",
            paramLabel = "N",
            defaultValue = "64",
            description =
                    "Batch size, lowered with a warning to what fits in memory. Default:"
                            + " ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(
            names = "--device",
            paramLabel = "D",
            defaultValue = "auto",
            description =
                    "auto (a GPU when the engine sees one), cpu or gpu. Default: ${DEFAULT-VALUE}.")
    String device;

    /** Checks the flags that need no file. */
    void check() {
        if (limit != null && limit < 1) {
            throw new InvalidInputException(Role.LIMIT, "must be at least 1, got " + limit);
        }
        if (batchSize < 1) {
            throw new InvalidInputException(
                    Role.BATCH_SIZE, "must be at least 1, got " + batchSize);
        }
        checkDevice(device);
    }

    static void checkDevice(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (!n.equals("auto") && !n.equals("cpu") && !n.equals("gpu")) {
            throw new InvalidInputException(
                    Role.DEVICE, "must be auto, cpu or gpu, got '" + name + "'");
        }
    }

    DatasetSpec datasetSpec() {
        return DatasetSpec.parse(dataset, Role.DATASET);
    }

    Device device() {
        return Devices.resolve(device);
    }

    Evaluator evaluator(Preprocessing preprocessing, Device target, PrintStream progress) {
        Evaluator.Builder builder =
                Evaluator.builder()
                        .preprocessing(preprocessing)
                        .batchSize(batchSize)
                        .device(target)
                        .limit(limit == null ? 0 : limit);
        if (progress != null) {
            builder.progress(progress);
        }
        return builder.build();
    }
}
