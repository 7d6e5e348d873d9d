package org.powerquant.quant;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * An equal-weight mixture of normal distributions (one component per channel of an activation
 * tensor), optionally rectified, and the expected squared error of an unsigned power quantizer on
 * it, in closed form.
 *
 * <p>A rectified component is {@code max(0, z)} with {@code z ~ N(μ, σ²)}: a ReLU output. A plain
 * component is {@code z} itself, whose negative part an unsigned quantizer clips to zero.
 *
 * <p>The quantizer with {@code N = 2^b − 1} codes, exponent {@code a} and range {@code c} maps
 * {@code x} to the level {@code c (k/N)^(1/a)} of the cell {@code [c t_{k−1}, c t_k)} it falls in,
 * {@code t_k = ((k + 1/2)/N)^(1/a)} ({@link PowerQuantizer#threshold(int)}; the midpoint of the
 * levels {@code k} and {@code k + 1} under {@link CodeRounding#NEAREST_LEVEL}); values above {@code
 * c} are clipped to {@code c}. The expected squared error is a sum over components and cells of
 * {@code ∫ (x − L)² φ_{μ,σ}(x) dx} on the cell, each given by the partial moments of the normal:
 * with {@code d = μ − L}, {@code α, β} the standardised cell bounds and {@code P = Φ(β) − Φ(α)},
 *
 * <pre>  ∫ (x − L)² φ = d² P + 2 d σ (φ(α) − φ(β)) + σ² (P + α φ(α) − β φ(β)).</pre>
 *
 * <p>Φ is evaluated on the tail that keeps it accurate, by {@link NormalTail} (exact {@code erfc}
 * values interpolated to within {@code 1e-15}). Cells further than {@value #CUTOFF} standard
 * deviations from a component's mean carry less than {@code 1e-18} of its mass and are skipped. A
 * rectified component's mass below zero sits exactly at the level 0 and costs nothing. Large
 * evaluations are split over the common fork-join pool in fixed chunks summed in a fixed order:
 * evaluation is deterministic.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class NormalMixture {

    /** Cells beyond this many standard deviations from a component's mean are skipped. */
    public static final double CUTOFF = 9.0;

    /**
     * Components times cells above which one evaluation is split over the common fork-join pool.
     */
    private static final long PARALLEL_WORK = 32_768;

    /**
     * Number of fixed chunks of a split evaluation (summed in a fixed order, so results are
     * deterministic).
     */
    private static final int CHUNKS = 8;

    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);

    private final double[] means;
    private final double[] stds;
    private final boolean rectified;

    private NormalMixture(double[] means, double[] stds, boolean rectified) {
        if (means.length == 0 || means.length != stds.length) {
            throw new IllegalArgumentException(
                    "a normal mixture needs as many means as standard deviations, at least one; got "
                            + means.length
                            + " and "
                            + stds.length);
        }
        for (int i = 0; i < means.length; i++) {
            if (!Double.isFinite(means[i]) || !(stds[i] >= 0) || Double.isInfinite(stds[i])) {
                throw new IllegalArgumentException(
                        "component "
                                + i
                                + ": mean "
                                + means[i]
                                + " and std "
                                + stds[i]
                                + " must be finite with std >= 0");
            }
        }
        this.means = means.clone();
        this.stds = stds.clone();
        this.rectified = rectified;
    }

    /**
     * A mixture of rectified normals {@code max(0, N(μ_i, σ_i²))}, one per channel.
     *
     * @param means the pre-activation means
     * @param stds the pre-activation standard deviations (0 for a constant channel)
     * @return the mixture
     */
    public static NormalMixture rectified(double[] means, double[] stds) {
        return new NormalMixture(means, stds, true);
    }

    /**
     * A mixture of normals {@code N(μ_i, σ_i²)} (not rectified).
     *
     * @param means the means
     * @param stds the standard deviations
     * @return the mixture
     */
    public static NormalMixture normal(double[] means, double[] stds) {
        return new NormalMixture(means, stds, false);
    }

    /**
     * Returns the number of components.
     *
     * @return the number of components
     */
    public int size() {
        return means.length;
    }

    /**
     * Returns whether the components are rectified.
     *
     * @return whether the components are rectified
     */
    public boolean isRectified() {
        return rectified;
    }

    /**
     * Returns a copy of the component means (before rectification).
     *
     * @return a copy of the component means (before rectification)
     */
    public double[] means() {
        return means.clone();
    }

    /**
     * Returns a copy of the component standard deviations (before rectification).
     *
     * @return a copy of the component standard deviations (before rectification)
     */
    public double[] stds() {
        return stds.clone();
    }

    /**
     * Returns the same mixture shifted by {@code −offset} (every mean minus {@code offset}).
     *
     * @param offset the shift
     * @return the shifted mixture
     */
    public NormalMixture shifted(double offset) {
        double[] m = means.clone();
        for (int i = 0; i < m.length; i++) {
            m[i] -= offset;
        }
        return new NormalMixture(m, stds, rectified);
    }

    /**
     * The largest value the mixture takes with non-negligible probability: {@code max_i(μ_i +
     * CUTOFF σ_i)}.
     *
     * @return the upper extent
     */
    public double upperExtent() {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < means.length; i++) {
            max = Math.max(max, means[i] + CUTOFF * stds[i]);
        }
        return max;
    }

    /**
     * The expected squared error per element of an unsigned quantizer with clipping range {@code
     * range} on this mixture (values below zero are clipped to zero, above {@code range} to {@code
     * range}).
     *
     * @param quantizer an unsigned quantizer (its bits and exponent are used)
     * @param range the clipping range {@code c > 0}
     * @return {@code E[(Q(x) − x)²]}, averaged over components with equal weights
     */
    public double expectedSquaredError(PowerQuantizer quantizer, double range) {
        if (quantizer.isSigned()) {
            throw new IllegalArgumentException(
                    "activation quantizers are unsigned, got " + quantizer);
        }
        if (!(range > 0) || Double.isInfinite(range)) {
            throw new IllegalArgumentException("range must be positive and finite, got " + range);
        }
        int n = quantizer.maxCode();
        // Cell k (0..n) is [bounds[k], bounds[k+1]) with level levels[k]; cell n extends to +inf.
        double[] bounds = new double[n + 2];
        double[] levels = new double[n + 1];
        bounds[0] = rectified ? 0.0 : Double.NEGATIVE_INFINITY;
        for (int k = 1; k <= n; k++) {
            bounds[k] = range * quantizer.threshold(k - 1);
        }
        bounds[n + 1] = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= n; k++) {
            levels[k] = range * quantizer.level(k);
        }
        int chunks = splits(quantizer) ? CHUNKS : 1;
        double[] partial =
                IntStream.range(0, chunks)
                        .parallel()
                        .mapToDouble(
                                chunk -> {
                                    double sum = 0;
                                    for (int i = chunk; i < means.length; i += chunks) {
                                        sum += componentError(means[i], stds[i], bounds, levels);
                                    }
                                    return sum;
                                })
                        .toArray();
        double sum = 0;
        for (double p : partial) {
            sum += p;
        }
        return sum / means.length;
    }

    /**
     * Whether one evaluation with this quantizer is split over the fork-join pool.
     *
     * @param quantizer the quantizer
     * @return whether components times cells reach {@code PARALLEL_WORK}
     */
    boolean splits(PowerQuantizer quantizer) {
        return (long) means.length * (quantizer.maxCode() + 1) >= PARALLEL_WORK;
    }

    private double componentError(double mu, double sigma, double[] bounds, double[] levels) {
        int cells = levels.length;
        if (sigma == 0) {
            double x = rectified ? Math.max(0, mu) : mu;
            int k = cellOf(bounds, x);
            double e = x - levels[k];
            return e * e;
        }
        double lowLimit = mu - CUTOFF * sigma;
        double highLimit = mu + CUTOFF * sigma;
        if (rectified && highLimit <= 0) {
            return 0;
        }
        int first = Math.max(0, cellOf(bounds, lowLimit));
        int last = Math.min(cells - 1, cellOf(bounds, highLimit));
        double sum = 0;
        double alpha = (bounds[first] - mu) / sigma;
        Tail lower = Tail.at(alpha);
        for (int k = first; k <= last; k++) {
            double beta = (bounds[k + 1] - mu) / sigma;
            Tail upper = Tail.at(beta);
            double p = alpha >= 0 ? lower.sf - upper.sf : upper.cdf - lower.cdf;
            double d = mu - levels[k];
            double phiA = lower.pdf;
            double phiB = upper.pdf;
            double aPhiA = Double.isInfinite(alpha) ? 0 : alpha * phiA;
            double bPhiB = Double.isInfinite(beta) ? 0 : beta * phiB;
            double e =
                    d * d * p + 2 * d * sigma * (phiA - phiB) + sigma * sigma * (p + aPhiA - bPhiB);
            sum += Math.max(0, e);
            alpha = beta;
            lower = upper;
        }
        return sum;
    }

    /** Index of the cell holding {@code x} (cell 0 for values below the first bound). */
    private static int cellOf(double[] bounds, double x) {
        int i = Arrays.binarySearch(bounds, 1, bounds.length - 1, x);
        int insertion = i >= 0 ? i + 1 : -i - 1;
        return insertion - 1;
    }

    /** Φ, 1 − Φ and φ at one standardised point, each computed on its accurate side. */
    private record Tail(double cdf, double sf, double pdf) {
        static Tail at(double z) {
            if (z == Double.NEGATIVE_INFINITY) {
                return new Tail(0, 1, 0);
            }
            if (z == Double.POSITIVE_INFINITY) {
                return new Tail(1, 0, 0);
            }
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * z * z);
            if (z < 0) {
                double cdf = NormalTail.upper(-z);
                return new Tail(cdf, 1 - cdf, pdf);
            }
            double sf = NormalTail.upper(z);
            return new Tail(1 - sf, sf, pdf);
        }
    }
}
