package org.powerquant.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
