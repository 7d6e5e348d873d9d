package org.powerquant.quant;

/** How a weight tensor's scale {@code s = max|w|} is taken. */
public enum ScaleMode {
    /** One scale per output channel (the first dimension of the weight); the default. */
    PER_CHANNEL,
    /** One scale for the whole tensor. */
    PER_TENSOR
}
