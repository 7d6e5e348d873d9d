package org.powerquant.eval;

import java.util.Random;

/** Logit rows in which the true class has a chosen rank. */
final class TestLogits {

    private TestLogits() {}

    /**
     * Returns distinct random logits in which exactly {@code rank} entries exceed the one at {@code
     * label}.
     */
    static float[] withRank(Random random, int width, int label, int rank) {
        // Scores 0..width-1 in random order, then swap so that the label holds width-1-rank.
        int[] perm = new int[width];
        for (int i = 0; i < width; i++) {
            perm[i] = i;
        }
        for (int i = width - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        int target = width - 1 - rank;
        for (int i = 0; i < width; i++) {
            if (perm[i] == target) {
                perm[i] = perm[label];
                perm[label] = target;
                break;
            }
        }
        float[] logits = new float[width];
        float offset = (float) random.nextGaussian() * 5;
        for (int i = 0; i < width; i++) {
            logits[i] = offset + 0.5f * perm[i];
        }
        return logits;
    }
}
