package org.powerquant.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.powerquant.quant.BitWidth;
import org.powerquant.quant.MixedPrecision;

/**
 * A bit-width setting as the command line writes it: {@code fp32} (float), {@code w4} (4-bit
 * weights, float activations), {@code w4a8} (4-bit weights, 8-bit activations), or with {@code b}
 * mixed precision under a size budget: {@code w4b4.25} and {@code w4b4.25a4} give each layer its
 * own width from one bit below 4 (at least 2) to 8, at most 4.25 code bits per weight on average,
 * as {@code weightBits(4)} with {@code sizeBudget(4.25)} do.
 *
 * @param label the setting as written, normalised to lower case
 * @param weightBits the weight bit width (the base width under a size budget), or 0 for float
 *     weights
 * @param activationBits the activation bit width, or 0 for float activations
 * @param sizeBudget the average code bits per weight of mixed precision, or 0 for every layer at
 *     the weight bits
 */
public record QuantizationSetting(
        String label, int weightBits, int activationBits, double sizeBudget) {

    private static final Pattern SYNTAX =
            Pattern.compile("w([0-9]+)(?:b([0-9]+(?:\\.[0-9]+)?))?(?:a([0-9]+))?");

    /** The float model. */
    public static final QuantizationSetting FLOAT = new QuantizationSetting("fp32", 0, 0);

    /**
     * A setting with every layer at one weight width.
     *
     * @param label the setting as written, normalised to lower case
     * @param weightBits the weight bit width, or 0 for float weights
     * @param activationBits the activation bit width, or 0 for float activations
     */
    public QuantizationSetting(String label, int weightBits, int activationBits) {
        this(label, weightBits, activationBits, 0);
    }

    /**
     * Parses one setting.
     *
     * @param text {@code fp32}, {@code float}, {@code wB} or {@code wBaA} with bit widths 2 to 8;
     *     {@code wBbS} or {@code wBbSaA} for mixed precision at most {@code S} bits per weight on
     *     average, from one bit below {@code B} (at least 2) to 8
     * @return the setting
     * @throws IllegalArgumentException naming the setting if it is malformed or out of range
     */
    public static QuantizationSetting parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("fp32") || s.equals("float")) {
            return FLOAT;
        }
        Matcher m = SYNTAX.matcher(s);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "setting '"
                            + text
                            + "': expected fp32, wB or wBaA, with bS for mixed precision at S bits"
                            + " per weight (e.g. w4, w4a8, w4b4.25, w4b4.25a4)");
        }
        int w = bits(m.group(1), text);
        int a = m.group(3) == null ? 0 : bits(m.group(3), text);
        double budget = 0;
        if (m.group(2) != null) {
            budget = Double.parseDouble(m.group(2));
            int lowest = MixedPrecision.candidates(w)[0];
            if (budget < lowest || budget > BitWidth.MAX) {
                throw new IllegalArgumentException(
                        String.format(
                                Locale.ROOT,
                                "setting '%s': the size budget must be between %d and %d bits per"
                                        + " weight with %d-bit weights (widths from %d to %d)",
                                text,
                                lowest,
                                BitWidth.MAX,
                                w,
                                lowest,
                                BitWidth.MAX));
            }
        }
        return new QuantizationSetting(s, w, a, budget);
    }

    /**
     * Parses a comma-separated list of settings.
     *
     * @param text e.g. {@code fp32,w8,w6,w4} or {@code w8a8,w4a4}
     * @return the settings, in order, without duplicates
     */
    public static List<QuantizationSetting> parseList(String text) {
        List<QuantizationSetting> settings = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            if (part.isBlank()) {
                continue;
            }
            QuantizationSetting setting = parse(part);
            if (!settings.contains(setting)) {
                settings.add(setting);
            }
        }
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("no setting in '" + text + "'");
        }
        return settings;
    }

    private static int bits(String digits, String text) {
        return BitWidth.check(Integer.parseInt(digits), "setting '" + text + "': bit width");
    }

    /**
     * Returns whether this is the float model.
     *
     * @return whether this is the float model
     */
    public boolean isFloat() {
        return weightBits == 0 && activationBits == 0;
    }

    /**
     * Returns whether layers get their own weight widths under a size budget.
     *
     * @return whether layers get their own weight widths under a size budget
     */
    public boolean isMixedPrecision() {
        return sizeBudget > 0;
    }

    /**
     * Returns whether activations are quantized.
     *
     * @return whether activations are quantized
     */
    public boolean quantizesActivations() {
        return activationBits > 0;
    }

    @Override
    public String toString() {
        return label;
    }
}
