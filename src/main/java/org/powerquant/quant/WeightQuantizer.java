package org.powerquant.quant;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.powerquant.Role;

/**
 * Quantizes one weight tensor: scales per channel (or per tensor), the exponent searched for that
 * layer (or fixed at one for the uniform baseline), and the dequantized values.
 *
 * <p>Pure Java over float arrays: it knows nothing of DJL. Immutable and thread-safe, so one
 * instance can quantize many layers in parallel.
 */
public final class WeightQuantizer {

    private final int bits;
    private final ScaleMode scaleMode;
    private final QuantizationMethod method;
    private final ExponentSearch search;
    private final boolean clipping;
    private final double minClip;
    private final WeightRounding rounding;

    private WeightQuantizer(Builder builder) {
        bits = builder.bits;
        scaleMode = builder.scaleMode;
        method = builder.method;
        search = builder.search;
        clipping = builder.clipping;
        minClip = builder.minClip;
        rounding = builder.rounding;
    }

    /**
     * Returns a builder: 4 bits, per channel, PowerQuant with the default search.
     *
     * @return a builder: 4 bits, per channel, PowerQuant with the default search
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the bit width.
     *
     * @return the bit width
     */
    public int bits() {
        return bits;
    }

    /**
     * Returns the scale mode.
     *
     * @return the scale mode
     */
    public ScaleMode scaleMode() {
        return scaleMode;
    }

    /**
     * Returns the method.
     *
     * @return the method
     */
    public QuantizationMethod method() {
        return method;
    }

    /**
     * Returns the exponent search.
     *
     * @return the exponent search
     */
    public ExponentSearch search() {
        return search;
    }

    /**
     * Returns whether each layer's range is clipped, the clip searched with the exponent.
     *
     * @return whether each layer's range is clipped, the clip searched with the exponent
     */
    public boolean clipping() {
        return clipping;
    }

    /**
     * Returns how weights are rounded to their grid.
     *
     * @return how weights are rounded to their grid
     */
    public WeightRounding rounding() {
        return rounding;
    }

    /**
     * Quantizes a weight tensor.
     *
     * @param name the layer's name, for the report and error messages
     * @param shape the shape, output channel first (rank 1 or more)
     * @param values the weights in row-major order; not modified
     * @return the quantized tensor
     * @throws IllegalArgumentException naming the layer if a weight is not finite or the shape does
     *     not fit
     */
    public QuantizedWeights quantize(String name, long[] shape, float[] values) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (shape.length == 0 || count != values.length) {
            throw new IllegalArgumentException(
                    "layer " + name + ": shape does not match its " + values.length + " values");
        }
        SortedMagnitudes magnitudes;
        try {
            magnitudes = SortedMagnitudes.of(values, (int) shape[0], scaleMode);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer " + name + ": " + e.getMessage(), e);
        }
        PowerQuantizer uniform = baseGrid();
        double clip = 1.0;
        ExponentSearch.Result result;
        if (clipping) {
            ClippingSearch.Result clipped =
                    new ClippingSearch(search, minClip).minimize(magnitudes, uniform, method);
            clip = clipped.clip();
            result =
                    new ExponentSearch.Result(
                            clipped.exponent(), clipped.error(), clipped.uniformError());
        } else {
            result =
                    method == QuantizationMethod.POWER
                            ? search.minimize(magnitudes, uniform)
                            : new ExponentSearch.Result(
                                    1.0,
                                    magnitudes.squaredError(uniform),
                                    magnitudes.squaredError(uniform));
        }
        PowerQuantizer grid = uniform.withExponent(result.exponent());
        float[] scales = magnitudes.scales();
        if (clip < 1) {
            for (int c = 0; c < scales.length; c++) {
                scales[c] = (float) (clip * scales[c]);
            }
        }
        float[] quantized;
        double error = result.error();
        if (rounding == WeightRounding.ERROR_AWARE) {
            ErrorAwareRounding errorAware = new ErrorAwareRounding(true);
            quantized = errorAware.dequantize(grid, shape, values, scales);
            if (result.exponent() != 1.0) {
                // The exponent was searched under nearest rounding; once both grids are rounded
                // error-aware, keep it only if it is still no worse than a = 1 by the error that
                // rounding is judged by.
                float[] atOne = errorAware.dequantize(uniform, shape, values, scales);
                if (ErrorAwareRounding.kernelError(shape, values, atOne)
                        < ErrorAwareRounding.kernelError(shape, values, quantized)) {
                    quantized = atOne;
                    result =
                            new ExponentSearch.Result(
                                    1.0, result.uniformError(), result.uniformError());
                }
            }
            error = squaredError(values, quantized);
        } else if (clip < 1) {
            quantized = new float[values.length];
            int channelLength = values.length / scales.length;
            for (int i = 0; i < values.length; i++) {
                float scale = scales[i / channelLength];
                quantized[i] = grid.dequantize(grid.quantize(values[i], scale), scale);
            }
            error = squaredError(values, quantized);
        } else {
            quantized = magnitudes.dequantize(grid, values);
        }
        return new QuantizedWeights(
                name,
                shape.clone(),
                bits,
                scaleMode,
                result.exponent(),
                clip,
                scales,
                error,
                result.uniformError(),
                quantized);
    }

    /**
     * Returns the grid this quantizer searches, at {@code a = 1}: its width, signed, rounding codes
     * as its {@link #rounding()} does.
     *
     * @return the grid this quantizer searches, at {@code a = 1}: its width, signed, rounding codes
     *     as its {@link #rounding()} does
     */
    public PowerQuantizer baseGrid() {
        return PowerQuantizer.signed(bits, 1.0).withRounding(rounding.codeRounding());
    }

    private static double squaredError(float[] values, float[] quantized) {
        double sum = 0;
        for (int i = 0; i < values.length; i++) {
            double d = (double) values[i] - quantized[i];
            sum += d * d;
        }
        return sum;
    }

    /**
     * Quantizes many tensors, several at once, largest first so that the threads finish together.
     *
     * @param tensors the tensors
     * @param threads how many tensors to quantize at once, at least 1
     * @return the results, in the order of {@code tensors}
     * @throws IllegalArgumentException naming the layer if a weight is not finite
     */
    public List<QuantizedWeights> quantizeAll(List<WeightTensor> tensors, int threads) {
        return quantizeAll(tensors, null, threads);
    }

    /**
     * Quantizes many tensors, each at its own width (mixed precision), several at once.
     *
     * @param tensors the tensors
     * @param widths the width of each tensor, 2 to 8, or null for this quantizer's
     * @param threads how many tensors to quantize at once, at least 1
     * @return the results, in the order of {@code tensors}
     * @throws IllegalArgumentException naming the layer if a weight is not finite
     */
    public List<QuantizedWeights> quantizeAll(
            List<WeightTensor> tensors, int[] widths, int threads) {
        if (widths != null && widths.length != tensors.size()) {
            throw new IllegalArgumentException(
                    widths.length + " widths for " + tensors.size() + " tensors");
        }
        WeightQuantizer[] quantizers = new WeightQuantizer[tensors.size()];
        for (int i = 0; i < quantizers.length; i++) {
            quantizers[i] = widths == null || widths[i] == bits ? this : withBits(widths[i]);
        }
        return eachLayer(
                tensors,
                threads,
                (i, t) -> quantizers[i].quantize(t.name(), t.shape(), t.values()));
    }

    /**
     * Runs a task on every tensor, several at once, largest first so that the threads finish
     * together.
     *
     * @param tensors the tensors
     * @param threads how many at once, at least 1
     * @param task the work on one tensor, given its index
     * @return the results, in the order of {@code tensors}
     */
    static <T> List<T> eachLayer(
            List<WeightTensor> tensors,
            int threads,
            java.util.function.BiFunction<Integer, WeightTensor, T> task) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        Integer[] order = new Integer[tensors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.comparingInt((Integer i) -> tensors.get(i).values().length).reversed());
        ExecutorService pool =
                Executors.newFixedThreadPool(Math.min(threads, Math.max(1, order.length)));
        try {
            List<Future<T>> futures = new ArrayList<>(Collections.nCopies(order.length, null));
            for (int i : order) {
                WeightTensor t = tensors.get(i);
                int index = i;
                futures.set(i, pool.submit(() -> task.apply(index, t)));
            }
            List<T> results = new ArrayList<>(order.length);
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while quantizing", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * This quantizer at another width, every other option the same.
     *
     * @param width 2 to 8
     * @return the quantizer
     */
    public WeightQuantizer withBits(int width) {
        Builder b = new Builder().bits(width);
        b.scaleMode = scaleMode;
        b.method = method;
        b.search = search;
        b.clipping = clipping;
        b.minClip = minClip;
        b.rounding = rounding;
        return b.build();
    }

    /** Options of a {@link WeightQuantizer}. */
    public static final class Builder {
        private int bits = 4;
        private ScaleMode scaleMode = ScaleMode.PER_CHANNEL;
        private QuantizationMethod method = QuantizationMethod.POWER;
        private ExponentSearch search =
                ExponentSearch.builder()
                        .bounds(ExponentSearch.DEFAULT_LOWER, ExponentSearch.WEIGHT_UPPER)
                        .build();
        private boolean clipping;
        private double minClip = ClippingSearch.DEFAULT_MIN_CLIP;
        private WeightRounding rounding = WeightRounding.NEAREST;

        private Builder() {}

        /**
         * Clips each layer's range to {@code c * max|w|} per channel, {@code c} in {@code [minClip,
         * 1]} searched jointly with the exponent ({@link ClippingSearch}); off by default.
         *
         * @param clip whether to clip
         * @return this builder
         */
        public Builder clipping(boolean clip) {
            this.clipping = clip;
            return this;
        }

        /**
         * Sets the smallest clipping ratio searched.
         *
         * @param ratio in {@code (0, 1]}
         * @return this builder
         */
        public Builder minClip(double ratio) {
            new ClippingSearch(search, ratio);
            this.minClip = ratio;
            return this;
        }

        /**
         * Sets how weights are rounded to their grid.
         *
         * @param weightRounding nearest (default) or error-aware
         * @return this builder
         */
        public Builder rounding(WeightRounding weightRounding) {
            this.rounding = java.util.Objects.requireNonNull(weightRounding, "weight rounding");
            return this;
        }

        /**
         * Sets the bit width.
         *
         * @param weightBits 2 to 8
         * @return this builder
         */
        public Builder bits(int weightBits) {
            this.bits = BitWidth.check(weightBits, Role.WEIGHT_BITS);
            return this;
        }

        /**
         * Sets the scale mode.
         *
         * @param mode per channel (default) or per tensor
         * @return this builder
         */
        public Builder scaleMode(ScaleMode mode) {
            this.scaleMode = mode;
            return this;
        }

        /**
         * Sets the method.
         *
         * @param quantizationMethod PowerQuant (default) or the uniform baseline
         * @return this builder
         */
        public Builder method(QuantizationMethod quantizationMethod) {
            this.method = quantizationMethod;
            return this;
        }

        /**
         * Sets the exponent search.
         *
         * @param exponentSearch the search
         * @return this builder
         */
        public Builder search(ExponentSearch exponentSearch) {
            this.search = exponentSearch;
            return this;
        }

        /**
         * Returns the quantizer.
         *
         * @return the quantizer
         */
        public WeightQuantizer build() {
            return new WeightQuantizer(this);
        }
    }
}
