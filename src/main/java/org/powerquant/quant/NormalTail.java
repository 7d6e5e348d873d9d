package org.powerquant.quant;

import org.apache.commons.numbers.gamma.Erfc;

/**
 * The upper tail of the standard normal, {@code Q(z) = 1 − Φ(z) = erfc(z/√2)/2} for {@code z >= 0},
 * fast: quintic Hermite interpolation between exact values on a grid of step {@code 1/64} over
 * {@code [0, 9]} (the interpolant matches {@code Q}, {@code Q' = −φ} and {@code Q'' = zφ} at every
 * node; its error is below {@code 1e-15}), and Commons Numbers' exact {@code Erfc} beyond.
 *
 * <p>It is what makes the closed-form expected error of {@link NormalMixture} cheap: one evaluation
 * per cell boundary and component.
 */
final class NormalTail {

    private static final double STEP = 1.0 / 64;
    private static final double LIMIT = 9.0;
    private static final int NODES = (int) Math.round(LIMIT / STEP) + 1;
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double[] Q = new double[NODES];
    private static final double[] D1 = new double[NODES];
    private static final double[] D2 = new double[NODES];

    static {
        for (int i = 0; i < NODES; i++) {
            double z = i * STEP;
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * z * z);
            Q[i] = 0.5 * Erfc.value(z / Math.sqrt(2.0));
            D1[i] = -pdf * STEP;
            D2[i] = z * pdf * STEP * STEP;
        }
    }

    private NormalTail() {}

    /**
     * {@code Q(z) = P(Z > z)} for a standard normal {@code Z}.
     *
     * @param z a non-negative point
     * @return the upper tail probability
     */
    static double upper(double z) {
        if (!(z < LIMIT)) {
            return z == Double.POSITIVE_INFINITY ? 0 : 0.5 * Erfc.value(z / Math.sqrt(2.0));
        }
        double position = z / STEP;
        int i = (int) position;
        double t = position - i;
        double t2 = t * t;
        double t3 = t2 * t;
        double t4 = t3 * t;
        double t5 = t4 * t;
        double h0 = 1 - 10 * t3 + 15 * t4 - 6 * t5;
        double h1 = t - 6 * t3 + 8 * t4 - 3 * t5;
        double h2 = 0.5 * (t2 - 3 * t3 + 3 * t4 - t5);
        double h3 = 10 * t3 - 15 * t4 + 6 * t5;
        double h4 = -4 * t3 + 7 * t4 - 3 * t5;
        double h5 = 0.5 * (t3 - 2 * t4 + t5);
        return h0 * Q[i]
                + h1 * D1[i]
                + h2 * D2[i]
                + h3 * Q[i + 1]
                + h4 * D1[i + 1]
                + h5 * D2[i + 1];
    }
}
