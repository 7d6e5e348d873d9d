package org.powerquant.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.function.Consumer;

/** Progress lines on stderr, for steps that can take more than a few seconds. */
final class Progress {

    private Progress() {}

    /**
     * Returns a listener printing each line to stderr, or one that drops them when quiet.
     *
     * @return a listener printing each line to stderr, or one that drops them when quiet
     */
    static Consumer<String> lines(PrintWriter err, boolean quiet) {
        if (quiet) {
            return line -> {};
        }
        return line -> {
            err.println(line);
            err.flush();
        };
    }

    /**
     * Returns a stream onto stderr for the evaluator's progress bar, or null when quiet.
     *
     * @return a stream onto stderr for the evaluator's progress bar, or null when quiet
     */
    static PrintStream stream(PrintWriter err, boolean quiet) {
        return quiet ? null : new PrintStream(new WriterOutputStream(err), true);
    }
}
