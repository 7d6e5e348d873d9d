package org.powerquant.eval;

import java.util.BitSet;

/**
 * Scores rows of logits against true labels: the rank of the true class is the number of logits
 * above it plus the number of equal logits at a lower index (the order {@code argmax} and {@code
 * topk} use), so ties never count twice. A NaN logit for the true class ranks last.
 */
final class TopKScorer {

    private int images;
    private int top1;
    private int top5;
    private final BitSet top1Hits = new BitSet();

    /**
     * Scores a batch of logits.
     *
     * @param logits row-major (rows, width) logits
     * @param width the number of logits per row
     * @param labels the true class of each row
     * @param rows the number of rows to score
     */
    void score(float[] logits, int width, int[] labels, int rows) {
        for (int r = 0; r < rows; r++) {
            int rank = rank(logits, r * width, width, labels[r]);
            if (rank == 0) {
                top1++;
                top1Hits.set(images);
            }
            images++;
            if (rank < 5) {
                top5++;
            }
        }
    }

    static int rank(float[] logits, int offset, int width, int label) {
        float t = logits[offset + label];
        if (Float.isNaN(t)) {
            return width;
        }
        int rank = 0;
        for (int j = 0; j < width; j++) {
            float v = logits[offset + j];
            if (v > t || (v == t && j < label)) {
                rank++;
            }
        }
        return rank;
    }

    int images() {
        return images;
    }

    int top1() {
        return top1;
    }

    int top5() {
        return top5;
    }

    /** The images scored so far whose top-1 prediction was right, by their order of scoring. */
    BitSet top1Hits() {
        return (BitSet) top1Hits.clone();
    }
}
