package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Mixed-precision allocation: within budget, monotone in the budget, and the exact optimum. */
class BitAllocatorTest {

    /** A random instance: counts, candidate widths and sensitivities. */
    private record Instance(long[] counts, int[] candidates, double[][] sensitivity) {
        long total() {
            return Arrays.stream(counts).sum();
        }
    }

    private static Instance instance(Random random, int maxLayers, int maxCount) {
        int layers = 1 + random.nextInt(maxLayers);
        int[] candidates = IntStream.rangeClosed(2, 8).filter(b -> random.nextInt(3) > 0).toArray();
        if (candidates.length == 0) {
            candidates = new int[] {2 + random.nextInt(7)};
        }
        long[] counts = new long[layers];
        double[][] sensitivity = new double[layers][candidates.length];
        for (int l = 0; l < layers; l++) {
            counts[l] = 1L + random.nextInt(maxCount);
            boolean decreasing = random.nextInt(4) > 0;
            double scale = Math.exp(4 * random.nextGaussian());
            for (int k = 0; k < candidates.length; k++) {
                // like a squared error, about a quarter for every bit more; or anything at all
                sensitivity[l][k] =
                        decreasing
                                ? scale * Math.pow(4, -candidates[k]) * (0.5 + random.nextDouble())
                                : random.nextDouble();
            }
        }
        return new Instance(counts, candidates, sensitivity);
    }

    private static double budget(Random random, Instance in) {
        int[] c = in.candidates();
        return c[0] + (c[c.length - 1] - c[0] + 0.5) * random.nextDouble();
    }

    private static long bitsOf(Instance in, int[] bits) {
        long sum = 0;
        for (int l = 0; l < bits.length; l++) {
            sum += in.counts()[l] * bits[l];
        }
        return sum;
    }

    /** The least total sensitivity within the budget, by enumerating every allocation. */
    private static double bruteForce(Instance in, double budget) {
        int layers = in.counts().length;
        int choices = in.candidates().length;
        int[] index = new int[layers];
        double best = Double.POSITIVE_INFINITY;
        while (true) {
            long size = 0;
            double total = 0;
            for (int l = 0; l < layers; l++) {
                size += in.counts()[l] * in.candidates()[index[l]];
                total += in.sensitivity()[l][index[l]];
            }
            if (size <= budget * in.total() && total < best) {
                best = total;
            }
            int l = 0;
            while (l < layers && ++index[l] == choices) {
                index[l++] = 0;
            }
            if (l == layers) {
                return best;
            }
        }
    }

    @Test
    void theBudgetIsMetAndNeverExceeded() {
        Random random = new Random(1);
        for (int trial = 0; trial < 300; trial++) {
            Instance in = instance(random, 8, 500);
            double budget = budget(random, in);
            BitAllocator.Allocation a =
                    new BitAllocator()
                            .allocate(in.counts(), in.candidates(), in.sensitivity(), budget);
            long size = bitsOf(in, a.bits());
            assertTrue(size <= budget * in.total(), trial + ": " + size + " bits over budget");
            assertEquals((double) size / in.total(), a.averageBits(), 1e-12);
            for (int b : a.bits()) {
                assertTrue(Arrays.binarySearch(in.candidates(), b) >= 0, b + " is a candidate");
            }
        }
    }

    @Test
    void theResultIsTheExactOptimumOfEveryAllocation() {
        Random random = new Random(2);
        for (int trial = 0; trial < 400; trial++) {
            Instance in = instance(random, 5, 40);
            double budget = budget(random, in);
            BitAllocator.Allocation a =
                    new BitAllocator()
                            .allocate(in.counts(), in.candidates(), in.sensitivity(), budget);
            assertTrue(a.exact());
            assertEquals(bruteForce(in, budget), a.totalSensitivity(), 0.0, "trial " + trial);
            double recomputed = 0;
            for (int l = 0; l < a.bits().length; l++) {
                recomputed +=
                        in.sensitivity()[l][Arrays.binarySearch(in.candidates(), a.bits()[l])];
            }
            assertEquals(recomputed, a.totalSensitivity(), 0.0, "the total is the widths' total");
        }
    }

    @Test
    void moreBudgetNeverGivesAHigherTotalSensitivity() {
        Random random = new Random(3);
        for (int trial = 0; trial < 20; trial++) {
            Instance in = instance(random, 5, 200);
            // exact sizes, and sizes rounded up to a coarse unit: monotone either way
            for (BitAllocator allocator :
                    new BitAllocator[] {new BitAllocator(), new BitAllocator(50)}) {
                double previous = Double.POSITIVE_INFINITY;
                int[] c = in.candidates();
                for (double budget = c[0]; budget <= c[c.length - 1] + 0.5; budget += 0.125) {
                    double total =
                            allocator
                                    .allocate(in.counts(), c, in.sensitivity(), budget)
                                    .totalSensitivity();
                    assertTrue(
                            total <= previous,
                            "trial "
                                    + trial
                                    + ", budget "
                                    + budget
                                    + ": "
                                    + total
                                    + " > "
                                    + previous);
                    previous = total;
                }
            }
        }
    }

    @Test
    void aBudgetOfTheBaseWidthWithCandidatesFromItGivesEveryLayerTheBaseWidth() {
        Random random = new Random(4);
        for (int trial = 0; trial < 300; trial++) {
            int base = 2 + random.nextInt(7);
            Instance drawn = instance(random, 25, 3_000_000);
            int[] candidates = IntStream.rangeClosed(base, 8).toArray();
            double[][] sensitivity = new double[drawn.counts().length][candidates.length];
            for (int l = 0; l < sensitivity.length; l++) {
                for (int k = 0; k < candidates.length; k++) {
                    sensitivity[l][k] = random.nextDouble();
                }
            }
            BitAllocator.Allocation a =
                    new BitAllocator().allocate(drawn.counts(), candidates, sensitivity, base);
            int[] uniform = new int[drawn.counts().length];
            Arrays.fill(uniform, base);
            assertArrayEquals(uniform, a.bits());
            assertEquals(base, a.averageBits(), 0.0);
        }
    }

    @Test
    void coarseSizesStillNeverExceedTheBudgetAndCostAtLeastTheOptimum() {
        Random random = new Random(5);
        for (int trial = 0; trial < 300; trial++) {
            Instance in = instance(random, 5, 40);
            double budget = budget(random, in);
            BitAllocator.Allocation coarse =
                    new BitAllocator(1 + random.nextInt(20))
                            .allocate(in.counts(), in.candidates(), in.sensitivity(), budget);
            assertTrue(bitsOf(in, coarse.bits()) <= budget * in.total());
            assertTrue(coarse.totalSensitivity() >= bruteForce(in, budget));
        }
    }

    @Test
    void networkSizedLayersAreAllocatedExactly() {
        // the weight counts of the shared ResNet-18: their divisor 64 keeps the sizes exact
        long[] counts = {
            9408, 36864, 36864, 36864, 36864, 73728, 147456, 8192, 147456, 147456, 294912, 589824,
            32768, 589824, 589824, 1179648, 2359296, 131072, 2359296, 2359296, 5120
        };
        int[] candidates = MixedPrecision.candidates(4);
        double[][] sensitivity = new double[counts.length][candidates.length];
        Random random = new Random(6);
        for (double[] row : sensitivity) {
            double scale = random.nextDouble();
            for (int k = 0; k < candidates.length; k++) {
                row[k] = scale * Math.pow(4, -candidates[k]);
            }
        }
        BitAllocator.Allocation a =
                new BitAllocator().allocate(counts, candidates, sensitivity, 4.25);
        assertTrue(a.exact());
        assertTrue(a.averageBits() <= 4.25 && a.averageBits() > 4.2, "" + a.averageBits());
    }

    @Test
    void aBudgetBelowTheSmallestCandidateIsRefused() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new BitAllocator()
                                        .allocate(
                                                new long[] {10},
                                                new int[] {3, 4},
                                                new double[][] {{1, 0.5}},
                                                2.9));
        assertTrue(e.getMessage().contains("size budget"), e.getMessage());
        assertFalse(e.getMessage().isBlank());
    }
}
