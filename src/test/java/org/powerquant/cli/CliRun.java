package org.powerquant.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One run of the command line, with what it printed. */
record CliRun(int exitCode, String out, String err) {

    static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = PowerQuantCli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * Runs {@code evaluate --model MODEL --dataset} the demo's test set ({@link
     * ArtifactCommandsTest#TEST_SET}) with more flags.
     *
     * @param model the model file or artifact directory
     * @param flags the flags after {@code --dataset}'s value
     * @return the run
     */
    static CliRun evaluate(Path model, String... flags) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "evaluate",
                                "--model",
                                model.toString(),
                                "--dataset",
                                ArtifactCommandsTest.TEST_SET));
        args.addAll(List.of(flags));
        return of(args.toArray(String[]::new));
    }

    /**
     * The command line that runs the CLI in a child JVM on the test class path (offline, no perf
     * data file), for what only a process shows: signals, resource limits, exit codes.
     *
     * @param args the CLI's arguments
     * @return the command
     */
    static List<String> inChildJvm(String... args) {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                                "-XX:-UsePerfData",
                                "-Dai.djl.offline=true",
                                "-cp",
                                System.getProperty("java.class.path"),
                                PowerQuantCli.class.getName()));
        command.addAll(List.of(args));
        return command;
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
