package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.powerquant.transform.LayerKind;
import org.powerquant.transform.LayerReport;
import org.powerquant.transform.QuantizationReport;

/**
 * A size budget can put every layer at one width other than {@code --weight-bits}: the report's
 * summary, its total row, its JSON and the setting label ({@code inspect}, {@code evaluate} on an
 * artifact) give the widths the layers have (they used to give the base width).
 */
class LayerWidthLabelTest {

    private static LayerReport layer(String name, int bits) {
        return new LayerReport(
                name,
                LayerKind.CONV,
                new long[] {2, 1, 3, 3},
                bits,
                0.7,
                "per-channel",
                1.0,
                new float[] {0.25f, 0.5f},
                18,
                0.125,
                0.25);
    }

    /** A report of weight bits 4 whose layers have the given widths. */
    private static QuantizationReport report(int... bits) {
        List<LayerReport> layers =
                java.util.stream.IntStream.range(0, bits.length)
                        .mapToObj(i -> layer("conv" + i + ".weight", bits[i]))
                        .toList();
        return new QuantizationReport("power", 4, 1.5, layers, List.of());
    }

    private static String totalRow(String table) {
        return table.lines().filter(l -> l.startsWith("total")).findFirst().orElseThrow();
    }

    @Test
    void everyLayerAtEightBitsUnderABaseWidthOfFourIsLabelledEight() {
        QuantizationReport report = report(8, 8);
        String table = report.toTable();
        assertTrue(table.contains("power quantization at 8 bits"), table);
        assertFalse(table.contains("at 4 bits"), table);
        assertTrue(totalRow(table).matches(".*weights\\s+8\\s.*"), totalRow(table));
        assertEquals("w8", InspectCommand.setting(report));
        JsonObject json = report.toJsonObject();
        assertEquals(4, json.get("weightBits").getAsInt(), "the base width, as before");
        assertEquals(8, json.get("minLayerBits").getAsInt());
        assertEquals(8, json.get("maxLayerBits").getAsInt());
    }

    @Test
    void everyLayerBelowTheBaseWidthIsLabelledWithItsWidth() {
        QuantizationReport report = report(3, 3);
        assertTrue(report.toTable().contains("power quantization at 3 bits"), report.toTable());
        assertEquals("w3", InspectCommand.setting(report));
    }

    @Test
    void mixedWidthsAreLabelledWithTheirRangeAndOneWidthAsBefore() {
        assertEquals("w3-8", InspectCommand.setting(report(3, 8)));
        QuantizationReport same = report(4, 4);
        assertEquals("w4", InspectCommand.setting(same));
        assertTrue(same.toTable().contains("power quantization at 4 bits:"), same.toTable());
    }
}
