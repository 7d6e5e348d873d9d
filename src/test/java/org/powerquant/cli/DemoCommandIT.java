package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's demo table is what {@code demo} prints: one in-process run of the demo with its
 * defaults, its printed table compared cell by cell with the README's.
 *
 * <p>An IT because it runs the whole demo (13 evaluations; about a minute on the idle 2-core
 * machine, several under load), but it needs nothing from {@code ../shared}: the model and the test
 * images are in the jar, so it runs in every CI run.
 */
class DemoCommandIT {

    private static final String README_MARKER = "**The embedded demo**";

    private static final String HEADER =
            "| setting | method | top-1 % | top-5 % | top-1 drop (pts) |";

    private static final String CONTRAST_HEADER =
            "| setting | method | versus | gained | lost | p |";

    @Test
    void theReadmeDemoTableIsWhatTheDemoPrintsAndTheChartIsWritten(@TempDir Path dir)
            throws IOException {
        Path chart = dir.resolve("demo.png");
        CliRun run = CliRun.of("demo", "--quiet", "--plot", chart.toString());
        assertEquals(0, run.exitCode(), run.err());

        assertEquals(
                readmeRows(HEADER).stream().map(Arrays::toString).toList(),
                printedRows(run.out(), "top-1 drop").stream().map(Arrays::toString).toList(),
                "README demo table vs what demo printed:\n" + run.out());
        assertEquals(
                readmeRows(CONTRAST_HEADER).stream().map(Arrays::toString).toList(),
                printedRows(run.out(), "gained").stream().map(Arrays::toString).toList(),
                "README image-by-image table vs what demo printed:\n" + run.out());

        String quantizationLine =
                run.out().lines().filter(l -> l.startsWith("quantization: ")).findFirst().get();
        assertTrue(
                readme().contains(quantizationLine),
                "the README quotes how the rows were quantized: " + quantizationLine);

        byte[] png = Files.readAllBytes(chart);
        assertArrayEquals(
                new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                Arrays.copyOf(png, 8),
                "the chart is a PNG");
        assertTrue(
                run.out().contains("chart " + chart.toAbsolutePath().normalize()),
                "demo says where the chart is");
    }

    private static String readme() throws IOException {
        return Files.readString(Path.of("README.md"));
    }

    /** The rows of the first table with this header after the README's demo paragraph. */
    private static List<String[]> readmeRows(String tableHeader) throws IOException {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        int marker = -1;
        for (int i = 0; i < lines.size() && marker < 0; i++) {
            if (lines.get(i).startsWith(README_MARKER)) {
                marker = i;
            }
        }
        assertTrue(marker >= 0, "the README has the demo paragraph " + README_MARKER);
        int header = lines.subList(marker, lines.size()).indexOf(tableHeader);
        assertTrue(header >= 0, "the demo paragraph is followed by the table " + tableHeader);
        List<String[]> rows = new ArrayList<>();
        for (int i = marker + header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            String line = lines.get(i).strip();
            String[] cells = line.substring(1, line.length() - 1).split("\\|");
            for (int c = 0; c < cells.length; c++) {
                cells[c] = cells[c].strip().replace("*", "");
            }
            rows.add(cells);
        }
        assertFalse(rows.isEmpty(), "the README demo table has rows");
        return rows;
    }

    /**
     * The rows of the table {@code demo} printed whose header holds a word (columns separated by
     * two or more spaces).
     */
    private static List<String[]> printedRows(String out, String headerWord) {
        List<String> lines = out.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size() && header < 0; i++) {
            if (lines.get(i).startsWith("setting ") && lines.get(i).contains(headerWord)) {
                header = i;
            }
        }
        assertTrue(header >= 0, "demo printed a table:\n" + out);
        List<String[]> rows = new ArrayList<>();
        // the header, then a line of dashes, then the rows
        for (int i = header + 2; i < lines.size() && !lines.get(i).isBlank(); i++) {
            if (lines.get(i).startsWith("chart ") || lines.get(i).startsWith("done in")) {
                break;
            }
            rows.add(lines.get(i).strip().split("\\s{2,}"));
        }
        return rows;
    }
}
