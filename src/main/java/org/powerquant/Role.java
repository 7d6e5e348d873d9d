package org.powerquant;

import java.util.Locale;

/**
 * What a setting or a file is for, as the library names it in its errors ({@link
 * InvalidInputException}) and warnings. The command line maps each role to its flag; the library
 * never names a flag.
 */
public enum Role {
    /** The bit width of the weights. */
    WEIGHT_BITS,
    /** The bit width of the activations. */
    ACTIVATION_BITS,
    /** The bit width of the final dense layer's input. */
    LAST_LAYER_BITS,
    /** Whether the image input is quantized. */
    QUANTIZE_INPUT,
    /** Power or uniform. */
    METHOD,
    /** The interval the exponent search covers. */
    EXPONENT_BOUNDS,
    /** The tolerance of the exponent search. */
    TOLERANCE,
    /** How weights are rounded to their grid. */
    WEIGHT_ROUNDING,
    /** How activations are rounded to their grid's codes. */
    ACTIVATION_ROUNDING,
    /** The average code bits per weight of mixed precision. */
    SIZE_BUDGET,
    /** Weights left in float. */
    SKIP,
    /** Data-free correction of each layer's bias for its weight error. */
    BIAS_CORRECTION,
    /** How activation grids are found. */
    CALIBRATION_MODE,
    /** The real images of a data calibration. */
    CALIBRATION_DATA,
    /** How many calibration images are used. */
    CALIBRATION_IMAGES,
    /** The seed of the synthetic images. */
    SEED,
    /** The network's input size (height, width). */
    INPUT_SIZE,
    /** A plain square resize. */
    IMAGE_SIZE,
    /** A short-side resize. */
    RESIZE_SHORT,
    /** A centre crop. */
    CENTER_CROP,
    /** The normalisation mean. */
    MEAN,
    /** The normalisation standard deviation. */
    STD,
    /** The number of input channels. */
    CHANNELS,
    /** Images per forward pass. */
    BATCH_SIZE,
    /** How many images are evaluated. */
    LIMIT,
    /** Ready batches queued ahead of the model. */
    PREFETCH,
    /** Threads that decode images. */
    DECODER_THREADS,
    /** Threads that quantize layers. */
    THREADS,
    /** The labelled evaluation images. */
    DATASET,
    /** The model read. */
    MODEL,
    /** The quantized model written. */
    OUTPUT,
    /** The quantization report written. */
    REPORT,
    /** A result table written as JSON. */
    JSON,
    /** A chart written as PNG. */
    PLOT,
    /** The bit-width settings of a comparison. */
    SETTINGS,
    /** The methods of a comparison. */
    METHODS,
    /** The device the model runs on. */
    DEVICE;

    /**
     * Returns the role in words, e.g. {@code weight bits}.
     *
     * @return the role in words, e.g. {@code weight bits}
     */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }
}
