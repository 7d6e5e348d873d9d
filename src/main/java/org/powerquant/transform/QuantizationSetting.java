package org.powerquant.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.powerquant.quant.QuantizationMethod;

/**
 * A weight/activation bit-width pair written as in the literature: {@code w4a8} (4-bit weights, 8-bit activations)
 * or {@code w6} (6-bit weights, float activations).
 *
 * @param weightBits the weight bit width, 2 to 8
 * @param activationBits the activation bit width, 2 to 8, or 0 for float activations
 */
public record QuantizationSetting(int weightBits, int activationBits) {

    private static final Pattern SYNTAX = Pattern.compile("w([2-8])(?:a([2-8]))?");

    /**
     * Validates the bit widths.
     *
     * @throws IllegalArgumentException if a bit width is out of range
     */
    public QuantizationSetting {
        if (weightBits < 2 || weightBits > 8 || (activationBits != 0 && (activationBits < 2 || activationBits > 8))) {
            throw new IllegalArgumentException(
                    "setting w" + weightBits + "a" + activationBits + ": bit widths must be between 2 and 8");
        }
    }

    /**
     * Parses one setting.
     *
     * @param text e.g. {@code w4a4}, {@code W8A8} or {@code w6}
     * @return the setting
     * @throws IllegalArgumentException naming the text if it is not of that form
     */
    public static QuantizationSetting parse(String text) {
        Matcher m = SYNTAX.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "setting '" + text + "' is not of the form wBaA (e.g. w4a8) or wB, bits 2 to 8");
        }
        return new QuantizationSetting(Integer.parseInt(m.group(1)), m.group(2) == null ? 0
                : Integer.parseInt(m.group(2)));
    }

    /**
     * Parses a comma-separated list of settings.
     *
     * @param text e.g. {@code w8a8,w6a6,w4a8,w4a4}
     * @return the settings in order
     * @throws IllegalArgumentException naming the first bad entry
     */
    public static List<QuantizationSetting> parseList(String text) {
        List<QuantizationSetting> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                out.add(parse(part));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no setting in '" + text + "'");
        }
        return out;
    }

    /**
     * A transform builder preset to this setting and a method (other options at their defaults).
     *
     * @param method power or uniform
     * @return the builder
     */
    public PowerQuantTransform.Builder builder(QuantizationMethod method) {
        return PowerQuantTransform.builder().weightBits(weightBits).activationBits(activationBits).method(method);
    }

    @Override
    public String toString() {
        return "W" + weightBits + (activationBits == 0 ? "" : "A" + activationBits);
    }
}
