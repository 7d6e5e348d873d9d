package org.powerquant.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mixed precision on weight tensors: the error curves are the quantizer's, the widths hold. */
class MixedPrecisionTest {

    private static List<WeightTensor> layers(Random random, int count) {
        List<WeightTensor> out = new ArrayList<>();
        for (int l = 0; l < count; l++) {
            int channels = 1 + random.nextInt(16);
            int perChannel = 1 + random.nextInt(300);
            out.add(
                    new WeightTensor(
                            "layer" + l,
                            new long[] {channels, perChannel},
                            RandomTensors.draw(
                                    random, RandomTensors.anyKind(random), channels, perChannel)));
        }
        return out;
    }

    @Test
    void eachLayersErrorCurveIsWhatTheQuantizerReachesAtEachWidth() {
        Random random = new Random(11);
        for (QuantizationMethod method : QuantizationMethod.values()) {
            for (ScaleMode mode : ScaleMode.values()) {
                WeightQuantizer quantizer =
                        WeightQuantizer.builder().bits(4).method(method).scaleMode(mode).build();
                MixedPrecision mixed =
                        new MixedPrecision(
                                quantizer,
                                Sensitivity.SQUARED_ERROR,
                                MixedPrecision.candidates(4),
                                4.5);
                List<WeightTensor> layers = layers(random, 3);
                double[][] errors = mixed.errors(layers, 2);
                int[] widths = mixed.candidates();
                for (int l = 0; l < layers.size(); l++) {
                    WeightTensor t = layers.get(l);
                    for (int k = 0; k < widths.length; k++) {
                        double reached =
                                quantizer
                                        .withBits(widths[k])
                                        .quantize(t.name(), t.shape(), t.values())
                                        .squaredError();
                        assertEquals(reached, errors[l][k], 1e-9 * reached, method + " " + l);
                    }
                }
            }
        }
    }

    @Test
    void theChosenWidthsMeetTheBudgetAndEachLayerIsQuantizedAtItsOwn() {
        Random random = new Random(12);
        for (int trial = 0; trial < 6; trial++) {
            int base = 2 + random.nextInt(7);
            int[] candidates = MixedPrecision.candidates(base);
            double budget = candidates[0] + (8 - candidates[0]) * random.nextDouble();
            List<WeightTensor> layers = layers(random, 1 + random.nextInt(4));
            WeightQuantizer quantizer = WeightQuantizer.builder().bits(base).build();
            Sensitivity sensitivity =
                    trial % 2 == 0 ? Sensitivity.SQUARED_ERROR : Sensitivity.RELATIVE_ERROR;
            MixedPrecision mixed = new MixedPrecision(quantizer, sensitivity, candidates, budget);
            BitAllocator.Allocation a = mixed.allocate(layers, 2);
            assertArrayEquals(a.bits(), mixed.allocate(layers, 1).bits(), "deterministic");
            long bits = 0;
            long weights = 0;
            List<QuantizedWeights> results = quantizer.quantizeAll(layers, a.bits(), 2);
            for (int l = 0; l < layers.size(); l++) {
                WeightTensor t = layers.get(l);
                bits += (long) a.bits()[l] * t.values().length;
                weights += t.values().length;
                assertTrue(a.bits()[l] >= candidates[0] && a.bits()[l] <= 8);
                QuantizedWeights alone =
                        quantizer.withBits(a.bits()[l]).quantize(t.name(), t.shape(), t.values());
                assertEquals(a.bits()[l], results.get(l).bits());
                assertArrayEquals(alone.values(), results.get(l).values(), t.name());
            }
            assertTrue(bits <= budget * weights, bits + " bits for " + weights + " weights");
        }
    }

    @Test
    void theCandidatesRunFromOneBitBelowTheBaseToEight() {
        assertArrayEquals(new int[] {2, 3, 4, 5, 6, 7, 8}, MixedPrecision.candidates(2));
        assertArrayEquals(new int[] {2, 3, 4, 5, 6, 7, 8}, MixedPrecision.candidates(3));
        assertArrayEquals(new int[] {3, 4, 5, 6, 7, 8}, MixedPrecision.candidates(4));
        assertArrayEquals(new int[] {7, 8}, MixedPrecision.candidates(8));
    }
}
