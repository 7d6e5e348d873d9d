package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.powerquant.transform.LayerKind;
import org.powerquant.transform.LayerReport;
import org.powerquant.transform.QuantizationReport;

/** The report an artifact keeps reads back as it was written, and older reports still read. */
class ReportJsonTest {

    private static final Path FILE = Path.of("artifact", QuantizedArtifact.REPORT);

    private static QuantizationReport report(double clip) {
        LayerReport layer =
                new LayerReport(
                        "conv.weight",
                        LayerKind.CONV,
                        new long[] {2, 1, 3, 3},
                        4,
                        0.7,
                        "per-channel",
                        clip,
                        new float[] {0.25f, 0.5f},
                        18,
                        0.125,
                        0.25);
        return new QuantizationReport("power", 4, 1.5, List.of(layer), List.of("fc.weight"));
    }

    @Test
    void aClippedLayerReadsBackWithItsClip() throws Exception {
        QuantizationReport written = report(0.8125);
        QuantizationReport read = ReportJson.parse(FILE, written.toJson());
        assertEquals(0.8125, read.layers().get(0).clip(), 0.0);
        assertEquals(written.toJson(), read.toJson());
    }

    @Test
    void aReportWrittenBeforeClipsWereRecordedReadsAsUnclipped() throws Exception {
        com.google.gson.JsonObject json =
                com.google.gson.JsonParser.parseString(report(0.5).toJson()).getAsJsonObject();
        json.getAsJsonArray("layers").get(0).getAsJsonObject().remove("clip");
        assertEquals(1.0, ReportJson.parse(FILE, json.toString()).layers().get(0).clip(), 0.0);
    }
}
