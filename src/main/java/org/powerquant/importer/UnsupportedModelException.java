package org.powerquant.importer;

import ai.djl.ModelException;

/**
 * Thrown when a readable model is not an architecture that can be rebuilt as a DJL-native graph.
 * Weight-only quantization does not need a DJL-native graph and still applies to such a model.
 */
public class UnsupportedModelException extends ModelException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message a one-line message naming the file and what was not recognised
     */
    public UnsupportedModelException(String message) {
        super(message);
    }
}
