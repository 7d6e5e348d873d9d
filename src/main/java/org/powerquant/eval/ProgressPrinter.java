package org.powerquant.eval;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Prints evaluation progress lines (images done, images/s, running top-1) to a stream, at most once
 * per interval and only once the first interval has passed, so that short evaluations stay silent.
 * The final count is printed once: {@link #finish} adds it unless the last update already showed
 * it.
 */
final class ProgressPrinter {

    private final PrintStream out;
    private final int total;
    private final long intervalNanos;
    private final long start;
    private long lastPrint;
    private boolean printed;
    private int lastDone = -1;

    ProgressPrinter(PrintStream out, int total, long intervalNanos, long start) {
        this.out = out;
        this.total = total;
        this.intervalNanos = intervalNanos;
        this.start = start;
        this.lastPrint = start;
    }

    void update(int done, int top1Correct, long now) {
        if (out == null || now - lastPrint < intervalNanos) {
            return;
        }
        lastPrint = now;
        print(done, top1Correct, now);
    }

    void finish(int done, int top1Correct, long now) {
        if (out != null && printed && done != lastDone) {
            print(done, top1Correct, now);
        }
    }

    private void print(int done, int top1Correct, long now) {
        double seconds = (now - start) / 1e9;
        out.println(
                String.format(
                        Locale.ROOT,
                        "evaluate: %d/%d images (%.0f %%), %.1f images/s, running top-1 %.2f %%",
                        done,
                        total,
                        100.0 * done / total,
                        seconds > 0 ? done / seconds : 0,
                        done == 0 ? 0 : 100.0 * top1Correct / done));
        out.flush();
        printed = true;
        lastDone = done;
    }
}
