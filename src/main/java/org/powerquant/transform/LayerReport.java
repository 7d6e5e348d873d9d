package org.powerquant.transform;

/**
 * One quantized weight in a {@link QuantizationReport}.
 *
 * @param name the weight's name
 * @param kind {@code conv} or {@code dense}
 * @param shape its shape, output channel first
 * @param bits the bit width
 * @param exponent the exponent chosen ({@code 1} for uniform)
 * @param scaleMode {@code per-channel} or {@code per-tensor}
 * @param clip the clipping ratio {@code c <= 1} ({@code 1} unless clipping was searched)
 * @param scales the scales ({@code c * max|w|} per channel, or one)
 * @param weights the number of weights
 * @param squaredError the squared error of the quantized weights
 * @param uniformSquaredError the squared error of uniform quantization at the same bit width
 */
public record LayerReport(
        String name,
        LayerKind kind,
        long[] shape,
        int bits,
        double exponent,
        String scaleMode,
        double clip,
        float[] scales,
        long weights,
        double squaredError,
        double uniformSquaredError) {

    /**
     * Returns the mean squared error per weight.
     *
     * @return the mean squared error per weight
     */
    public double mse() {
        return weights == 0 ? 0 : squaredError / weights;
    }

    /**
     * Returns the uniform grid's mean squared error per weight.
     *
     * @return the uniform grid's mean squared error per weight
     */
    public double uniformMse() {
        return weights == 0 ? 0 : uniformSquaredError / weights;
    }
}
