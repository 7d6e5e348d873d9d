package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The power quantizer's grid: what a code is, what it stands for, and the uniform special case. */
class PowerQuantizerTest {

    private static final int CASES = 20_000;

    @Test
    void exponentOneIsPlainUniformQuantization() {
        Random random = new Random(1);
        for (int i = 0; i < CASES; i++) {
            int bits = 2 + random.nextInt(7);
            int n = (1 << (bits - 1)) - 1;
            float scale = (float) (0.01 + random.nextDouble());
            float w = (float) ((2 * random.nextDouble() - 1) * scale);
            PowerQuantizer q = PowerQuantizer.signed(bits, 1.0);
            long magnitudeCode = Math.round((double) n * (Math.abs(w) / scale));
            long uniformCode = w < 0 ? -magnitudeCode : magnitudeCode;
            assertEquals(uniformCode, q.quantize(w, scale), () -> "w=" + w + " s=" + scale);
            assertEquals(
                    (float) (Math.abs(uniformCode) / (double) n * scale)
                            * Math.signum((float) uniformCode),
                    q.dequantize((int) uniformCode, scale),
                    0.0);
        }
    }

    @Test
    void codesStayInRangeForAnyInput() {
        Random random = new Random(2);
        for (int i = 0; i < CASES; i++) {
            int bits = 2 + random.nextInt(7);
            double a = 0.1 + 2 * random.nextDouble();
            float scale = (float) (random.nextDouble() * 3);
            float value = (float) ((random.nextDouble() - 0.5) * 10);
            PowerQuantizer signed = PowerQuantizer.signed(bits, a);
            PowerQuantizer unsigned = PowerQuantizer.unsigned(bits, a);
            int k = signed.quantize(value, scale);
            assertTrue(Math.abs(k) <= (1 << (bits - 1)) - 1, "signed code " + k + " out of range");
            int u = unsigned.quantize(value, scale);
            assertTrue(u >= 0 && u <= (1 << bits) - 1, "unsigned code " + u + " out of range");
        }
    }

    @Test
    void quantizeDequantizeIsIdempotent() {
        Random random = new Random(3);
        for (int i = 0; i < CASES; i++) {
            int bits = 2 + random.nextInt(7);
            double a = 0.2 + 1.3 * random.nextDouble();
            float scale = (float) (0.001 + random.nextDouble());
            float w = (float) ((2 * random.nextDouble() - 1) * scale);
            PowerQuantizer q = PowerQuantizer.signed(bits, a);
            int code = q.quantize(w, scale);
            float once = q.dequantize(code, scale);
            assertEquals(
                    code, q.quantize(once, scale), () -> "w=" + w + " a=" + a + " bits=" + bits);
            assertEquals(once, q.dequantize(q.quantize(once, scale), scale), 0.0f);
        }
    }

    @Test
    void codeIsMonotoneInMagnitude() {
        Random random = new Random(4);
        for (int i = 0; i < CASES; i++) {
            PowerQuantizer q =
                    PowerQuantizer.signed(2 + random.nextInt(7), 0.2 + 1.3 * random.nextDouble())
                            .withRounding(
                                    random.nextBoolean()
                                            ? CodeRounding.POWER_DOMAIN
                                            : CodeRounding.NEAREST_LEVEL);
            double x = random.nextDouble();
            double y = random.nextDouble();
            assertTrue(q.code(Math.min(x, y)) <= q.code(Math.max(x, y)), q.toString());
        }
    }

    @Test
    void nearestLevelRoundingPicksTheClosestLevelAndItsThresholdsAreTheMidpoints() {
        Random random = new Random(5);
        for (int i = 0; i < CASES; i++) {
            PowerQuantizer q =
                    PowerQuantizer.signed(2 + random.nextInt(7), 0.2 + 1.3 * random.nextDouble())
                            .withRounding(CodeRounding.NEAREST_LEVEL);
            double x = random.nextDouble();
            double error = Math.abs(x - q.level(q.code(x)));
            for (int k = 0; k <= q.maxCode(); k++) {
                assertTrue(error <= Math.abs(x - q.level(k)), q + " x = " + x + " level " + k);
            }
            int k = random.nextInt(q.maxCode());
            double t = q.threshold(k);
            assertTrue(
                    q.code(Math.nextDown(t)) <= k && q.code(Math.nextUp(t)) >= k + 1,
                    q + " k " + k);
        }
    }

    @Test
    void levelsInvertCodesOnTheGrid() {
        for (int bits = 2; bits <= 8; bits++) {
            for (double a : new double[] {0.2, 0.5, 0.77, 1.0, 1.5}) {
                for (CodeRounding rounding : CodeRounding.values()) {
                    PowerQuantizer q = PowerQuantizer.signed(bits, a).withRounding(rounding);
                    for (int k = 0; k <= q.maxCode(); k++) {
                        assertEquals(k, q.code(q.level(k)), q + " code " + k);
                    }
                    assertEquals(1.0, q.level(q.maxCode()), 0.0);
                }
            }
        }
    }

    @Test
    void codeExceedsAndCodeFromAgreeWithTheCodeEvenAnUlpFromAThreshold() {
        Random random = new Random(6);
        for (int i = 0; i < CASES; i++) {
            int bits = 2 + random.nextInt(7);
            double a = 0.02 + 3 * random.nextDouble();
            PowerQuantizer q =
                    (random.nextBoolean()
                                    ? PowerQuantizer.signed(bits, a)
                                    : PowerQuantizer.unsigned(bits, a))
                            .withRounding(
                                    random.nextBoolean()
                                            ? CodeRounding.POWER_DOMAIN
                                            : CodeRounding.NEAREST_LEVEL);
            int k = random.nextInt(q.maxCode() + 1);
            double t = q.threshold(Math.min(k, q.maxCode() - 1));
            // Beside a threshold at every scale, from one ulp to far beyond the settled margin,
            // as a float (codes are taken from floats) and as a double; and anywhere at all.
            double offset =
                    (random.nextBoolean() ? 1 : -1) * Math.pow(10, -17 + 16 * random.nextDouble());
            double near = t * (1 + offset);
            double[] xs = {
                near,
                (float) near,
                Math.nextUp(t),
                Math.nextDown(t),
                (float) t,
                Math.nextUp((float) t),
                Math.nextDown((float) t),
                1.2 * random.nextDouble()
            };
            for (double x : xs) {
                int code = q.code(x);
                assertEquals(code > k, q.codeExceeds(x, k), () -> q + " x = " + x + " k = " + k);
                int floor = random.nextInt(code + 1);
                assertEquals(code, q.codeFrom(x, floor), () -> q + " x = " + x + " from " + floor);
            }
        }
    }

    @Test
    void unsignedQuantizerClipsNegativesAndLargeValues() {
        PowerQuantizer q = PowerQuantizer.unsigned(4, 0.5);
        assertEquals(15, q.maxCode());
        assertEquals(0, q.quantize(-3, 1));
        assertEquals(15, q.quantize(7, 1));
        assertEquals(0, q.quantize(1, 0));
    }
}
