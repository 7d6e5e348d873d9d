package org.powerquant.calibrate;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.powerquant.nn.BatchNormFolding;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

/**
 * Small ResNets with batch norms that look trained (non-trivial γ, β, running statistics), for fast
 * tests.
 */
final class SmallNetworks {

    static final int IMAGE = 16;

    private SmallNetworks() {}

    /**
     * A two-stage basic-block ResNet, small-input stem, initialised, with random batch-norm
     * parameters.
     */
    static TorchvisionResNet basic(NDManager manager, long seed) {
        TorchvisionResNet net =
                TorchvisionResNet.builder()
                        .setKind(ResidualKind.BASIC)
                        .setLayers(1, 1)
                        .optBaseWidth(8)
                        .optNumClasses(5)
                        .optSmallInput(true)
                        .build();
        net.initialize(manager, DataType.FLOAT32, new Shape(2, 3, IMAGE, IMAGE));
        Random random = new Random(seed);
        for (Map.Entry<String, Parameter> e : net.getTorchParameters().entrySet()) {
            String name = e.getKey();
            boolean batchNorm =
                    name.startsWith("bn") || name.contains(".bn") || name.contains("downsample.1.");
            if (!batchNorm) {
                continue;
            }
            float[] v = new float[(int) e.getValue().getArray().size()];
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith("running_var")) {
                    v[i] = (float) (0.2 + random.nextDouble());
                } else if (name.endsWith("weight")) {
                    v[i] = (float) (0.5 + random.nextDouble());
                } else {
                    v[i] = (float) (0.3 * random.nextGaussian());
                }
            }
            e.getValue().getArray().set(v);
        }
        return net;
    }

    /** Folds a network and returns its batch-norm statistics by batch-norm name. */
    static Map<String, FoldedBatchNorm> fold(TorchvisionResNet net) {
        Map<String, FoldedBatchNorm> out = new LinkedHashMap<>();
        for (FoldedBatchNorm f : BatchNormFolding.fold(net)) {
            out.put(f.batchNormName(), f);
        }
        return out;
    }
}
