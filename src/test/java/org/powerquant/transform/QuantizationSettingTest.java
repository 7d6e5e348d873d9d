package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.eval.Comparison;
import org.powerquant.quant.MixedPrecision;
import org.powerquant.quant.QuantizationMethod;

/**
 * A setting written {@code wBbS} or {@code wBbSaA} is mixed precision under a size budget of S bits
 * per weight on base width B: it means what {@code weightBits(B).sizeBudget(S)} means, and the
 * options it gives write it back the same. A budget outside the widths the base allows is refused
 * naming the setting.
 */
class QuantizationSettingTest {

    @Test
    void aSizeBudgetSettingGivesTheOptionsOfTheSameWidthsAndBudgetAndReadsBackTheSame() {
        Random random = new Random(7);
        for (int trial = 0; trial < 300; trial++) {
            int weightBits = 2 + random.nextInt(7);
            int lowest = MixedPrecision.candidates(weightBits)[0];
            double budget = lowest + Math.round(random.nextDouble() * (8 - lowest) * 100) / 100.0;
            int activationBits = random.nextBoolean() ? 0 : 2 + random.nextInt(7);
            String text =
                    "w"
                            + weightBits
                            + "b"
                            + budget
                            + (activationBits > 0 ? "a" + activationBits : "");
            QuantizationSetting setting = QuantizationSetting.parse(text.toUpperCase(Locale.ROOT));
            assertTrue(setting.isMixedPrecision(), text);
            QuantizationOptions options =
                    Comparison.options(
                            QuantizationOptions.builder().inputSize(8, 8).build(),
                            setting,
                            QuantizationMethod.POWER);
            QuantizationOptions flags =
                    QuantizationOptions.builder()
                            .weightBits(weightBits)
                            .sizeBudget(budget)
                            .activationBits(activationBits)
                            .inputSize(8, 8)
                            .build();
            assertEquals(flags.weightBits(), options.weightBits(), text);
            assertEquals(flags.sizeBudget(), options.sizeBudget(), text);
            assertEquals(flags.activationBits(), options.activationBits(), text);
            assertEquals(setting, flags.setting(), text);
            assertEquals(text, flags.setting().label(), text);
        }
    }

    @Test
    void aSettingWithoutBudgetKeepsEveryLayerAtItsWidth() {
        QuantizationSetting setting = QuantizationSetting.parse("w4a4");
        assertEquals(false, setting.isMixedPrecision());
        assertEquals(0.0, setting.sizeBudget());
        QuantizationOptions mixed =
                QuantizationOptions.builder().weightBits(4).sizeBudget(4.5).build();
        assertEquals(
                0.0,
                mixed.toBuilder().setting(setting).inputSize(8, 8).build().sizeBudget(),
                "a setting sets the budget too, to none");
    }

    @Test
    void aBudgetOutsideTheBaseWidthsRangeIsRefusedNamingTheSetting() {
        for (String text : new String[] {"w4b2.9", "w4b8.01", "w2b1.5", "w8b6.5a8", "w4b"}) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class, () -> QuantizationSetting.parse(text));
            assertTrue(e.getMessage().contains("setting '" + text + "'"), e.getMessage());
        }
        assertEquals(3.0, QuantizationSetting.parse("w4b3").sizeBudget());
        assertEquals(8.0, QuantizationSetting.parse("w8b8a8").sizeBudget());
    }
}
