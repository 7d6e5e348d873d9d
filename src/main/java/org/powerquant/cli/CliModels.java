package org.powerquant.cli;

import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.artifact.QuantizedArtifact;
import org.powerquant.eval.ModelSource;

/** Opening models for the commands, with load failures reported as bad input naming the model. */
final class CliModels {

    private CliModels() {}

    /**
     * Refuses a {@code --model} that cannot be the float TorchScript file a command quantizes: a
     * quantized artifact (quantizing it again would treat its grid values as float weights), or any
     * other directory.
     */
    static void checkTorchScriptFile(Path model, String command) {
        checkNotInsideArtifact(model);
        if (QuantizedArtifact.isArtifact(model)) {
            throw Flags.refuse(
                    Role.MODEL,
                    model
                            + " is a quantized artifact: "
                            + command
                            + " takes a float TorchScript model (.pt); evaluate the artifact with"
                            + " evaluate --model "
                            + model);
        }
        if (Files.isDirectory(model)) {
            throw Flags.refuse(
                    Role.MODEL, model + " is a directory, not a TorchScript model file (.pt)");
        }
    }

    /**
     * Refuses a file inside an artifact directory: DJL loads a model file's directory, and an
     * artifact's {@code serving.properties} would make any of its files load as the artifact,
     * without its recorded preprocessing, as if it were a float model.
     */
    static void checkNotInsideArtifact(Path model) {
        Path parent = model.toAbsolutePath().getParent();
        if (!Files.isDirectory(model) && parent != null && QuantizedArtifact.isArtifact(parent)) {
            throw Flags.refuse(
                    Role.MODEL,
                    model
                            + " is a file of the quantized artifact "
                            + parent
                            + ": pass the artifact directory itself to evaluate --model");
        }
    }

    /**
     * Opens a TorchScript model's fresh copy, refusing one that cannot be loaded in one line naming
     * the model as given, in {@code quantize}'s words.
     */
    static Model open(Path model, ModelSource source, boolean nativeGraph) throws IOException {
        try {
            return source.open(nativeGraph);
        } catch (ModelException | ai.djl.engine.EngineException e) {
            String what =
                    e instanceof org.powerquant.importer.UnsupportedModelException
                            ? " cannot be imported as a torchvision network: "
                            : " cannot be loaded as a TorchScript model: ";
            throw new InvalidInputException(Role.MODEL, model + what + e.getMessage(), e);
        }
    }
}
