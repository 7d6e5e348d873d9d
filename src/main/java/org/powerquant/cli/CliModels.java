package org.powerquant.cli;

import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.eval.ModelSource;

/** Opening models for the commands, with load failures reported as bad input naming the model. */
final class CliModels {

    private CliModels() {}

    static Model open(ModelSource source, boolean nativeGraph) throws IOException {
        try {
            return source.open(nativeGraph);
        } catch (ModelException | ai.djl.engine.EngineException e) {
            throw new InvalidInputException(
                    Role.MODEL, source.name() + " cannot be loaded: " + e.getMessage(), e);
        }
    }
}
