package org.powerquant.cli;

import picocli.CommandLine.Option;

/** The run-control flags every command takes. */
final class RunOptions {

    @Option(
            names = "--dry-run",
            description =
                    "Check every flag and every input and output path, then stop before loading the"
                            + " model (exit 0 when all is well); what needs the model is not checked"
                            + " (--skip layer names, a GPU for --device gpu).")
    boolean dryRun;

    @Option(names = "--quiet", description = "No progress lines on stderr.")
    boolean quiet;
}
