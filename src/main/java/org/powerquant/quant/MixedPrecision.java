package org.powerquant.quant;

import java.util.List;
import java.util.stream.IntStream;

/**
 * Mixed precision under a size budget, data-free: each layer's exact squared weight error at every
 * candidate width (its magnitudes sorted once, {@link SortedMagnitudes}; the exponent searched per
 * width by the quantizer's {@link ExponentSearch}, or fixed at one for the uniform method; full
 * range, nearest rounding), turned into a {@link Sensitivity}, and the widths chosen by {@link
 * BitAllocator} so that the codes take at most {@code budget} bits per weight on average.
 *
 * <p>Pure Java, no DJL; immutable and thread-safe.
 */
public final class MixedPrecision {

    private final WeightQuantizer quantizer;
    private final Sensitivity sensitivity;
    private final int[] candidates;
    private final double budget;

    /**
     * Creates an allocation of widths.
     *
     * @param quantizer the method, scale mode and exponent search the errors are measured with
     * @param sensitivity how an error becomes a sensitivity
     * @param candidates the widths a layer may take, strictly increasing, 2 to 8
     * @param budget the average code bits per weight allowed, at least the smallest candidate
     */
    public MixedPrecision(
            WeightQuantizer quantizer, Sensitivity sensitivity, int[] candidates, double budget) {
        this.quantizer = java.util.Objects.requireNonNull(quantizer, "quantizer");
        this.sensitivity = java.util.Objects.requireNonNull(sensitivity, "sensitivity");
        for (int b : candidates) {
            BitWidth.check(b, "candidate width");
        }
        this.candidates = candidates.clone();
        this.budget = budget;
    }

    /**
     * The candidate widths for a base width: one bit below it (at least 2) up to 8. Every layer
     * stays within one bit below the width asked for, and any layer may get up to 8.
     *
     * @param baseBits the base width, 2 to 8
     * @return the candidates, increasing
     */
    public static int[] candidates(int baseBits) {
        int lowest = Math.max(BitWidth.MIN, baseBits - 1);
        return IntStream.rangeClosed(lowest, BitWidth.MAX).toArray();
    }

    /**
     * Returns the candidate widths.
     *
     * @return the candidate widths
     */
    public int[] candidates() {
        return candidates.clone();
    }

    /**
     * Each layer's squared weight error at each candidate width.
     *
     * @param tensors the layers
     * @param threads how many layers are measured at once, at least 1
     * @return {@code errors[layer][candidate]}
     */
    public double[][] errors(List<WeightTensor> tensors, int threads) {
        return WeightQuantizer.eachLayer(tensors, threads, (l, t) -> errors(t))
                .toArray(new double[0][]);
    }

    private double[] errors(WeightTensor t) {
        SortedMagnitudes magnitudes;
        try {
            magnitudes = SortedMagnitudes.of(t.values(), (int) t.shape()[0], quantizer.scaleMode());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + t.name() + ": " + e.getMessage(), e);
        }
        double[] out = new double[candidates.length];
        for (int k = 0; k < candidates.length; k++) {
            out[k] =
                    quantizer.method() == QuantizationMethod.POWER
                            ? quantizer
                                    .search()
                                    .minimize(
                                            magnitudes,
                                            quantizer.withBits(candidates[k]).baseGrid())
                                    .error()
                            : magnitudes.squaredError(PowerQuantizer.signed(candidates[k], 1.0));
        }
        return out;
    }

    /**
     * Chooses each layer's width.
     *
     * @param tensors the layers
     * @param threads how many layers are measured at once, at least 1
     * @return the allocation, one width per layer in the order of {@code tensors}
     * @throws IllegalArgumentException if the budget is below the smallest candidate
     */
    public BitAllocator.Allocation allocate(List<WeightTensor> tensors, int threads) {
        double[][] errors = errors(tensors, threads);
        long[] counts = new long[tensors.size()];
        double[][] costs = new double[tensors.size()][];
        for (int l = 0; l < counts.length; l++) {
            float[] values = tensors.get(l).values();
            counts[l] = values.length;
            double norm = 0;
            for (float v : values) {
                norm += (double) v * v;
            }
            costs[l] = new double[candidates.length];
            for (int k = 0; k < candidates.length; k++) {
                costs[l][k] = sensitivity.of(errors[l][k], norm);
            }
        }
        return new BitAllocator().allocate(counts, candidates, costs, budget);
    }
}
