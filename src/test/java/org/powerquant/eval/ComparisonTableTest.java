package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComparisonTableTest {

    @TempDir Path dir;

    static ComparisonTable sample() {
        return ComparisonTable.builder()
                .add("fp32", "float", 0.9266, 0.9985)
                .add("w8", "uniform", 0.9260, 0.9984)
                .add("w8", "power", 0.9265, 0.9985)
                .add("w4", "uniform", 0.8710, 0.9950)
                .add("w4", "power", 0.9130, 0.9971)
                .add("w4a4", "uniform", 0.4020, 0.8100)
                .add("w4a4", "power", 0.7750, 0.9700)
                .build();
    }

    @Test
    void dropsArePointsBelowTheFloatRow() {
        ComparisonTable t = sample();
        assertEquals("fp32", t.reference().orElseThrow().setting());
        List<ComparisonTable.Row> rows = t.rows();
        assertEquals(0, t.top1Drop(rows.get(0)), 1e-12);
        assertEquals(92.66 - 87.10, t.top1Drop(rows.get(3)), 1e-9);
        assertEquals(99.85 - 81.00, t.top5Drop(rows.get(5)), 1e-9);
        ComparisonTable noFloat = ComparisonTable.builder().add("w4", "power", 0.5, 0.9).build();
        assertTrue(Double.isNaN(noFloat.top1Drop(noFloat.rows().get(0))));
        assertTrue(noFloat.toText().contains("-"));
    }

    @Test
    void textTableIsAligned() {
        String text = sample().toText();
        String[] lines = text.lines().toArray(String[]::new);
        assertEquals(2 + 7, lines.length);
        assertTrue(lines[0].startsWith("setting"), lines[0]);
        assertTrue(lines[1].matches("-+"), lines[1]);
        // right-aligned numeric columns end at the same position in every row
        int end = lines[2].length();
        for (int i = 2; i < lines.length; i++) {
            assertEquals(end, lines[i].length(), lines[i]);
        }
        assertTrue(lines[7].contains("40.20") && lines[7].contains(" 52.46"), lines[7]);
    }

    @Test
    void jsonRoundTripsAndFileIsWritten() throws IOException {
        ComparisonTable t = sample();
        Path file = dir.resolve("comparison.json");
        t.writeJson(file);
        ComparisonTable back = ComparisonTable.fromJson(new StringReader(Files.readString(file)));
        assertEquals(t.rows().size(), back.rows().size());
        for (int i = 0; i < t.rows().size(); i++) {
            assertEquals(t.rows().get(i).setting(), back.rows().get(i).setting());
            assertEquals(t.rows().get(i).method(), back.rows().get(i).method());
            assertEquals(t.rows().get(i).top1(), back.rows().get(i).top1());
            assertEquals(t.rows().get(i).top5(), back.rows().get(i).top5());
        }
        assertTrue(Files.readString(file).contains("\"top1Drop\""));
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left behind");
        }
    }

    @Test
    void eachMethodIsContrastedImageByImageWithItsSettingsFirstMethod() throws IOException {
        BitSet floatHits = hits(0, 90);
        BitSet uniform = hits(0, 80); // images 0-79 right
        BitSet power = hits(5, 90); // images 5-89 right: 10 gained, 5 lost
        ComparisonTable t =
                ComparisonTable.builder()
                        .add("fp32", "float", result(floatHits))
                        .add("w4", "uniform", result(uniform))
                        .add("w4", "power", result(power))
                        .add("w8", "power", result(power)) // no other method at w8
                        .add("w6", "uniform", 0.9, 0.99) // per-image outcomes unknown
                        .add("w6", "power", result(power))
                        .add("w2", "uniform", result(uniform))
                        .add( // other images: not contrasted
                                "w2",
                                "power",
                                new EvaluationResult(
                                        "test", 90, 85, 85, 1.0, List.of(), hits(5, 90)))
                        .build();
        List<ComparisonTable.Contrast> contrasts = t.contrasts();
        assertEquals(1, contrasts.size(), contrasts.toString());
        ComparisonTable.Contrast c = contrasts.get(0);
        assertEquals("w4", c.setting());
        assertEquals("power", c.method());
        assertEquals("uniform", c.versus());
        assertEquals(new McNemarTest(10, 5), c.test());
        String text = t.contrastText();
        assertTrue(
                text.lines()
                        .anyMatch(l -> l.matches("w4\\s+power\\s+uniform\\s+10\\s+5\\s+0\\.302")),
                text);
        Path file = dir.resolve("contrasts.json");
        t.writeJson(file);
        String json = Files.readString(file);
        assertTrue(json.contains("\"contrasts\"") && json.contains("\"gained\": 10"), json);
        // JSON keeps accuracies, not images: a table read back has nothing to contrast
        ComparisonTable back = ComparisonTable.fromJson(new StringReader(json));
        assertTrue(back.contrasts().isEmpty());
        assertEquals("", back.contrastText());
    }

    @Test
    void jsonDropsAreTheExactDifferenceOfThePercentagesTheCountsGive() {
        // The drops used to be 100 * (a - b) in doubles: 0.30000000000000426 for 0.3 points.
        // Totals of the form 2^i 5^j, as the same or another number of images, make every
        // percentage a finite decimal, so the exact difference is known.
        Random random = new Random(7);
        int[] totals = {1, 2, 8, 50, 64, 100, 128, 200, 250, 1000, 2000, 2500, 10000, 50000};
        for (int trial = 0; trial < 500; trial++) {
            EvaluationResult reference = randomResult(random, totals);
            EvaluationResult row = randomResult(random, totals);
            ComparisonTable table =
                    ComparisonTable.builder()
                            .add("fp32", ComparisonTable.FLOAT, reference)
                            .add("w4", "power", row)
                            .build();
            JsonObject json = table.toJsonTree().getAsJsonArray("rows").get(1).getAsJsonObject();
            BigDecimal top1 =
                    percent(reference.top1Correct(), reference.images())
                            .subtract(percent(row.top1Correct(), row.images()));
            BigDecimal top5 =
                    percent(reference.top5Correct(), reference.images())
                            .subtract(percent(row.top5Correct(), row.images()));
            String where = reference + " against " + row + ": " + json;
            assertEquals(
                    0, new BigDecimal(json.get("top1Drop").getAsString()).compareTo(top1), where);
            assertEquals(
                    0, new BigDecimal(json.get("top5Drop").getAsString()).compareTo(top5), where);
            ComparisonTable.Row quantized = table.rows().get(1);
            assertEquals(top1.doubleValue(), table.top1Drop(quantized), where);
            assertEquals(top5.doubleValue(), table.top5Drop(quantized), where);
            String text = table.toText().lines().reduce((a, b) -> b).orElseThrow();
            assertTrue(
                    text.endsWith(" " + top1.setScale(2, RoundingMode.HALF_UP).toPlainString()),
                    where + "\n" + text);
        }
    }

    private static EvaluationResult randomResult(Random random, int[] totals) {
        int images = totals[random.nextInt(totals.length)];
        int top5 = random.nextInt(images + 1);
        int top1 = random.nextInt(top5 + 1);
        return new EvaluationResult("test", images, top1, top5, 1.0, List.of());
    }

    /** The exact percentage {@code 100 correct / images}, a finite decimal for these totals. */
    private static BigDecimal percent(int correct, int images) {
        return BigDecimal.valueOf(100L * correct).divide(BigDecimal.valueOf(images));
    }

    private static BitSet hits(int from, int to) {
        BitSet b = new BitSet();
        b.set(from, to);
        return b;
    }

    private static EvaluationResult result(BitSet hits) {
        return new EvaluationResult(
                "test", 100, hits.cardinality(), hits.cardinality(), 1.0, List.of(), hits);
    }

    @Test
    void rejectsRowsThatAreNotFractions() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ComparisonTable.builder().add("w4", "power", 92.66, 0.99));
        assertTrue(e.getMessage().contains("92.66"), e.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () ->
                        ComparisonTable.fromJson(
                                new StringReader("{\"rows\":[{\"setting\":\"a\"}]}")));
    }

    @Test
    void chartGroupsMethodsBySettingWithFloatAsAMarker() throws IOException {
        ComparisonChart chart = ComparisonChart.builder().subtitle("test").size(800, 500).build();
        JFreeChart c = chart.chart(sample());
        CategoryPlot plot = c.getCategoryPlot();
        assertEquals(List.of("w8", "w4", "w4a4"), plot.getDataset().getColumnKeys());
        assertEquals(List.of("uniform", "power"), plot.getDataset().getRowKeys());
        Object marker = plot.getRangeMarkers(org.jfree.chart.ui.Layer.BACKGROUND).iterator().next();
        assertEquals(92.66, ((org.jfree.chart.plot.ValueMarker) marker).getValue(), 1e-9);
        Path png = dir.resolve("chart.png");
        chart.writePng(sample(), png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertEquals(800, image.getWidth());
        assertEquals(500, image.getHeight());
        assertFalse(Files.exists(dir.resolve("chart.png.tmp")), "no temporary file left behind");
    }

    @Test
    void chartNeedsAQuantizedRow() {
        ComparisonTable onlyFloat = ComparisonTable.builder().add("fp32", "float", 0.9, 1).build();
        assertThrows(
                IllegalArgumentException.class,
                () -> ComparisonChart.builder().build().chart(onlyFloat));
    }
}
