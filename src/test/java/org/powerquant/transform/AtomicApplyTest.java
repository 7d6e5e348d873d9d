package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;

/**
 * {@link PowerQuantTransform#apply} validates everything before it changes anything: after a
 * failure the model is as it was, and a retry with corrected input works.
 */
class AtomicApplyTest {

    private static PowerQuantTransform.Builder w4a4() {
        return PowerQuantTransform.builder()
                .weightBits(4)
                .activationBits(4)
                .calibration(new BatchNormModel());
    }

    @Test
    void aSkipPatternThatMatchesNothingIsAnErrorNamingItAndChangesNothing() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = network(manager);
            Map<String, float[]> before = snapshot(net);
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> w4a4().skipLayers("layer1.*", "layer9.*").build().apply(net));
            assertTrue(e.getMessage().contains("skip pattern layer9.*"), e.getMessage());
            assertUnchanged(before, net);
            w4a4().skipLayers("layer1.*").build().apply(net);
            assertEquals(17, ActivationQuantizers.installed(net).size());
        }
    }

    @Test
    void nonFiniteWeightsFailBeforeFoldingAndARetryWorks() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net = network(manager);
            NDArray conv = TorchNames.parameters(net).get("layer2.1.conv2.weight").getArray();
            float[] good = conv.toFloatArray();
            float[] bad = good.clone();
            bad[7] = Float.NaN;
            conv.set(bad);
            Map<String, float[]> before = snapshot(net);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> w4a4().build().apply(net));
            assertTrue(e.getMessage().contains("layer2.1.conv2.weight"), e.getMessage());
            assertUnchanged(before, net);
            conv.set(good);
            w4a4().build().apply(net);
            assertEquals(17, ActivationQuantizers.installed(net).size());
        }
    }

    @Test
    void biasCorrectionOnANetworkItCannotCorrectFailsBeforeAnyWeightIsWritten() {
        try (NDManager manager = NDManager.newBaseManager()) {
            ai.djl.nn.SequentialBlock block =
                    new ai.djl.nn.SequentialBlock()
                            .add(
                                    ai.djl.nn.convolutional.Conv2d.builder()
                                            .setKernelShape(new Shape(3, 3))
                                            .setFilters(8)
                                            .build())
                            .add(ai.djl.nn.Blocks.batchFlattenBlock())
                            .add(ai.djl.nn.core.Linear.builder().setUnits(3).build());
            block.initialize(manager, DataType.FLOAT32, new Shape(1, 2, 8, 8));
            List<float[]> before = new ArrayList<>();
            for (var p : block.getParameters()) {
                before.add(p.getValue().getArray().toFloatArray());
            }
            org.powerquant.InvalidInputException e =
                    assertThrows(
                            org.powerquant.InvalidInputException.class,
                            () ->
                                    PowerQuantTransform.builder()
                                            .weightBits(3)
                                            .biasCorrection(true)
                                            .build()
                                            .apply(block));
            assertEquals(org.powerquant.Role.BIAS_CORRECTION, e.role(), e.getMessage());
            assertTrue(e.getMessage().contains("bias correction"), e.getMessage());
            int i = 0;
            for (var p : block.getParameters()) {
                assertArrayEquals(
                        before.get(i++), p.getValue().getArray().toFloatArray(), p.getKey());
            }
        }
    }

    private static TorchvisionResNet network(NDManager manager) {
        TorchvisionResNet net =
                TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
        Random random = new Random(11);
        for (Map.Entry<String, Parameter> p : TorchNames.parameters(net).entrySet()) {
            if (p.getKey().endsWith("running_var")) {
                float[] v = new float[(int) p.getValue().getArray().size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = 0.5f + random.nextFloat();
                }
                p.getValue().getArray().set(v);
            }
        }
        return net;
    }

    private static Map<String, float[]> snapshot(TorchvisionResNet net) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> p : TorchNames.parameters(net).entrySet()) {
            out.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return out;
    }

    private static void assertUnchanged(Map<String, float[]> before, TorchvisionResNet net) {
        assertEquals(before.keySet(), snapshot(net).keySet());
        for (Map.Entry<String, float[]> e : snapshot(net).entrySet()) {
            assertArrayEquals(before.get(e.getKey()), e.getValue(), e.getKey());
        }
        assertTrue(ActivationQuantizers.installed(net).isEmpty());
    }
}
