package org.powerquant.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code powerquant} command line: {@code quantize}, {@code evaluate}, {@code compare} and
 * {@code demo}.
 *
 * <p>Bad input (a missing model, a flag out of range, an unwritable output) ends with a one-line
 * message on stderr and exit code 2; nothing is written.
 */
@Command(
        name = "powerquant",
        mixinStandardHelpOptions = true,
        versionProvider = PowerQuantCli.Version.class,
        description = "Data-free power-function quantization of DJL models (PowerQuant).",
        subcommands = {
            QuantizeCommand.class,
            EvaluateCommand.class,
            CompareCommand.class,
            DemoCommand.class,
            InspectCommand.class
        })
public final class PowerQuantCli {

    /** Exit code of bad input. */
    public static final int BAD_INPUT = 2;

    private final Interruption interruption;

    private PowerQuantCli() {
        this(Interruption.forProcess());
    }

    private PowerQuantCli(Interruption interruption) {
        this.interruption = interruption;
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        Interruption interruption = Interruption.forProcess();
        interruption.install();
        int code;
        try (NativeStderrFilter filter = NativeStderrFilter.install()) {
            code =
                    run(
                            args,
                            new PrintWriter(
                                    new OutputStreamWriter(System.out, Charset.defaultCharset()),
                                    true),
                            new PrintWriter(
                                    new OutputStreamWriter(System.err, Charset.defaultCharset()),
                                    true),
                            interruption);
        }
        System.exit(code);
    }

    /**
     * Runs the command line without exiting, for tests and embedding.
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @return the exit code: 0 on success, 2 on bad input, 1 on any other failure
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return run(args, out, err, Interruption.forProcess());
    }

    private static int run(
            String[] args, PrintWriter out, PrintWriter err, Interruption interruption) {
        if (System.getProperty("ai.djl.offline") == null) {
            // The CLI works on local files; the native library ships in the jar. Nothing needs the
            // network.
            System.setProperty("ai.djl.offline", "true");
        }
        CommandLine cli = new CommandLine(new PowerQuantCli(interruption));
        for (String settingsCommand : new String[] {"compare", "demo"}) {
            hideFromHelp(cli.getSubcommands().get(settingsCommand), QuantizationMixin.BIT_WIDTHS);
        }
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new BadInputHandler());
        cli.setParameterExceptionHandler(PowerQuantCli::refuseParameters);
        return cli.execute(args);
    }

    /**
     * Returns what this run does when interrupted; its commands stage their outputs through it.
     *
     * @return what this run does when interrupted
     */
    Interruption interruption() {
        return interruption;
    }

    /**
     * Keeps options out of a command's {@code --help} while it still parses them: {@code compare}
     * and {@code demo} take bit widths and methods from {@code --settings} and {@code --methods},
     * and refuse the shared flags with a line saying so rather than as unknown options.
     */
    private static void hideFromHelp(CommandLine command, List<String> names) {
        CommandLine.Model.CommandSpec spec = command.getCommandSpec();
        for (String name : names) {
            CommandLine.Model.OptionSpec option = spec.findOption(name);
            spec.remove(option);
            spec.addOption(CommandLine.Model.OptionSpec.builder(option).hidden(true).build());
        }
    }

    /** A flag picocli cannot parse: one line, exit 2, no usage (that is what --help is for). */
    private static int refuseParameters(CommandLine.ParameterException e, String[] args) {
        CommandLine command = e.getCommandLine();
        String message = e.getMessage() == null ? "bad arguments" : e.getMessage();
        String commands =
                command.getSubcommands().isEmpty()
                        ? ""
                        : " (commands: "
                                + String.join(", ", command.getSubcommands().keySet())
                                + "; --help for usage)";
        command.getErr()
                .println(
                        command.getCommandSpec().qualifiedName()
                                + ": error: "
                                + BadInputHandler.firstLine(message)
                                + commands);
        command.getErr().flush();
        return BAD_INPUT;
    }

    /**
     * Turns expected failures into one line and exit code 2, anything else into one line and exit
     * code 1.
     */
    private static final class BadInputHandler implements CommandLine.IExecutionExceptionHandler {
        @Override
        public int handleExecutionException(
                Exception e, CommandLine commandLine, CommandLine.ParseResult parseResult) {
            String command = commandLine.getCommandSpec().qualifiedName();
            String message =
                    e instanceof org.powerquant.InvalidInputException invalid
                            ? Flags.message(invalid)
                            : e.getMessage() == null
                                    ? e.getClass().getSimpleName()
                                    : e.getMessage();
            commandLine.getErr().println(command + ": error: " + firstLine(message));
            commandLine.getErr().flush();
            return isBadInput(e) ? BAD_INPUT : 1;
        }

        private static boolean isBadInput(Throwable e) {
            return e instanceof IllegalArgumentException
                    || e instanceof java.io.IOException
                    || e instanceof java.io.UncheckedIOException
                    || e instanceof ai.djl.ModelException
                    || e instanceof ai.djl.engine.EngineException;
        }

        static String firstLine(String message) {
            int newline = message.indexOf('\n');
            return newline < 0 ? message : message.substring(0, newline);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            org.powerquant.PluginDescriptor plugin = org.powerquant.PluginDescriptor.load();
            return new String[] {
                plugin.name() + " " + plugin.version(),
                "requires " + String.join(", ", plugin.requires())
            };
        }
    }
}
