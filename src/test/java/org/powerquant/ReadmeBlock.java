package org.powerquant;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.powerquant.io.AtomicFiles;

/**
 * One generated table of the README: the text between {@code <!-- table:NAME -->} and {@code <!--
 * /table:NAME -->}, a stamp line ("first N test images") and a Markdown table. {@link ReadmeTables}
 * writes it; {@code ReadmeTablesIT} reads the pinned figures from it.
 *
 * @param name the table's name
 * @param body the text between the markers, without the surrounding newlines
 */
public record ReadmeBlock(String name, String body) {

    private static final Pattern IMAGES = Pattern.compile("first ([0-9,]+) test images");

    /**
     * Reads a table's block.
     *
     * @param readme the README
     * @param name the table
     * @return the block
     * @throws IOException if the README cannot be read
     * @throws IllegalArgumentException if the README lacks the table's markers
     */
    public static ReadmeBlock read(Path readme, String name) throws IOException {
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int[] span = span(text, name, readme);
        return new ReadmeBlock(name, text.substring(span[0], span[1]).strip());
    }

    private static int[] span(String text, String name, Path readme) {
        String open = "<!-- table:" + name + " -->";
        String close = "<!-- /table:" + name + " -->";
        int start = text.indexOf(open);
        int end = text.indexOf(close);
        if (start < 0 || end < start) {
            throw new IllegalArgumentException(
                    readme + " has no block " + open + " ... " + close + " for table " + name);
        }
        return new int[] {start + open.length(), end};
    }

    /**
     * Replaces this table's block in the README, atomically.
     *
     * @param readme the README
     * @param newBody the new text between the markers
     * @throws IOException if the README cannot be read or written
     */
    public void replace(Path readme, String newBody) throws IOException {
        String text = Files.readString(readme, StandardCharsets.UTF_8);
        int[] span = span(text, name, readme);
        String updated =
                text.substring(0, span[0])
                        + "\n"
                        + newBody.strip()
                        + "\n"
                        + text.substring(span[1]);
        AtomicFiles.writeString(readme, updated);
    }

    /**
     * Returns the number of test images the stamp names, if any.
     *
     * @return the number of test images the stamp names, if any
     */
    public OptionalInt images() {
        Matcher m = IMAGES.matcher(body);
        return m.find()
                ? OptionalInt.of(Integer.parseInt(m.group(1).replace(",", "")))
                : OptionalInt.empty();
    }

    /**
     * Returns the table's header cells, or an empty list if the block has no table.
     *
     * @return the table's header cells, or an empty list if the block has no table
     */
    public List<String> header() {
        List<List<String>> lines = tableLines();
        return lines.isEmpty() ? List.of() : lines.get(0);
    }

    /**
     * Returns the table's rows below the header and the separator, cells stripped of bold marks.
     *
     * @return the table's rows below the header and the separator, cells stripped of bold marks
     */
    public List<List<String>> rows() {
        List<List<String>> lines = tableLines();
        return lines.size() < 2 ? List.of() : lines.subList(2, lines.size());
    }

    /**
     * The figure in a column of the first row whose leading cells equal the key.
     *
     * @param column the column's header
     * @param key the leading cells, e.g. {@code ("W4A4", "squant")}
     * @return the figure
     * @throws IllegalArgumentException if there is no such row or column, or the cell is no number
     */
    public double figure(String column, String... key) {
        int c = header().indexOf(column);
        if (c < 0) {
            throw new IllegalArgumentException("table " + name + " has no column " + column);
        }
        for (List<String> row : rows()) {
            if (row.subList(0, key.length).equals(Arrays.asList(key))) {
                return Double.parseDouble(row.get(c).split(" ", -1)[0]);
            }
        }
        throw new IllegalArgumentException(
                "table " + name + " has no row " + String.join(" / ", key));
    }

    private List<List<String>> tableLines() {
        List<List<String>> lines = new ArrayList<>();
        for (String line : body.lines().toList()) {
            String t = line.strip();
            if (!t.startsWith("|")) {
                continue;
            }
            List<String> cells = new ArrayList<>();
            for (String cell : t.substring(1, t.length() - 1).split("\\|", -1)) {
                cells.add(cell.strip().replace("**", ""));
            }
            lines.add(cells);
        }
        return lines;
    }

    /**
     * Formats a Markdown table.
     *
     * @param header the header cells
     * @param rows the rows
     * @return the table, one line per row
     */
    public static String format(List<String> header, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", header)).append(" |\n");
        sb.append("|").append("---|".repeat(header.size())).append('\n');
        for (List<String> row : rows) {
            sb.append("| ").append(String.join(" | ", row)).append(" |\n");
        }
        return sb.toString().strip();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "table %s:%n%s", name, body);
    }
}
