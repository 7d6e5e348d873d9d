package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.powerquant.quant.QuantizationMethod;

class QuantizationSettingTest {

    @Test
    void parsesTheLiteraturesNotation() {
        assertEquals(List.of(new QuantizationSetting(8, 8), new QuantizationSetting(6, 6), new QuantizationSetting(4, 8),
                new QuantizationSetting(4, 4)), QuantizationSetting.parseList("w8a8,w6a6, W4A8,w4a4"));
        assertEquals(new QuantizationSetting(6, 0), QuantizationSetting.parse("w6"));
        assertEquals("W4A8", QuantizationSetting.parse("w4a8").toString());
        PowerQuantTransform t = QuantizationSetting.parse("w4a8").builder(QuantizationMethod.UNIFORM).build();
        assertEquals(4, t.weightQuantizer().bits());
        assertEquals(8, t.activationBits());
    }

    @Test
    void rejectsOtherText() {
        for (String bad : new String[] {"w9a8", "w4a1", "4a4", "w4a4x", "", "a4"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> QuantizationSetting.parseList(bad));
            assertTrue(e.getMessage().contains("'"), e.getMessage());
        }
    }
}
