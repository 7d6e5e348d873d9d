package org.powerquant.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.powerquant.eval.Fixtures;

/**
 * Inputs for refusals that come before any work: a model file that is never loaded and a two-image
 * IDX data set.
 *
 * @param model the model file (not a model)
 * @param dataset the data set specification, {@code idx:images,labels}
 */
record UnreadInputs(Path model, String dataset) {

    static UnreadInputs in(Path dir) throws IOException {
        Path model = Files.writeString(dir.resolve("model.pt"), "never loaded");
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {2, 4, 4}, new byte[32], true);
        Fixtures.writeIdx(labels, new int[] {2}, new byte[] {0, 1}, true);
        return new UnreadInputs(model, "idx:" + images + "," + labels);
    }

    /**
     * Runs a command with {@code --dry-run} on these inputs: {@code --model} and 4x4 one-channel
     * preprocessing for every command but {@code demo}, {@code --dataset} for {@code evaluate} and
     * {@code compare}, then the flags given.
     *
     * @param command the command
     * @param more its further flags
     * @return the run
     */
    CliRun dryRun(String command, String... more) {
        List<String> args = new ArrayList<>(List.of(command, "--dry-run"));
        if (!command.equals("demo")) {
            args.addAll(List.of("--model", model.toString()));
        }
        if (command.equals("evaluate") || command.equals("compare")) {
            args.addAll(List.of("--dataset", dataset));
        }
        if (!command.equals("demo")) {
            args.addAll(
                    List.of(
                            "--image-size",
                            "4",
                            "--channels",
                            "1",
                            "--mean",
                            "0.5",
                            "--std",
                            "0.5"));
        }
        args.addAll(List.of(more));
        return CliRun.of(args.toArray(new String[0]));
    }
}
