package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Folds every batch norm of a DJL-native graph into the convolution that feeds it, in place, so
 * that weight quantization sees the weights the network really applies.
 *
 * <p>For each {@link ConvBatchNormPair} with batch-norm parameters {@code γ, β}, running mean
 * {@code μ}, running variance {@code σ²} and epsilon {@code ε} (the batch norm's own), per output
 * channel {@code c} with {@code s_c = γ_c / sqrt(σ²_c + ε)}:
 *
 * <ul>
 *   <li>the convolution weight becomes {@code w'_c = w_c · s_c};
 *   <li>the batch norm becomes a pure per-channel bias {@code b'_c = β_c − (μ_c − b_c) · s_c}, with
 *       {@code b} the convolution's own bias if it has one (then set to zero; the convolutions of
 *       this package have none), so the bias lives in the batch norm, whose parameters are set to
 *       {@code γ = 1, μ = 0, σ² = 1 − ε}, so that it computes {@code x + b'} up to one rounding of
 *       {@code sqrt((1 − ε) + ε)} to one).
 * </ul>
 *
 * <p>The folded network computes the same function as the unfolded one to float precision, keeps
 * its block types (so it saves and loads with {@code Model.save}/{@code Model.load} as a plain
 * {@link TorchvisionResNet}) and its parameter names. What the batch norms said about their outputs
 * is returned as {@link FoldedBatchNorm} records for data-free calibration.
 *
 * <p>Folding is done once: a batch norm that is already folded ({@code γ = 1, μ = 0, σ² = 1 − ε} in
 * every channel) has lost its statistics, and folding it again is an error.
 */
public final class BatchNormFolding {

    private BatchNormFolding() {}

    /**
     * Folds every conv/batch-norm pair below {@code root}, in place.
     *
     * @param root the network (initialised or loaded)
     * @return the statistics of the folded batch norms, in forward order
     * @throws IllegalArgumentException naming the layer if a parameter is missing or its shape does
     *     not match
     */
    public static List<FoldedBatchNorm> fold(Block root) {
        List<ConvBatchNormPair> pairs = ConvBatchNormPair.findAll(root);
        checkFoldable(pairs);
        List<FoldedBatchNorm> folded = new ArrayList<>();
        for (ConvBatchNormPair pair : pairs) {
            folded.add(fold(pair));
        }
        return Collections.unmodifiableList(folded);
    }

    /**
     * Checks, without changing anything, that every conv/batch-norm pair below {@code root} can be
     * folded: parameters present, channel counts equal, not already folded.
     *
     * @param root the network
     * @throws IllegalArgumentException naming the first layer that cannot be folded
     */
    public static void checkFoldable(Block root) {
        checkFoldable(ConvBatchNormPair.findAll(root));
    }

    private static void checkFoldable(List<ConvBatchNormPair> pairs) {
        for (ConvBatchNormPair pair : pairs) {
            statistics(pair);
        }
    }

    /**
     * Folds one pair, in place.
     *
     * @param pair the convolution and the batch norm that consumes its output
     * @return the statistics of the batch norm
     * @throws IllegalArgumentException naming the layer if a parameter is missing, its shape does
     *     not match, or the batch norm is already folded
     */
    public static FoldedBatchNorm fold(ConvBatchNormPair pair) {
        FoldedBatchNorm statistics = statistics(pair);
        BatchNorm bn = pair.batchNorm();
        float epsilon = epsilonOf(bn);
        NDArray weight = array(pair.conv(), "weight", pair.convName());
        NDArray gamma = array(bn, "gamma", pair.batchNormName());
        NDArray beta = array(bn, "beta", pair.batchNormName());
        NDArray mean = array(bn, "runningMean", pair.batchNormName());
        NDArray variance = array(bn, "runningVar", pair.batchNormName());
        long channels = weight.getShape().get(0);
        float[] gammaValues = gamma.toFloatArray();
        float[] betaValues = beta.toFloatArray();
        // Float32 arithmetic in Java, as the engine's would be (IEEE, one rounding per operation):
        // no intermediate native arrays, so nothing is left in the model's manager.
        float[] means = mean.toFloatArray();
        float[] variances = variance.toFloatArray();
        float[] scale = new float[(int) channels];
        float[] bias = new float[(int) channels];
        // a convolution bias b (DJL's zoo convolutions have one) moves into the batch norm:
        // BN(Wx + b) = s·Wx + β − (μ − b)·s
        Parameter convBias = pair.conv().getDirectParameters().get("bias");
        boolean hasBias = convBias != null && convBias.isInitialized();
        float[] convBiases = hasBias ? convBias.getArray().toFloatArray() : null;
        for (int c = 0; c < scale.length; c++) {
            scale[c] = gammaValues[c] / (float) Math.sqrt(variances[c] + epsilon);
            float centre = hasBias ? means[c] - convBiases[c] : means[c];
            bias[c] = betaValues[c] - centre * scale[c];
        }
        float[] weights = weight.toFloatArray();
        int perChannel = weights.length / scale.length;
        for (int i = 0; i < weights.length; i++) {
            weights[i] *= scale[i / perChannel];
        }
        write(weight, weights);
        if (hasBias) {
            write(convBias.getArray(), filled(channels, 0f));
        }
        write(beta, bias);
        write(gamma, filled(channels, 1f));
        write(mean, filled(channels, 0f));
        write(variance, filled(channels, 1f - epsilon));
        return statistics;
    }

    /** Validates a pair and returns the statistics its folding removes; changes nothing. */
    private static FoldedBatchNorm statistics(ConvBatchNormPair pair) {
        BatchNorm bn = pair.batchNorm();
        Conv2d conv = pair.conv();
        float epsilon = epsilonOf(bn);
        NDArray weight = array(conv, "weight", pair.convName());
        NDArray gamma = array(bn, "gamma", pair.batchNormName());
        NDArray beta = array(bn, "beta", pair.batchNormName());
        NDArray mean = array(bn, "runningMean", pair.batchNormName());
        NDArray variance = array(bn, "runningVar", pair.batchNormName());
        long channels = weight.getShape().get(0);
        if (gamma.size() != channels
                || beta.size() != channels
                || mean.size() != channels
                || variance.size() != channels) {
            throw new IllegalArgumentException(
                    "batch norm "
                            + pair.batchNormName()
                            + " has "
                            + gamma.size()
                            + " channels but convolution "
                            + pair.convName()
                            + " has "
                            + channels);
        }
        float[] gammaValues = gamma.toFloatArray();
        float[] betaValues = beta.toFloatArray();
        if (isFolded(gammaValues, mean.toFloatArray(), variance.toFloatArray(), epsilon)) {
            throw new IllegalArgumentException(
                    "batch norm "
                            + pair.batchNormName()
                            + " is already folded into "
                            + pair.convName()
                            + ": fold (and activation-quantize) a fresh copy of the model");
        }
        float[] std = new float[gammaValues.length];
        for (int c = 0; c < std.length; c++) {
            std[c] = Math.abs(gammaValues[c]);
        }
        FoldedBatchNorm statistics =
                new FoldedBatchNorm(
                        pair.convName(), pair.batchNormName(), epsilon, betaValues, std);
        return statistics;
    }

    /**
     * Returns a batch norm's epsilon (DJL keeps it private; it is read reflectively).
     *
     * @param batchNorm the batch norm
     * @return its epsilon
     * @throws IllegalStateException if this DJL version stores it elsewhere
     */
    static float epsilonOf(BatchNorm batchNorm) {
        try {
            Field field = BatchNorm.class.getDeclaredField("epsilon");
            field.setAccessible(true);
            return field.getFloat(batchNorm);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                    "cannot read the epsilon of a DJL BatchNorm in this DJL version", e);
        }
    }

    private static boolean isFolded(float[] gamma, float[] mean, float[] variance, float epsilon) {
        for (int c = 0; c < gamma.length; c++) {
            if (gamma[c] != 1f || mean[c] != 0f || variance[c] != 1f - epsilon) {
                return false;
            }
        }
        return true;
    }

    private static NDArray array(Block block, String name, String layer) {
        Parameter p = block.getDirectParameters().get(name);
        if (p == null || !p.isInitialized()) {
            throw new IllegalArgumentException(
                    "layer " + layer + ": parameter " + name + " is missing or not initialised");
        }
        return p.getArray();
    }

    private static void write(NDArray array, float[] values) {
        boolean recordsGradient = array.hasGradient();
        if (recordsGradient) {
            array.setRequiresGradient(false);
        }
        array.set(values);
        if (recordsGradient) {
            array.setRequiresGradient(true);
        }
    }

    private static float[] filled(long n, float value) {
        float[] out = new float[(int) n];
        java.util.Arrays.fill(out, value);
        return out;
    }
}
