package org.powerquant.calibrate;

/**
 * Data-free bias correction (Nagel et al., ICCV 2019): quantizing a layer's weights by {@code ΔW =
 * W_q - W} shifts the expected value of its output channel {@code c} by {@code Σ_i (Σ_k ΔW[c, i,
 * k]) E[x_i]} (input channel {@code i}, kernel position {@code k}; zero padding at the borders
 * ignored), which the next layers see as a bias. The correction subtracts that shift from the
 * layer's output, so the expected output of the quantized layer equals the float one. The input
 * expectations {@code E[x_i]} come from the network's batch-norm statistics ({@link
 * ResNetBiasTargets}), no data needed.
 */
public final class BiasCorrection {

    private BiasCorrection() {}

    /**
     * The expected output shift of a layer. A grouped convolution (weight shape {@code [out, in /
     * groups, ...]}) is recognised by getting the means of all its {@code in} input channels:
     * output channel {@code c} of group {@code g = c / (out / groups)} reads input channels {@code
     * g * in / groups} to {@code (g + 1) * in / groups - 1}.
     *
     * @param shape the weight's shape, output channel first, input channel (of a group) second
     *     (rank 2 or more)
     * @param original the float weights
     * @param quantized the quantized weights
     * @param inputMeans the expected value of each input channel of the layer (of all groups)
     * @return the expected shift of each output channel
     * @throws IllegalArgumentException if the shapes do not match
     */
    public static double[] outputShift(
            long[] shape, float[] original, float[] quantized, double[] inputMeans) {
        if (shape.length < 2 || original.length != quantized.length) {
            throw new IllegalArgumentException("weights of rank 2 or more and equal sizes needed");
        }
        int out = (int) shape[0];
        int in = (int) shape[1];
        if (in < 1
                || inputMeans.length < in
                || inputMeans.length % in != 0
                || out % (inputMeans.length / in) != 0) {
            throw new IllegalArgumentException(
                    "a layer of "
                            + out
                            + " output and "
                            + in
                            + " input channels per group got "
                            + inputMeans.length
                            + " means");
        }
        int groups = inputMeans.length / in;
        int outPerGroup = out / groups;
        int kernel = original.length / (out * in);
        double[] shift = new double[out];
        for (int c = 0; c < out; c++) {
            int firstInput = c / outPerGroup * in;
            double sum = 0;
            for (int i = 0; i < in; i++) {
                int from = (c * in + i) * kernel;
                double error = 0;
                for (int k = from; k < from + kernel; k++) {
                    error += (double) quantized[k] - original[k];
                }
                sum += error * inputMeans[firstInput + i];
            }
            shift[c] = sum;
        }
        return shift;
    }

    /**
     * Corrects one layer.
     *
     * @param layer the layer
     * @param shape its weight's shape
     * @param original the float weights
     * @param quantized the quantized weights
     * @return the shift that was subtracted
     */
    public static double[] correct(
            CorrectableLayer layer, long[] shape, float[] original, float[] quantized) {
        double[] shift;
        try {
            shift = outputShift(shape, original, quantized, layer.inputMeans());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + layer.name() + ": " + e.getMessage(), e);
        }
        layer.subtractFromOutput().accept(shift);
        return shift;
    }
}
