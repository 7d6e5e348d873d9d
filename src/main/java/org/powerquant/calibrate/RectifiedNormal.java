package org.powerquant.calibrate;

import org.apache.commons.numbers.gamma.Erfc;

/**
 * Mean and variance of a rectified normal {@code max(0, z)}, {@code z ~ N(μ, σ²)}, in closed form.
 */
final class RectifiedNormal {

    private RectifiedNormal() {}

    /**
     * {@code E[y] = μ Φ(μ/σ) + σ φ(μ/σ)}, {@code E[y²] = (μ² + σ²) Φ(μ/σ) + μ σ φ(μ/σ)}.
     *
     * @param mu the mean of {@code z}
     * @param sigma the standard deviation of {@code z}, {@code >= 0}
     * @return {@code {mean, variance}} of {@code max(0, z)}
     */
    static double[] moments(double mu, double sigma) {
        if (sigma == 0) {
            double y = Math.max(0, mu);
            return new double[] {y, 0};
        }
        double t = mu / sigma;
        double cdf = 0.5 * Erfc.value(-t / Math.sqrt(2));
        double pdf = Math.exp(-0.5 * t * t) / Math.sqrt(2 * Math.PI);
        double mean = mu * cdf + sigma * pdf;
        double second = (mu * mu + sigma * sigma) * cdf + mu * sigma * pdf;
        return new double[] {mean, Math.max(0, second - mean * mean)};
    }
}
