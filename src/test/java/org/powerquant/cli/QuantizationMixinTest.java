package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.QuantizationOptions;
import picocli.CommandLine;

/** The accuracy flags set the library's options they stand for. */
class QuantizationMixinTest {

    private static QuantizationOptions parse(String... args) {
        QuantizationMixin mixin = new QuantizationMixin();
        new CommandLine(mixin).parseArgs(args);
        return mixin.builder().build();
    }

    @Test
    void theAccuracyFlagsSetTheirOptions() {
        QuantizationOptions plain = parse("--weight-bits", "4");
        assertFalse(plain.clipping());
        assertEquals(WeightRounding.NEAREST, plain.rounding());
        assertFalse(plain.biasCorrection());
        QuantizationOptions all =
                parse(
                        "--weight-bits",
                        "4",
                        "--clipping",
                        "--rounding",
                        "Error-Aware",
                        "--bias-correction");
        assertTrue(all.clipping());
        assertEquals(WeightRounding.ERROR_AWARE, all.rounding());
        assertTrue(all.biasCorrection());
        assertEquals(
                WeightRounding.NEAREST,
                parse("--weight-bits", "4", "--rounding", "nearest").rounding());
    }

    @Test
    void theActivationRoundingFlagSetsItsOptionAndIsPowerDomainByDefault() {
        assertEquals(CodeRounding.POWER_DOMAIN, parse("--weight-bits", "4").activationRounding());
        assertEquals(
                CodeRounding.NEAREST_LEVEL,
                parse(
                                "--weight-bits",
                                "4",
                                "--activation-bits",
                                "4",
                                "--calibration-mode",
                                "bn-model",
                                "--activation-rounding",
                                "Nearest-Level")
                        .activationRounding());
        assertEquals(
                CodeRounding.POWER_DOMAIN,
                parse("--weight-bits", "4", "--activation-rounding", "power-domain")
                        .activationRounding());
    }

    @Test
    void theDemosSummaryLineNamesNearestLevelActivationRoundingOnlyWhenChosen() {
        java.util.List<org.powerquant.transform.QuantizationSetting> wa =
                java.util.List.of(org.powerquant.transform.QuantizationSetting.parse("w4a4"));
        String[] base = {
            "--weight-bits", "4", "--activation-bits", "4", "--calibration-mode", "bn-model"
        };
        assertFalse(DemoCommand.describe(parse(base), wa).contains("activation rounding"));
        String[] nearest = java.util.Arrays.copyOf(base, base.length + 2);
        nearest[base.length] = "--activation-rounding";
        nearest[base.length + 1] = "nearest-level";
        assertTrue(
                DemoCommand.describe(parse(nearest), wa)
                        .contains("nearest-level activation rounding"));
    }

    @Test
    void theSizeBudgetSetsMixedPrecisionAndIsOffByDefault() {
        assertEquals(0, parse("--weight-bits", "4").sizeBudget());
        QuantizationOptions mixed = parse("--weight-bits", "4", "--size-budget", "4.25");
        assertEquals(4.25, mixed.sizeBudget());
        assertTrue(mixed.transform().mixedPrecision() != null);
    }
}
