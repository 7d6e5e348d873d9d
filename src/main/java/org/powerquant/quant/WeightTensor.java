package org.powerquant.quant;

/**
 * A named weight tensor to quantize.
 *
 * @param name the layer's parameter name
 * @param shape the shape, output channel first
 * @param values the weights in row-major order
 */
public record WeightTensor(String name, long[] shape, float[] values) {}
