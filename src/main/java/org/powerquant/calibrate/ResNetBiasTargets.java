package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.powerquant.nn.ConvBatchNormPair;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.Relu;
import org.powerquant.nn.ResidualUnit;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.NormalMixture;

/**
 * The {@link CorrectableLayer}s of a {@link TorchvisionResNet}, by weight parameter: every
 * convolution followed by a batch norm (its output is shifted through the batch norm's running
 * mean, which works folded or not) and the final dense layer (through its bias), each with the
 * expected value of its input from the {@link BatchNormModel}: a ReLU output is the rectified
 * normal {@code max(0, N(β, γ²))} its batch norm implies, the classifier input the mean of the last
 * ReLU output. The stem convolution reads the normalised image, of expected value zero, and needs
 * no correction. This is the only place bias correction knows the network's structure.
 */
public final class ResNetBiasTargets {

    private ResNetBiasTargets() {}

    /**
     * Finds the correctable layers.
     *
     * @param network the network, folded or not
     * @param batchNorms the batch norms' statistics by batch-norm name ({@link
     *     org.powerquant.nn.BatchNormFolding}'s result), or null to read them from the (unfolded)
     *     batch norms' {@code γ} and {@code β}
     * @return the layers by weight parameter, in forward order
     */
    public static Map<Parameter, CorrectableLayer> of(
            TorchvisionResNet network, Map<String, FoldedBatchNorm> batchNorms) {
        Map<String, FoldedBatchNorm> stats = batchNorms != null ? batchNorms : statistics(network);
        Map<String, NormalMixture> model = new BatchNormModel().model(network, stats);
        Map<String, BatchNorm> following = new LinkedHashMap<>();
        for (ConvBatchNormPair pair : ConvBatchNormPair.findAll(network)) {
            following.put(pair.convName(), pair.batchNorm());
        }
        Map<Parameter, CorrectableLayer> out = new LinkedHashMap<>();
        String lastRelu = null;
        String unitInput = null;
        for (Map.Entry<String, Block> e : TorchNames.blocks(network).entrySet()) {
            String name = e.getKey();
            Block block = e.getValue();
            if (block instanceof ResidualUnit) {
                unitInput = lastRelu;
            } else if (block instanceof Relu) {
                lastRelu = name;
            } else if (block instanceof Conv2d conv && following.containsKey(name)) {
                String input = name.contains(".downsample.") ? unitInput : lastRelu;
                if (input != null) {
                    BatchNorm bn = following.get(name);
                    out.put(
                            conv.getParameters().get("weight"),
                            new CorrectableLayer(
                                    name,
                                    rectifiedMeans(model.get(input)),
                                    shift -> add(bn.getParameters().get("runningMean"), shift)));
                }
            } else if (block instanceof Linear linear && lastRelu != null) {
                Parameter bias = linear.getParameters().get("bias");
                if (bias != null) {
                    out.put(
                            linear.getParameters().get("weight"),
                            new CorrectableLayer(
                                    name,
                                    rectifiedMeans(model.get(lastRelu)),
                                    shift -> add(bias, negated(shift))));
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The statistics of an unfolded network's batch norms, as folding would report them: {@code β}
     * and {@code |γ|} per channel.
     *
     * @param network the network, not folded
     * @return the statistics by batch-norm name
     */
    static Map<String, FoldedBatchNorm> statistics(TorchvisionResNet network) {
        Map<String, FoldedBatchNorm> out = new LinkedHashMap<>();
        for (ConvBatchNormPair pair : ConvBatchNormPair.findAll(network)) {
            float[] gamma = pair.batchNorm().getParameters().get("gamma").getArray().toFloatArray();
            float[] beta = pair.batchNorm().getParameters().get("beta").getArray().toFloatArray();
            float[] std = new float[gamma.length];
            for (int c = 0; c < std.length; c++) {
                std[c] = Math.abs(gamma[c]);
            }
            out.put(
                    pair.batchNormName(),
                    new FoldedBatchNorm(pair.convName(), pair.batchNormName(), 0f, beta, std));
        }
        return out;
    }

    private static double[] rectifiedMeans(NormalMixture mixture) {
        double[] mu = mixture.means();
        double[] sigma = mixture.stds();
        double[] out = new double[mu.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = RectifiedNormal.moments(mu[c], sigma[c])[0];
        }
        return out;
    }

    private static double[] negated(double[] shift) {
        double[] out = new double[shift.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = -shift[c];
        }
        return out;
    }

    /** Adds a per-channel vector to a parameter's array in place. */
    private static void add(Parameter parameter, double[] delta) {
        NDArray array = parameter.getArray();
        float[] values = array.toFloatArray();
        for (int c = 0; c < values.length; c++) {
            values[c] = (float) (values[c] + delta[c]);
        }
        boolean gradient = array.hasGradient();
        if (gradient) {
            array.setRequiresGradient(false);
        }
        array.set(values);
        if (gradient) {
            array.setRequiresGradient(true);
        }
    }
}
