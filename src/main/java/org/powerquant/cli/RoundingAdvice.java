package org.powerquant.cli;

import java.io.PrintWriter;
import java.util.Collection;
import java.util.List;
import org.powerquant.quant.MixedPrecision;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.QuantizationOptions;
import org.powerquant.transform.QuantizationSetting;

/**
 * The one-line note for the runs where the method's defining rounding is known to cost PowerQuant:
 * weights at 4 bits or fewer, rounded as the paper does. Its threshold between two codes lies below
 * the midpoint of their levels for the usual exponents below 1, so weights are pushed up
 * systematically. With only three magnitude levels that costs the network many points (shared
 * ResNet-18 at W3, all 10,000 test images: PowerQuant 80.44 % against uniform's 89.47 %;
 * nearest-level rounding 89.59 %, error-aware rounding 92.22 %); at 4 bits the push is small per
 * layer (0.3 % on average) but a deep network pays for it (a 53-layer Bottleneck ResNet at W4:
 * 87.17 % against 88.02 % with error-aware rounding, float 88.12 %), and error-aware rounding
 * scored higher than the paper's in every 4-bit comparison measured (README, "Rounding to the
 * nearest level"). Not under mixed precision at a budget equal to the base width, where one large
 * layer may get 2 bits: on the 53-layer network at an average of 3 bits it scored lower (82.94
 * against 83.43 %; README, "Mixed precision under a size budget"), so the note claims one width.
 * The rounding stays the paper's by default, as the project defines the method with it; the note
 * says so where it matters and names the alternative. Commands print it as the last line of a run
 * that succeeded, so that a refused or failed run still says one line.
 */
final class RoundingAdvice {

    /** The widest weight width the note is printed for. */
    static final int LOW_BITS = 4;

    /** The note. */
    static final String NOTE =
            "note: at "
                    + LOW_BITS
                    + " bits or fewer the paper's rounding (--rounding nearest, the default) pushes"
                    + " PowerQuant's weights up: it can cost many points at 3 bits, and deep"
                    + " networks pay for it at 4; --rounding error-aware scored higher in every"
                    + " comparison measured at one width (README: \"Rounding to the nearest"
                    + " level\")";

    private RoundingAdvice() {}

    /**
     * Returns the note for a run of one setting, to be run once the run has succeeded.
     *
     * @param err where the note goes
     * @param options the run's options (their setting, rounding and method)
     * @return prints the note if it applies
     */
    static Runnable after(PrintWriter err, QuantizationOptions options) {
        return () -> print(err, options, lowestWeightBits(options), List.of(options.method()));
    }

    /**
     * Returns the note for a comparison of settings, to be run once the comparison has succeeded.
     *
     * @param err where the note goes
     * @param base the options the settings share (their rounding)
     * @param settings the settings
     * @param methods the methods that run
     * @return prints the note if it applies
     */
    static Runnable after(
            PrintWriter err,
            QuantizationOptions base,
            List<QuantizationSetting> settings,
            Collection<QuantizationMethod> methods) {
        return () -> print(err, base, lowestWeightBits(settings), methods);
    }

    /**
     * Prints the note if a run quantizes weights with the power method and the paper's rounding to
     * at most {@link #LOW_BITS} bits.
     *
     * @param err where the note goes
     * @param options the run's options (their rounding)
     * @param lowestWeightBits the lowest width any weight may get, 0 if no weight is quantized
     * @param methods the methods that run
     */
    private static void print(
            PrintWriter err,
            QuantizationOptions options,
            int lowestWeightBits,
            Collection<QuantizationMethod> methods) {
        if (lowestWeightBits > 0
                && lowestWeightBits <= LOW_BITS
                && options.rounding() == WeightRounding.NEAREST
                && methods.contains(QuantizationMethod.POWER)) {
            err.println(NOTE);
            err.flush();
        }
    }

    /**
     * Returns the lowest width a weight gets under one run's options: the weight bits, or with a
     * size budget the narrowest width mixed precision may choose ({@link
     * MixedPrecision#candidates}).
     *
     * @param options the options
     * @return the lowest width, 0 if no weight is quantized
     */
    private static int lowestWeightBits(QuantizationOptions options) {
        return lowestWeightBits(options.setting());
    }

    /**
     * Returns the lowest weight width among a comparison's settings.
     *
     * @param settings the settings
     * @return the lowest width, 0 if no setting quantizes weights
     */
    private static int lowestWeightBits(List<QuantizationSetting> settings) {
        return settings.stream()
                .mapToInt(RoundingAdvice::lowestWeightBits)
                .filter(b -> b > 0)
                .min()
                .orElse(0);
    }

    private static int lowestWeightBits(QuantizationSetting setting) {
        if (setting.weightBits() == 0) {
            return 0;
        }
        return setting.isMixedPrecision()
                ? MixedPrecision.candidates(setting.weightBits())[0]
                : setting.weightBits();
    }
}
