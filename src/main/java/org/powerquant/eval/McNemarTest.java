package org.powerquant.eval;

import java.util.BitSet;
import java.util.Locale;
import org.apache.commons.math3.distribution.BinomialDistribution;

/**
 * Whether two models that scored the same images differ in top-1 accuracy by more than chance: the
 * exact McNemar test. Only the discordant images count, those one model gets right and the other
 * wrong; if the models were equally accurate each discordant image would be equally likely to go
 * either way, so the count won by one of them is binomial with probability one half. The two-sided
 * p-value is twice the smaller tail, at most 1 (and 1 when no image is discordant). A difference of
 * a few images out of thousands is usually well inside what chance gives.
 *
 * @param gained images the second model gets right and the first gets wrong
 * @param lost images the first model gets right and the second gets wrong
 */
public record McNemarTest(int gained, int lost) {

    /**
     * Checks the counts.
     *
     * @param gained images only the second model gets right, at least 0
     * @param lost images only the first model gets right, at least 0
     */
    public McNemarTest {
        if (gained < 0 || lost < 0) {
            throw new IllegalArgumentException(
                    "discordant image counts must be non-negative, got " + gained + " and " + lost);
        }
    }

    /**
     * Compares the per-image top-1 outcomes of two models on the same images.
     *
     * @param first the images the first model gets right (bit {@code i} for the {@code i}-th image)
     * @param second the images the second model gets right, same order
     * @return the test: {@code gained} counts the second model's wins
     */
    public static McNemarTest of(BitSet first, BitSet second) {
        BitSet gained = (BitSet) second.clone();
        gained.andNot(first);
        BitSet lost = (BitSet) first.clone();
        lost.andNot(second);
        return new McNemarTest(gained.cardinality(), lost.cardinality());
    }

    /**
     * Returns the number of discordant images, {@code gained + lost}.
     *
     * @return the number of discordant images, {@code gained + lost}
     */
    public int discordant() {
        return gained + lost;
    }

    /**
     * The exact two-sided p-value: {@code min(1, 2 P(X <= min(gained, lost)))} for {@code X ~
     * Binomial(gained + lost, 1/2)}.
     *
     * @return the probability, under equal accuracy, of a split at least this uneven
     */
    public double pValue() {
        int n = discordant();
        if (n == 0) {
            return 1.0;
        }
        // No random generator: only the distribution's exact probabilities are used.
        BinomialDistribution split = new BinomialDistribution(null, n, 0.5);
        return Math.min(1.0, 2 * split.cumulativeProbability(Math.min(gained, lost)));
    }

    /**
     * The p-value as tables print it: three decimals, or {@code <0.001} below that.
     *
     * @return the p-value in words
     */
    public String pValueText() {
        double p = pValue();
        return p < 1e-3 ? "<0.001" : String.format(Locale.ROOT, "%.3f", p);
    }
}
