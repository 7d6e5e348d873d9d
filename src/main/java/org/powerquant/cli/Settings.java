package org.powerquant.cli;

import java.util.List;
import org.powerquant.calibrate.CalibrationImages;
import org.powerquant.transform.QuantizationOptions;
import org.powerquant.transform.QuantizationSetting;

/** The base options of a comparison: the flags, checked against the settings that use them. */
final class Settings {

    /** What quantizes weights in a comparison, as a refusal names it. */
    static final String QUANTIZED = "a quantized setting in --settings";

    /** What quantizes activations in a comparison, as a refusal names it. */
    static final String ACTIVATIONS = "a setting with activation bits in --settings";

    private Settings() {}

    /**
     * Builds the options the comparison's settings start from, checked with the first setting that
     * quantizes activations (or the first quantized one), so that activation flags given to a
     * comparison without activation settings are refused.
     */
    static QuantizationOptions base(
            QuantizationMixin flags,
            List<QuantizationSetting> settings,
            int[] inputSize,
            CalibrationImages calibrationData) {
        QuantizationSetting probe =
                settings.stream()
                        .filter(QuantizationSetting::quantizesActivations)
                        .findFirst()
                        .orElse(
                                settings.stream()
                                        .filter(s -> !s.isFloat())
                                        .findFirst()
                                        .orElse(QuantizationSetting.FLOAT));
        QuantizationOptions.Builder builder =
                flags.builder().setting(probe).calibrationData(calibrationData);
        if (inputSize != null) {
            builder.inputSize(inputSize[0], inputSize[1]);
        }
        return builder.build();
    }
}
