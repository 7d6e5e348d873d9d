package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ProgressPrinterTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void everyPrintedCountIsPrintedOnceAndTheLastLineIsTheFinalCountOnceAnythingWasPrinted() {
        Random random = new Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int total = 1 + random.nextInt(500);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
            ProgressPrinter printer = new ProgressPrinter(out, total, SECOND, 0);
            long now = 0;
            int done = 0;
            while (done < total) {
                done = Math.min(total, done + 1 + random.nextInt(64));
                now += random.nextInt(3) * SECOND / 2;
                printer.update(done, done / 2, now);
            }
            printer.finish(done, done / 2, now);
            String text = bytes.toString(StandardCharsets.UTF_8);
            List<String> lines = text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
            assertEquals(
                    lines.stream().distinct().count(),
                    lines.size(),
                    "a progress line repeated: " + lines);
            if (!lines.isEmpty()) {
                assertEquals(
                        true,
                        lines.get(lines.size() - 1).startsWith("evaluate: " + total + "/" + total),
                        "the last line is not the final count: " + lines);
            }
        }
    }
}
