package org.powerquant;

import ai.djl.repository.zoo.ZooModel;
import org.powerquant.transform.QuantizationReport;

/**
 * A model loaded and quantized in one call, with the report of its quantization. Closing it closes
 * the model.
 *
 * @param model the quantized model, ready for {@code newPredictor()}
 * @param report what the quantization did
 * @param <I> the model's input type
 * @param <O> the model's output type
 */
public record QuantizedModel<I, O>(ZooModel<I, O> model, QuantizationReport report)
        implements AutoCloseable {

    @Override
    public void close() {
        model.close();
    }
}
