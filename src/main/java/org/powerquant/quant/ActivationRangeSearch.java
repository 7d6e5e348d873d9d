package org.powerquant.quant;

/**
 * Fits the clipping range and exponent of an unsigned activation quantizer to samples of the
 * activation, minimising the exact squared error on those samples ({@link SortedActivations}).
 *
 * <p>For a fixed exponent the error as a function of the range {@code c} is a sum of rounded terms:
 * roughly convex (clipping error grows below the best range, rounding error above it) but with
 * small jumps. The range is therefore found as the exponent is, by a {@link ScanThenBrent} on the
 * range's logarithm: a geometric scan of {@code [lowestFraction * max, max]} brackets the minimum,
 * Commons Math's Brent refines it between the scan points either side. The exponent is searched
 * outside it by an {@link ExponentSearch} whose objective is the best error over ranges, so the
 * result is never worse than the best uniform range ({@code a = 1}), which the fit also reports.
 *
 * <p>Immutable and thread-safe; build with {@link #builder()}.
 */
public final class ActivationRangeSearch {

    private final ExponentSearch exponentSearch;
    private final double lowestFraction;
    private final ScanThenBrent rangeMinimizer;

    private ActivationRangeSearch(Builder builder) {
        exponentSearch = builder.exponentSearch;
        lowestFraction = builder.lowestFraction;
        rangeMinimizer =
                ScanThenBrent.builder()
                        .scanPoints(builder.clipSteps + 1)
                        .tolerance(builder.relativeTolerance)
                        .build();
    }

    /**
     * Returns a builder: exponent in {@code [0.2, 1.5]} (basin step 0.005, tolerance 1e-3), range
     * scanned over 48 geometric steps from 1 % of the largest sample to the largest, refined to a
     * relative 1e-4.
     *
     * @return a builder: exponent in {@code [0.2, 1.5]} (basin step 0.005, tolerance 1e-3), range
     *     scanned over 48 geometric steps from 1 % of the largest sample to the largest, refined to
     *     a relative 1e-4
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Fits the range and, for {@link QuantizationMethod#POWER}, the exponent.
     *
     * @param samples the activation samples
     * @param bits the activation bit width, 2 to 8
     * @param method power (exponent searched) or uniform ({@code a = 1})
     * @return the fit, with the uniform fit's range and error beside it
     */
    public Fit fit(SortedActivations samples, int bits, QuantizationMethod method) {
        return fit(samples, bits, method, CodeRounding.POWER_DOMAIN);
    }

    /**
     * Fits the range and, for {@link QuantizationMethod#POWER}, the exponent, for a given rounding:
     * every error is counted with the codes that rounding gives.
     *
     * @param samples the activation samples
     * @param bits the activation bit width, 2 to 8
     * @param method power (exponent searched) or uniform ({@code a = 1})
     * @param rounding how samples will be rounded to their codes
     * @return the fit, with the uniform fit's range and error beside it
     */
    public Fit fit(
            SortedActivations samples, int bits, QuantizationMethod method, CodeRounding rounding) {
        PowerQuantizer uniform = PowerQuantizer.unsigned(bits, 1.0).withRounding(rounding);
        Range uniformRange = bestRange(samples, uniform);
        if (method == QuantizationMethod.UNIFORM) {
            return new Fit(
                    bits,
                    1.0,
                    uniformRange.clip(),
                    uniformRange.error(),
                    uniformRange.clip(),
                    uniformRange.error(),
                    samples.count(),
                    rounding);
        }
        ExponentSearch.Result result =
                exponentSearch.minimize(a -> bestRange(samples, uniform.withExponent(a)).error());
        if (!(result.error() < uniformRange.error())) {
            return new Fit(
                    bits,
                    1.0,
                    uniformRange.clip(),
                    uniformRange.error(),
                    uniformRange.clip(),
                    uniformRange.error(),
                    samples.count(),
                    rounding);
        }
        Range best = bestRange(samples, uniform.withExponent(result.exponent()));
        return new Fit(
                bits,
                result.exponent(),
                best.clip(),
                best.error(),
                uniformRange.clip(),
                uniformRange.error(),
                samples.count(),
                rounding);
    }

    /**
     * The clipping range that minimises the squared error for a given quantizer.
     *
     * @param samples the samples
     * @param quantizer an unsigned quantizer
     * @return the best range found and its error; range 0 if every sample is zero
     */
    public Range bestRange(SortedActivations samples, PowerQuantizer quantizer) {
        float max = samples.max();
        if (!(max > 0)) {
            return new Range(0f, 0);
        }
        double logMax = StrictMath.log(max);
        ScanThenBrent.Minimum best =
                rangeMinimizer.minimize(
                        t -> samples.squaredError(quantizer, clipAt(t)),
                        logMax + StrictMath.log(lowestFraction),
                        logMax);
        return new Range(clipAt(best.point()), best.value());
    }

    private static float clipAt(double logClip) {
        return (float) StrictMath.exp(logClip);
    }

    /**
     * A clipping range and its squared error.
     *
     * @param clip the range {@code c}
     * @param error the squared error with that range
     */
    public record Range(float clip, double error) {}

    /**
     * The fitted grid of one activation quantizer.
     *
     * @param bits the bit width
     * @param exponent the exponent ({@code 1} for uniform)
     * @param clip the clipping range
     * @param error the squared error on the samples
     * @param uniformClip the best range of the uniform grid
     * @param uniformError the squared error of the uniform grid with its best range
     * @param samples how many samples the fit saw, zeros included
     * @param rounding the rounding every error was counted with
     */
    public record Fit(
            int bits,
            double exponent,
            float clip,
            double error,
            float uniformClip,
            double uniformError,
            long samples,
            CodeRounding rounding) {}

    /** Options of an {@link ActivationRangeSearch}. */
    public static final class Builder {
        private ExponentSearch exponentSearch = ExponentSearch.builder().basinStep(0.005).build();
        private int clipSteps = 48;
        private double lowestFraction = 0.01;
        private double relativeTolerance = 1e-4;

        private Builder() {}

        /**
         * Sets the search over exponents.
         *
         * @param search the exponent search
         * @return this builder
         */
        public Builder exponentSearch(ExponentSearch search) {
            this.exponentSearch = search;
            return this;
        }

        /**
         * Sets how many geometric steps the range scan takes before the Brent refinement.
         *
         * @param steps at least 2
         * @return this builder
         */
        public Builder clipSteps(int steps) {
            if (steps < 2) {
                throw new IllegalArgumentException("clip steps must be at least 2, got " + steps);
            }
            this.clipSteps = steps;
            return this;
        }

        /**
         * Sets the smallest range scanned, as a fraction of the largest sample.
         *
         * @param fraction in {@code (0, 1)}
         * @return this builder
         */
        public Builder lowestFraction(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new IllegalArgumentException(
                        "lowest fraction must be in (0, 1), got " + fraction);
            }
            this.lowestFraction = fraction;
            return this;
        }

        /**
         * Sets the tolerance of the range, relative to the range (on its logarithm).
         *
         * @param tolerance {@code > 0}
         * @return this builder
         */
        public Builder relativeTolerance(double tolerance) {
            if (!(tolerance > 0)) {
                throw new IllegalArgumentException(
                        "relative tolerance must be positive, got " + tolerance);
            }
            this.relativeTolerance = tolerance;
            return this;
        }

        /**
         * Returns the search.
         *
         * @return the search
         */
        public ActivationRangeSearch build() {
            return new ActivationRangeSearch(this);
        }
    }
}
