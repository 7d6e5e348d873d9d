package org.powerquant.quant;

import java.util.Objects;

/**
 * The grid of one power quantizer: a bit width, a sign convention and an exponent {@code a}.
 *
 * <p>A magnitude {@code x} already normalised by its scale ({@code x = |w| / s}, so {@code 0 <= x
 * <= 1}) gets the code {@code k = round(N * x^a)} and is reconstructed as {@code (k / N)^(1/a)}.
 * Signed quantizers (weights) have {@code N = 2^(b-1) - 1} magnitude levels and keep the sign
 * aside; unsigned ones (activations after ReLU) have {@code N = 2^b - 1}. With {@code a = 1} this
 * is plain uniform quantization, bit for bit: {@link StrictMath#pow} is exact for an exponent of
 * one. {@link #withRounding} with {@link CodeRounding#NEAREST_LEVEL} gives the same grid with each
 * magnitude rounded to its nearest level instead.
 *
 * <p>Powers are {@link StrictMath#pow} (fdlibm's), not {@link Math#pow}, whose intrinsic may differ
 * by an ulp between interpreted and compiled code: a code must not depend on when it is computed.
 * Rounding is {@link Math#round(double)} (half up). {@link StrictMath#pow} is semi-monotonic, so
 * {@link #code(double)} is non-decreasing in {@code x}: the codes of sorted magnitudes form
 * consecutive runs, which is what {@link SortedMagnitudes} relies on to evaluate errors exactly
 * without visiting every weight.
 */
public final class PowerQuantizer {

    /**
     * Relative distance from a rounding threshold beyond which {@link #codeExceeds} settles the
     * comparison with the threshold alone (divided by the exponent when it is below one): the
     * powers behind a code are within an ulp or two, some seven orders of magnitude closer.
     */
    private static final double SETTLED_MARGIN = 1e-9;

    private final int bits;
    private final boolean signed;
    private final int maxCode;
    private final double exponent;
    private final double inverseExponent;
    private final CodeRounding rounding;
    private final double[] levels;
    private final double[] thresholds;
    private final double margin;

    private PowerQuantizer(int bits, boolean signed, double exponent, CodeRounding rounding) {
        BitWidth.check(bits, "quantizer bits");
        if (!(exponent > 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException(
                    "exponent must be a positive finite number, got " + exponent);
        }
        this.bits = bits;
        this.signed = signed;
        this.maxCode = signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
        this.exponent = exponent;
        this.inverseExponent = 1.0 / exponent;
        this.rounding = Objects.requireNonNull(rounding, "code rounding");
        // Levels and thresholds are read once per run by every exact error evaluation, thousands
        // of times per grid in a range search: computed once here (one pow each), with the same
        // formulas, so that every value is the same double as when it was computed on demand.
        this.levels = new double[maxCode + 1];
        for (int k = 0; k <= maxCode; k++) {
            levels[k] = levelOf(k);
        }
        this.thresholds = new double[maxCode];
        for (int k = 0; k < maxCode; k++) {
            thresholds[k] =
                    rounding == CodeRounding.NEAREST_LEVEL
                            ? (levels[k] + levels[k + 1]) / 2
                            : StrictMath.pow((k + 0.5) / maxCode, inverseExponent);
        }
        this.margin = SETTLED_MARGIN * Math.max(1.0, inverseExponent);
    }

    /**
     * A symmetric signed quantizer, as used for weights: codes in {@code [-N, N]}, {@code N =
     * 2^(b-1) - 1}.
     *
     * @param bits the bit width, 2 to 8
     * @param exponent the power exponent {@code a > 0}
     * @return the quantizer
     */
    public static PowerQuantizer signed(int bits, double exponent) {
        return new PowerQuantizer(bits, true, exponent, CodeRounding.POWER_DOMAIN);
    }

    /**
     * An unsigned quantizer, as used for activations after ReLU: codes in {@code [0, N]}, {@code N
     * = 2^b - 1}.
     *
     * @param bits the bit width, 2 to 8
     * @param exponent the power exponent {@code a > 0}
     * @return the quantizer
     */
    public static PowerQuantizer unsigned(int bits, double exponent) {
        return new PowerQuantizer(bits, false, exponent, CodeRounding.POWER_DOMAIN);
    }

    /**
     * Returns the same grid with another exponent.
     *
     * @param newExponent the exponent
     * @return a quantizer of the same bit width and sign convention
     */
    public PowerQuantizer withExponent(double newExponent) {
        return new PowerQuantizer(bits, signed, newExponent, rounding);
    }

    /**
     * Returns the same grid with another rule for choosing codes.
     *
     * @param codeRounding where magnitudes are rounded to their codes
     * @return a quantizer of the same bit width, sign convention and exponent
     */
    public PowerQuantizer withRounding(CodeRounding codeRounding) {
        return new PowerQuantizer(bits, signed, exponent, codeRounding);
    }

    /**
     * Returns where magnitudes are rounded to their codes.
     *
     * @return where magnitudes are rounded to their codes
     */
    public CodeRounding rounding() {
        return rounding;
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
     * Returns whether codes carry a sign.
     *
     * @return whether codes carry a sign
     */
    public boolean isSigned() {
        return signed;
    }

    /**
     * Returns {@code N}, the largest magnitude code.
     *
     * @return {@code N}, the largest magnitude code
     */
    public int maxCode() {
        return maxCode;
    }

    /**
     * Returns the exponent {@code a}.
     *
     * @return the exponent {@code a}
     */
    public double exponent() {
        return exponent;
    }

    /**
     * The magnitude code of a normalised magnitude.
     *
     * @param x {@code |w| / s}; values above one are clipped to {@code N}, negative values count as
     *     zero
     * @return {@code round(N * x^a)} in {@code [0, N]}, or with {@link CodeRounding#NEAREST_LEVEL}
     *     the code of the level nearest to {@code x}
     */
    public int code(double x) {
        if (!(x > 0)) {
            return 0;
        }
        if (x >= 1) {
            return maxCode;
        }
        if (rounding == CodeRounding.POWER_DOMAIN) {
            return (int) Math.round(maxCode * StrictMath.pow(x, exponent));
        }
        // The level at or below x, up to one ulp of the power; the comparison with the midpoint
        // settles the choice exactly, and is non-decreasing in x as the floor is.
        int k = Math.min(maxCode - 1, (int) (maxCode * StrictMath.pow(x, exponent)));
        return x - level(k) >= level(k + 1) - x ? k + 1 : k;
    }

    /**
     * The normalised magnitude a code stands for.
     *
     * @param code a magnitude code in {@code [0, N]}
     * @return {@code (code / N)^(1/a)}
     */
    public double level(int code) {
        return levels[Math.max(0, Math.min(maxCode, code))];
    }

    private double levelOf(int code) {
        if (code <= 0) {
            return 0;
        }
        if (code >= maxCode) {
            return 1;
        }
        return StrictMath.pow((double) code / maxCode, inverseExponent);
    }

    /**
     * The rounding threshold between code {@code k} and {@code k + 1}: {@code ((k + 1/2) /
     * N)^(1/a)}, or with {@link CodeRounding#NEAREST_LEVEL} the midpoint of the two levels. Up to
     * the rounding of the power, magnitudes below it get a code of at most {@code k}; {@link
     * SortedMagnitudes} uses it to locate runs and the exact {@link #code(double)} to settle the
     * neighbours.
     *
     * @param k a code in {@code [0, N)}
     * @return the threshold, in normalised magnitude
     */
    public double threshold(int k) {
        return thresholds[k];
    }

    /**
     * Whether a normalised magnitude's code exceeds {@code k}: always {@code code(x) > k}, but
     * without a power unless {@code x} lies within a relative {@code 1e-9} of {@link
     * #threshold(int) threshold(k)} (more for exponents below one), where only {@link
     * #code(double)} itself can settle it.
     *
     * @param x a normalised magnitude
     * @param k a code in {@code [0, N]}
     * @return {@code code(x) > k}
     */
    public boolean codeExceeds(double x, int k) {
        if (k >= maxCode) {
            return false;
        }
        double t = thresholds[k];
        if (x > t * (1 + margin)) {
            return true;
        }
        if (x < t * (1 - margin)) {
            return false;
        }
        return code(x) > k;
    }

    /**
     * The code of a normalised magnitude known to have a code of at least {@code floor}: the same
     * as {@link #code(double)}, found by stepping up from {@code floor} with {@link #codeExceeds}
     * (cheap when the code is close to {@code floor}, as for the next run of sorted magnitudes).
     *
     * @param x a normalised magnitude with {@code code(x) >= floor}
     * @param floor a code in {@code [0, N]}
     * @return {@code code(x)}
     */
    public int codeFrom(double x, int floor) {
        int k = Math.max(0, floor);
        while (codeExceeds(x, k)) {
            k++;
        }
        return k;
    }

    /**
     * Quantizes and dequantizes one normalised magnitude.
     *
     * @param x {@code |w| / s}
     * @return {@code level(code(x))}
     */
    public double reconstruct(double x) {
        return level(code(x));
    }

    /**
     * The magnitude of a value relative to its scale, {@code |value| / scale} computed in float
     * arithmetic as the tensors themselves are: every code in this project is taken from this
     * float, so that sorting and per-weight quantization agree bit for bit.
     *
     * @param value the value
     * @param scale the scale; zero or negative gives 0
     * @return the normalised magnitude
     */
    public static float normalise(float value, float scale) {
        return scale > 0 ? Math.abs(value) / scale : 0f;
    }

    /**
     * The signed code of a value under a scale.
     *
     * @param value the value
     * @param scale the scale {@code s > 0} (a zero scale gives code 0)
     * @return {@code sign(value) * round(N * (|value|/s)^a)}; for unsigned quantizers negative
     *     values give 0
     */
    public int quantize(float value, float scale) {
        int k = code(normalise(value, scale));
        if (value < 0) {
            return signed ? -k : 0;
        }
        return k;
    }

    /**
     * The value a signed code stands for under a scale, rounded to float as it is stored in a
     * model.
     *
     * @param code the signed code
     * @param scale the scale
     * @return {@code sign(code) * (|code|/N)^(1/a) * s}
     */
    public float dequantize(int code, float scale) {
        float magnitude = (float) (level(Math.abs(code)) * scale);
        return code < 0 ? -magnitude : magnitude;
    }

    @Override
    public String toString() {
        return (signed ? "signed " : "unsigned ")
                + bits
                + "-bit power quantizer, a = "
                + exponent
                + (rounding == CodeRounding.NEAREST_LEVEL ? ", nearest-level rounding" : "");
    }
}
