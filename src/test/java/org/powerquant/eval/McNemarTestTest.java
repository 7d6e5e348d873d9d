package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exact McNemar test: what it counts and the probability it gives. */
class McNemarTestTest {

    @Test
    void countsTheImagesOnlyOneModelGetsRight() {
        Random random = new Random(1);
        for (int trial = 0; trial < 500; trial++) {
            int images = 1 + random.nextInt(300);
            BitSet first = new BitSet();
            BitSet second = new BitSet();
            int gained = 0;
            int lost = 0;
            for (int i = 0; i < images; i++) {
                boolean a = random.nextInt(10) < 8;
                boolean b = random.nextInt(10) < 8;
                first.set(i, a);
                second.set(i, b);
                gained += b && !a ? 1 : 0;
                lost += a && !b ? 1 : 0;
            }
            McNemarTest test = McNemarTest.of(first, second);
            assertEquals(new McNemarTest(gained, lost), test);
            assertEquals(second.cardinality() - first.cardinality(), test.gained() - test.lost());
            assertEquals(new McNemarTest(lost, gained), McNemarTest.of(second, first));
        }
    }

    @Test
    void pValueIsTwiceTheSmallerBinomialTailCappedAtOne() {
        for (int n = 0; n <= 60; n++) {
            BigInteger all = BigInteger.ONE.shiftLeft(n);
            for (int gained = 0; gained <= n; gained++) {
                int smaller = Math.min(gained, n - gained);
                BigInteger tail = BigInteger.ZERO;
                for (int k = 0; k <= smaller; k++) {
                    tail = tail.add(binomial(n, k));
                }
                double expected =
                        n == 0 ? 1 : Math.min(1, 2 * tail.doubleValue() / all.doubleValue());
                double p = new McNemarTest(gained, n - gained).pValue();
                assertEquals(
                        expected, p, 1e-12 * Math.max(expected, 1e-300) + 1e-15, n + " " + gained);
            }
        }
    }

    @Test
    void aMoreUnevenSplitOfTheSameImagesIsLessLikely() {
        for (int n = 1; n <= 400; n += 7) {
            double previous = 1.0;
            for (int lost = n / 2; lost >= 0; lost--) {
                double p = new McNemarTest(n - lost, lost).pValue();
                assertTrue(p <= previous, n + " " + lost);
                assertEquals(p, new McNemarTest(lost, n - lost).pValue(), 0.0);
                previous = p;
            }
        }
    }

    @Test
    void rejectsNegativeCounts() {
        assertThrows(IllegalArgumentException.class, () -> new McNemarTest(-1, 3));
    }

    private static BigInteger binomial(int n, int k) {
        BigInteger c = BigInteger.ONE;
        for (int i = 0; i < k; i++) {
            c = c.multiply(BigInteger.valueOf(n - i)).divide(BigInteger.valueOf(i + 1));
        }
        return c;
    }
}
