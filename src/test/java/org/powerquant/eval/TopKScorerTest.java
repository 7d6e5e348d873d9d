package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopKScorerTest {

    @Test
    void rankIsTheNumberOfLogitsAboveTheTrueClass() {
        Random random = new Random(7);
        for (int trial = 0; trial < 500; trial++) {
            int width = 1 + random.nextInt(20);
            int label = random.nextInt(width);
            int rank = random.nextInt(width);
            float[] logits = TestLogits.withRank(random, width, label, rank);
            assertEquals(rank, TopKScorer.rank(logits, 0, width, label));
        }
    }

    @Test
    void tiesGoToTheLowerIndexLikeArgmax() {
        float[] logits = {1, 3, 3, 3, 0};
        assertEquals(0, TopKScorer.rank(logits, 0, 5, 1));
        assertEquals(1, TopKScorer.rank(logits, 0, 5, 2));
        assertEquals(2, TopKScorer.rank(logits, 0, 5, 3));
    }

    @Test
    void nanForTheTrueClassIsNeverAHit() {
        float[] logits = {Float.NaN, 0, 0};
        assertEquals(3, TopKScorer.rank(logits, 0, 3, 0));
    }

    @Test
    void countsTop1AndTop5OverRows() {
        Random random = new Random(11);
        int rows = 300;
        int width = 10;
        float[] logits = new float[rows * width];
        int[] labels = new int[rows];
        int top1 = 0;
        int top5 = 0;
        BitSet hits = new BitSet();
        for (int r = 0; r < rows; r++) {
            labels[r] = random.nextInt(width);
            int rank = random.nextInt(width);
            top1 += rank == 0 ? 1 : 0;
            hits.set(r, rank == 0);
            top5 += rank < 5 ? 1 : 0;
            System.arraycopy(
                    TestLogits.withRank(random, width, labels[r], rank),
                    0,
                    logits,
                    r * width,
                    width);
        }
        TopKScorer scorer = new TopKScorer();
        // in two batches: an image's bit is its place in the whole sequence
        int half = rows / 2;
        scorer.score(logits, width, labels, half);
        scorer.score(
                Arrays.copyOfRange(logits, half * width, rows * width),
                width,
                Arrays.copyOfRange(labels, half, rows),
                rows - half);
        assertEquals(rows, scorer.images());
        assertEquals(top1, scorer.top1());
        assertEquals(top5, scorer.top5());
        assertEquals(hits, scorer.top1Hits());
    }
}
