package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.QuantizationSetting;

/** {@code --settings} and {@code --methods} list each setting and method once, in given order. */
class ComparisonOptionsTest {

    @Test
    void aRepeatedSettingOrMethodIsComparedOnce() {
        ComparisonOptions options = new ComparisonOptions();
        options.settings = "fp32,w4,w4, fp32";
        options.methods = "power,uniform,power";
        assertEquals(
                List.of(QuantizationSetting.parse("fp32"), QuantizationSetting.parse("w4")),
                options.settings());
        assertEquals(
                List.of(QuantizationMethod.POWER, QuantizationMethod.UNIFORM), options.methods());
    }
}
