package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.transform.PowerQuantTransform;

/** Bias correction lowers the output shift that weight quantization causes on a synthetic batch. */
class BiasCorrectionTest {

    private static final DistilledData DISTILLER =
            DistilledData.builder().batchSize(8).iterations(60).learningRate(0.2).seed(7).build();

    @Test
    void theShiftIsTheWeightErrorSummedOverEachKernelTimesTheInputMean() {
        long[] shape = {2, 3, 1, 2};
        float[] w = new float[12];
        float[] q = new float[12];
        for (int i = 0; i < 12; i++) {
            w[i] = i;
            q[i] = i + (i % 2 == 0 ? 0.5f : -0.25f);
        }
        // each kernel's error is 0.25; output channel c shifts by 0.25 * (1 + 2 + 3)
        assertArrayEquals(
                new double[] {1.5, 1.5},
                BiasCorrection.outputShift(shape, w, q, new double[] {1, 2, 3}),
                1e-12);
    }

    @Test
    void correctionLowersTheMeanShiftOfEveryBatchNormOutputOnTheSyntheticBatch() {
        for (long seed : new long[] {3, 4}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.getEngine().setRandomSeed((int) seed);
                TorchvisionResNet net = SmallNetworks.basic(manager, seed);
                Map<String, FoldedBatchNorm> stats = ResNetBiasTargets.statistics(net);
                DistilledData.Batch batch =
                        DISTILLER.generate(net, stats, SmallNetworks.IMAGE, SmallNetworks.IMAGE);
                Map<String, float[]> snapshot = snapshot(net);
                Map<String, double[]> reference = batchNormMeans(net, batch, manager);
                for (QuantizationMethod method : QuantizationMethod.values()) {
                    double plain = shift(net, batch, manager, reference, method, false);
                    restore(net, snapshot);
                    double corrected = shift(net, batch, manager, reference, method, true);
                    restore(net, snapshot);
                    assertTrue(
                            corrected < plain,
                            method + " seed " + seed + ": " + plain + " -> " + corrected);
                }
            }
        }
    }

    private static double shift(
            TorchvisionResNet net,
            DistilledData.Batch batch,
            NDManager manager,
            Map<String, double[]> reference,
            QuantizationMethod method,
            boolean correct) {
        PowerQuantTransform.builder()
                .weightBits(3)
                .method(method)
                .biasCorrection(correct)
                .build()
                .apply(net);
        double total = 0;
        for (Map.Entry<String, double[]> e : batchNormMeans(net, batch, manager).entrySet()) {
            double[] r = reference.get(e.getKey());
            for (int c = 0; c < r.length; c++) {
                double d = e.getValue()[c] - r[c];
                total += d * d;
            }
        }
        return total;
    }

    /** Per batch norm, the mean of each output channel over the batch and the positions. */
    private static Map<String, double[]> batchNormMeans(
            TorchvisionResNet net, DistilledData.Batch batch, NDManager manager) {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (NDManager scope = manager.newSubManager()) {
            NDArray images = scope.create(batch.images(), batch.shape());
            new BatchNormObservingForward(net, new ParameterStore(scope, false))
                    .forward(
                            images,
                            (name, y) -> {
                                float[] m =
                                        y.transpose(1, 0, 2, 3)
                                                .reshape(y.getShape().get(1), -1)
                                                .mean(new int[] {1})
                                                .toFloatArray();
                                double[] d = new double[m.length];
                                for (int c = 0; c < d.length; c++) {
                                    d[c] = m[c];
                                }
                                out.put(name, d);
                            });
        }
        return out;
    }

    private static Map<String, float[]> snapshot(TorchvisionResNet net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : TorchNames.parameters(net).entrySet()) {
            out.put(e.getKey(), e.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static void restore(TorchvisionResNet net, Map<String, float[]> snapshot) {
        for (Map.Entry<String, Parameter> e : TorchNames.parameters(net).entrySet()) {
            e.getValue().getArray().set(snapshot.get(e.getKey()));
        }
    }
}
