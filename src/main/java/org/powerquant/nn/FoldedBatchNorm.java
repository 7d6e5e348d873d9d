package org.powerquant.nn;

/**
 * What a batch norm said about its output before it was folded into the preceding convolution: per
 * output channel, the mean {@code β_c} and the standard deviation {@code |γ_c|} the batch norm
 * normalises its output to on the training distribution. Data-free calibrations model the folded
 * convolution's output channel {@code c} as {@code N(mean[c], std[c]^2)}.
 *
 * @param convName the dotted name of the convolution the batch norm was folded into
 * @param batchNormName the dotted name of the batch norm (e.g. {@code layer1.0.bn1})
 * @param epsilon the batch norm's epsilon used for folding
 * @param mean the per-channel output mean, {@code β_c}
 * @param std the per-channel output standard deviation, {@code |γ_c|}
 */
public record FoldedBatchNorm(
        String convName, String batchNormName, float epsilon, float[] mean, float[] std) {

    /**
     * Returns the number of channels.
     *
     * @return the number of channels
     */
    public int channels() {
        return mean.length;
    }
}
