package org.powerquant.quant;

/**
 * One weight tensor after quantization: its grid and its dequantized values.
 *
 * @param name the layer's parameter name
 * @param shape the tensor's shape, output channel first
 * @param bits the bit width
 * @param scaleMode per-channel or per-tensor
 * @param exponent the exponent used ({@code 1} for uniform)
 * @param clip the clipping ratio {@code c <= 1} the scales include ({@code s = c * max|w|}; 1
 *     without clipping)
 * @param scales the scales, one per channel or one for the tensor
 * @param squaredError the squared error of the quantized tensor, {@code sum (w - w_q)^2}
 * @param uniformSquaredError the squared error the uniform grid ({@code a = 1}) would have given
 * @param values the dequantized values, in the tensor's order, each exactly on the grid
 */
public record QuantizedWeights(
        String name,
        long[] shape,
        int bits,
        ScaleMode scaleMode,
        double exponent,
        double clip,
        float[] scales,
        double squaredError,
        double uniformSquaredError,
        float[] values) {

    /**
     * Returns the number of weights.
     *
     * @return the number of weights
     */
    public int count() {
        return values.length;
    }

    /**
     * Returns the mean squared error per weight.
     *
     * @return the mean squared error per weight
     */
    public double meanSquaredError() {
        return values.length == 0 ? 0 : squaredError / values.length;
    }

    /**
     * Returns the mean squared error per weight of the uniform grid.
     *
     * @return the mean squared error per weight of the uniform grid
     */
    public double uniformMeanSquaredError() {
        return values.length == 0 ? 0 : uniformSquaredError / values.length;
    }
}
