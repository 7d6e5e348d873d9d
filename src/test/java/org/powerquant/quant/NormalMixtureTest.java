package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.apache.commons.numbers.gamma.Erfc;
import org.junit.jupiter.api.Test;

/**
 * The closed-form expected error of an activation quantizer against brute-force numerical
 * integration.
 */
class NormalMixtureTest {

    /**
     * {@code E[(Q(x) − x)²]} by composite Simpson integration of {@code (Q(x) − x)² φ(x)} on each
     * quantizer cell (2,000 panels per cell, cells located with {@link PowerQuantizer#threshold},
     * the level taken from {@link PowerQuantizer#reconstruct} at the cell's midpoint), over {@code
     * μ ± 12σ}.
     */
    private static double simpson(NormalMixture mixture, PowerQuantizer q, double c) {
        double[] means = mixture.means();
        double[] stds = mixture.stds();
        double total = 0;
        for (int i = 0; i < means.length; i++) {
            double mu = means[i];
            double s = stds[i];
            double lo = mu - 12 * s;
            double hi = mu + 12 * s;
            // cell boundaries in x
            java.util.List<Double> cuts = new java.util.ArrayList<>();
            cuts.add(lo);
            if (lo < 0 && hi > 0) {
                cuts.add(0.0);
            }
            for (int k = 0; k < q.maxCode(); k++) {
                double b = c * q.threshold(k);
                if (b > lo && b < hi) {
                    cuts.add(b);
                }
            }
            if (c > lo && c < hi) {
                cuts.add(c);
            }
            cuts.add(hi);
            cuts.sort(Double::compare);
            double sum = 0;
            for (int j = 0; j + 1 < cuts.size(); j++) {
                double a = cuts.get(j);
                double b = cuts.get(j + 1);
                double mid = 0.5 * (a + b);
                boolean clippedBelow = mid < 0;
                double level = clippedBelow ? 0 : c * q.reconstruct(mid / c);
                if (clippedBelow && mixture.isRectified()) {
                    continue; // max(0, z) = 0 is reconstructed exactly
                }
                int panels = 2000;
                double h = (b - a) / panels;
                double part = 0;
                for (int p = 0; p <= panels; p++) {
                    double x = a + p * h;
                    double e = x - level;
                    double v =
                            e
                                    * e
                                    * Math.exp(-0.5 * ((x - mu) / s) * ((x - mu) / s))
                                    / (s * Math.sqrt(2 * Math.PI));
                    part += v * (p == 0 || p == panels ? 1 : p % 2 == 1 ? 4 : 2);
                }
                sum += part * h / 3;
            }
            total += sum;
        }
        return total / means.length;
    }

    private static NormalMixture randomMixture(Random random, boolean rectified) {
        int k = 1 + random.nextInt(6);
        double[] m = new double[k];
        double[] s = new double[k];
        for (int i = 0; i < k; i++) {
            m[i] = random.nextGaussian() * 1.5;
            s[i] = 0.05 + random.nextDouble() * 1.5;
        }
        return rectified ? NormalMixture.rectified(m, s) : NormalMixture.normal(m, s);
    }

    @Test
    void closedFormEqualsNumericalIntegration() {
        Random random = new Random(20261127);
        for (int trial = 0; trial < 60; trial++) {
            boolean rectified = trial % 3 != 0;
            NormalMixture mixture = randomMixture(random, rectified);
            int bits = 2 + random.nextInt(5);
            double a = 0.3 + random.nextDouble() * 1.2;
            double c = 0.2 + random.nextDouble() * 4;
            for (CodeRounding rounding : CodeRounding.values()) {
                PowerQuantizer q = PowerQuantizer.unsigned(bits, a).withRounding(rounding);
                double closed = mixture.expectedSquaredError(q, c);
                double numeric = simpson(mixture, q, c);
                assertEquals(
                        numeric,
                        closed,
                        1e-6 * numeric,
                        "trial " + trial + ": " + q + ", c = " + c);
            }
        }
    }

    @Test
    void eightBitsOnManyComponentsEqualsNumericalIntegration() {
        Random random = new Random(7);
        double[] m = new double[40];
        double[] s = new double[40];
        for (int i = 0; i < m.length; i++) {
            m[i] = random.nextGaussian();
            s[i] = 0.2 + random.nextDouble();
        }
        NormalMixture mixture = NormalMixture.rectified(m, s);
        PowerQuantizer q = PowerQuantizer.unsigned(8, 0.7);
        double closed = mixture.expectedSquaredError(q, 3.0);
        assertEquals(simpson(mixture, q, 3.0), closed, 1e-6 * closed);
    }

    @Test
    void pointMassesAreExact() {
        NormalMixture mixture =
                NormalMixture.rectified(new double[] {-1, 0.3, 5}, new double[] {0, 0, 0});
        PowerQuantizer q = PowerQuantizer.unsigned(3, 0.5);
        double c = 2;
        double expected = 0;
        for (double x : new double[] {0, 0.3, 5}) {
            double e = c * q.reconstruct(x / c) - x;
            expected += e * e;
        }
        assertEquals(expected / 3, mixture.expectedSquaredError(q, c), 1e-15);
    }

    @Test
    void deterministic() {
        Random random = new Random(3);
        double[] m = new double[600];
        double[] s = new double[600];
        for (int i = 0; i < m.length; i++) {
            m[i] = random.nextGaussian();
            s[i] = 0.1 + random.nextDouble();
        }
        NormalMixture mixture = NormalMixture.rectified(m, s);
        PowerQuantizer q = PowerQuantizer.unsigned(8, 0.6);
        double first = mixture.expectedSquaredError(q, 2.5);
        for (int i = 0; i < 5; i++) {
            assertEquals(first, mixture.expectedSquaredError(q, 2.5), 0.0);
        }
    }

    @Test
    void normalTailMatchesErfc() {
        Random random = new Random(11);
        for (int i = 0; i < 100_000; i++) {
            double z = random.nextDouble() * 12;
            double exact = 0.5 * Erfc.value(z / Math.sqrt(2));
            assertEquals(exact, NormalTail.upper(z), 1e-15 + 1e-9 * exact, "z = " + z);
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(
                IllegalArgumentException.class,
                () -> NormalMixture.rectified(new double[] {0}, new double[] {-1}));
        assertThrows(
                IllegalArgumentException.class,
                () -> NormalMixture.rectified(new double[0], new double[0]));
        NormalMixture m = NormalMixture.rectified(new double[] {0}, new double[] {1});
        assertThrows(
                IllegalArgumentException.class,
                () -> m.expectedSquaredError(PowerQuantizer.signed(4, 1), 1));
        assertThrows(
                IllegalArgumentException.class,
                () -> m.expectedSquaredError(PowerQuantizer.unsigned(4, 1), 0));
        assertTrue(m.expectedSquaredError(PowerQuantizer.unsigned(4, 1), 1) > 0);
    }
}
