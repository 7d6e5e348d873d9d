package org.powerquant.cli;

import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.eval.ModelSource;
import org.powerquant.transform.QuantizationSetting;

/** Opening models for the commands, with load failures reported as bad input naming the model. */
final class CliModels {

    private CliModels() {}

    static Model open(ModelSource source, QuantizationSetting setting) throws IOException {
        try {
            return source.open(setting.quantizesActivations());
        } catch (ModelException | ai.djl.engine.EngineException e) {
            throw new InvalidInputException(
                    Role.MODEL, source.name() + " cannot be loaded: " + e.getMessage(), e);
        }
    }
}
