package org.powerquant.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** One run of the command line, with what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PowerQuantCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * Returns the error output without native-library warnings that libtorch prints on its own.
     *
     * @return the error output without native-library warnings that libtorch prints on its own
     */
    String errorLines() {
        return err.lines()
                .filter(l -> !l.startsWith("[W"))
                .reduce("", (a, b) -> a.isEmpty() ? b : a + "\n" + b);
    }
}
