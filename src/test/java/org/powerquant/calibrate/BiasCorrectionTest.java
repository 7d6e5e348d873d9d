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
import org.powerquant.nn.ConvBatchNormPair;
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
    void aGroupedLayerShiftsAsTheDenseLayerWithZerosOutsideItsGroups() {
        java.util.Random random = new java.util.Random(5);
        for (int trial = 0; trial < 50; trial++) {
            int groups = 1 + random.nextInt(4);
            int outPerGroup = 1 + random.nextInt(3);
            int inPerGroup = 1 + random.nextInt(3);
            int kernel = 1 + random.nextInt(4);
            int out = groups * outPerGroup;
            int in = groups * inPerGroup;
            float[] w = new float[out * inPerGroup * kernel];
            float[] q = new float[w.length];
            float[] denseW = new float[out * in * kernel];
            float[] denseQ = new float[denseW.length];
            for (int c = 0; c < out; c++) {
                for (int i = 0; i < inPerGroup; i++) {
                    for (int k = 0; k < kernel; k++) {
                        int at = (c * inPerGroup + i) * kernel + k;
                        w[at] = (float) random.nextGaussian();
                        q[at] = w[at] + (float) random.nextGaussian() * 0.1f;
                        int denseAt = (c * in + c / outPerGroup * inPerGroup + i) * kernel + k;
                        denseW[denseAt] = w[at];
                        denseQ[denseAt] = q[at];
                    }
                }
            }
            double[] means = random.doubles(in, 0, 2).toArray();
            assertArrayEquals(
                    BiasCorrection.outputShift(new long[] {out, in, kernel}, denseW, denseQ, means),
                    BiasCorrection.outputShift(new long[] {out, inPerGroup, kernel}, w, q, means),
                    1e-9,
                    "groups " + groups);
        }
    }

    @Test
    void correctionLowersTheLayersOutputShiftOnTheSyntheticBatch() {
        for (long seed : new long[] {3, 4}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.getEngine().setRandomSeed((int) seed);
                TorchvisionResNet net = SmallNetworks.basic(manager, seed);
                Map<String, FoldedBatchNorm> stats = ResNetBiasTargets.statistics(net);
                DistilledData.Batch batch =
                        DISTILLER.generate(net, stats, SmallNetworks.IMAGE, SmallNetworks.IMAGE);
                Map<String, float[]> snapshot = snapshot(net);
                Map<String, double[]> reference = batchNormMeans(net, batch, manager);
                Map<Parameter, String> weightNames = new java.util.HashMap<>();
                for (org.powerquant.transform.WeightSite site :
                        org.powerquant.transform.BlockWalker.sites(net)) {
                    weightNames.put(site.parameter(), site.name());
                }
                Map<Parameter, CorrectableLayer> correctable = ResNetBiasTargets.of(net, null);
                for (QuantizationMethod method : QuantizationMethod.values()) {
                    double plain = 0;
                    double corrected = 0;
                    int layers = 0;
                    for (ConvBatchNormPair pair : ConvBatchNormPair.findAll(net)) {
                        Parameter parameter = pair.conv().getParameters().get("weight");
                        if (!correctable.containsKey(parameter)) {
                            continue; // the stem reads the image, of expected value zero
                        }
                        layers++;
                        String weight = weightNames.get(parameter);
                        for (boolean correct : new boolean[] {false, true}) {
                            // only this layer is quantized: its batch norm sees its own shift
                            PowerQuantTransform.builder()
                                    .weightBits(3)
                                    .method(method)
                                    .biasCorrection(correct)
                                    .skipIf(name -> !name.equals(weight))
                                    .build()
                                    .apply(net);
                            double[] after =
                                    batchNormMeans(net, batch, manager).get(pair.batchNormName());
                            double[] before = reference.get(pair.batchNormName());
                            double shift = 0;
                            for (int c = 0; c < before.length; c++) {
                                shift += (after[c] - before[c]) * (after[c] - before[c]);
                            }
                            if (correct) {
                                corrected += shift;
                            } else {
                                plain += shift;
                            }
                            restore(net, snapshot);
                        }
                    }
                    assertTrue(layers >= 3, "layers corrected: " + layers);
                    assertTrue(
                            corrected < plain,
                            method + " seed " + seed + ": " + plain + " -> " + corrected);
                }
            }
        }
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
