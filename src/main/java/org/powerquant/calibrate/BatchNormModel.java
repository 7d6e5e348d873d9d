package org.powerquant.calibrate;

import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.Relu;
import org.powerquant.nn.ResidualUnit;
import org.powerquant.nn.TorchNames;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.ActivationGridSearch;
import org.powerquant.quant.NormalMixture;
import org.powerquant.quant.QuantizationMethod;

/**
 * Data-free activation calibration from the batch norms alone.
 *
 * <p>Each channel of a folded convolution's output is modelled as {@code N(β_c, γ_c²)}, the
 * distribution its batch norm normalised it to in training. Through the network:
 *
 * <ul>
 *   <li>a ReLU output is the rectified normal {@code max(0, N(μ, σ²))} of its input, whose mean and
 *       variance (closed form) describe it where it feeds on;
 *   <li>a residual sum adds the means and the variances of its branches (taken as independent): the
 *       main path's last batch norm, and either the shortcut's batch norm ({@code downsample}) or
 *       the unit's input, i.e. the previous ReLU output as a rectified normal; the sum is then
 *       modelled as a normal with those moments;
 *   <li>max pooling after the stem is ignored (the stem ReLU's moments are used for the first
 *       unit's input);
 *   <li>the pooled features feeding {@code fc} follow a {@link PooledFeatureModel};
 *   <li>the image input, when quantized, is modelled as {@code N(0, 1)} per channel (a normalised
 *       image) and gets a uniform grid symmetric about zero.
 * </ul>
 *
 * <p>Each quantized tensor is the equal-weight mixture of its channels' distributions; its grid is
 * the one with the least expected squared error ({@link ActivationGridSearch}). Sites are searched
 * in parallel; results are deterministic.
 */
public final class BatchNormModel implements ActivationCalibration {

    /** The mode label of this calibration in reports. */
    public static final String MODE = "bn-model";

    private final ActivationGridSearch search;
    private final PooledFeatureModel pooledFeatures;

    /**
     * Creates the calibration.
     *
     * @param search the grid search
     * @param pooledFeatures how the classifier input is modelled
     */
    public BatchNormModel(ActivationGridSearch search, PooledFeatureModel pooledFeatures) {
        this.search = Objects.requireNonNull(search, "search");
        this.pooledFeatures = Objects.requireNonNull(pooledFeatures, "pooledFeatures");
    }

    /** Creates the calibration with the default grid search and rectified pooled features. */
    public BatchNormModel() {
        this(ActivationGridSearch.defaults(), PooledFeatureModel.RECTIFIED);
    }

    /** {@inheritDoc} */
    @Override
    public String mode() {
        return MODE;
    }

    /** {@inheritDoc} */
    @Override
    public Map<String, ActivationGrid> calibrate(
            ConvNetwork network,
            Map<String, FoldedBatchNorm> batchNorms,
            ActivationSites sites,
            QuantizationMethod method) {
        Map<String, NormalMixture> models = model(network, batchNorms);
        Map<String, ActivationGrid> grids = new ConcurrentHashMap<>();
        sites.list().parallelStream()
                .forEach(
                        site -> {
                            NormalMixture mixture = models.get(site.name());
                            if (mixture == null) {
                                throw new IllegalArgumentException(
                                        "activation site "
                                                + site.name()
                                                + " is not a tensor of "
                                                + network);
                            }
                            ActivationGrid grid =
                                    site.kind() == ActivationSite.Kind.IMAGE_INPUT
                                            ? search.searchSymmetric(
                                                    mixture, site.bits(), site.rounding())
                                            : search.search(
                                                    mixture,
                                                    site.bits(),
                                                    method,
                                                    site.upperBound(),
                                                    site.rounding());
                            grids.put(site.name(), grid);
                        });
        Map<String, ActivationGrid> ordered = new LinkedHashMap<>();
        for (ActivationSite site : sites) {
            ordered.put(site.name(), grids.get(site.name()));
        }
        return Collections.unmodifiableMap(ordered);
    }

    /**
     * Models every ReLU output, the classifier input ({@value ActivationSites#CLASSIFIER_INPUT})
     * and the image input ({@value ActivationSites#IMAGE_INPUT}) of a folded network.
     *
     * @param network the folded network
     * @param batchNorms the folded batch norms' statistics by batch-norm name
     * @return a mixture per tensor name
     * @throws IllegalArgumentException if a batch norm of the network has no statistics
     */
    public Map<String, NormalMixture> model(
            ConvNetwork network, Map<String, FoldedBatchNorm> batchNorms) {
        Map<String, NormalMixture> out = new LinkedHashMap<>();
        int inputChannels = network.getInputChannels();
        double[] zeros = new double[inputChannels];
        double[] ones = new double[inputChannels];
        java.util.Arrays.fill(ones, 1.0);
        out.put(ActivationSites.IMAGE_INPUT, NormalMixture.normal(zeros, ones));

        Moments current = null; // the latest batch-norm (or residual-sum) output, normal
        Moments rectified = null; // the latest ReLU output
        Moments unitInput = null;
        Moments shortcut = null;
        ResidualUnit unit = null;
        java.util.Set<Block> shortcutBlocks = java.util.Set.of();
        Moments lastPreActivation = null;
        for (Map.Entry<String, Block> e : TorchNames.blocks(network).entrySet()) {
            String name = e.getKey();
            Block block = e.getValue();
            if (block instanceof ResidualUnit u) {
                unit = u;
                unitInput = rectified;
                shortcut = null;
                shortcutBlocks =
                        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                if (u.getDownsample() != null) {
                    shortcutBlocks.add(u.getDownsample());
                    shortcutBlocks.addAll(TorchNames.blocks(u.getDownsample()).values());
                }
            } else if (block instanceof BatchNorm) {
                FoldedBatchNorm stats = batchNorms.get(name);
                if (stats == null) {
                    throw new IllegalArgumentException(
                            "batch norm "
                                    + name
                                    + " has no folded statistics: fold the network first");
                }
                Moments m = Moments.of(stats);
                if (shortcutBlocks.contains(block)) {
                    shortcut = m;
                } else {
                    current = m;
                }
            } else if (block instanceof Relu) {
                if (current == null) {
                    throw new IllegalArgumentException(
                            "ReLU " + name + " has no batch norm before it");
                }
                Moments input = current;
                if (unit != null && unit.getOutputRelu() == block) {
                    Moments identity = shortcut != null ? shortcut : unitInput;
                    input = current.plus(identity);
                }
                out.put(name, NormalMixture.rectified(input.mean, input.std()));
                lastPreActivation = input;
                rectified = input.rectified();
                current = null;
            }
        }
        if (lastPreActivation == null) {
            throw new IllegalArgumentException(network + " has no ReLU");
        }
        out.put(
                ActivationSites.CLASSIFIER_INPUT,
                switch (pooledFeatures) {
                    case RECTIFIED ->
                            NormalMixture.rectified(
                                    lastPreActivation.mean, lastPreActivation.std());
                    case MEAN -> {
                        Moments r = lastPreActivation.rectified();
                        yield NormalMixture.normal(r.mean, new double[r.mean.length]);
                    }
                });
        return out;
    }

    /** Per-channel means and variances. */
    private record Moments(double[] mean, double[] variance) {

        static Moments of(FoldedBatchNorm bn) {
            double[] m = new double[bn.channels()];
            double[] v = new double[bn.channels()];
            for (int c = 0; c < m.length; c++) {
                m[c] = bn.mean()[c];
                v[c] = (double) bn.std()[c] * bn.std()[c];
            }
            return new Moments(m, v);
        }

        double[] std() {
            double[] s = new double[variance.length];
            for (int c = 0; c < s.length; c++) {
                s[c] = Math.sqrt(variance[c]);
            }
            return s;
        }

        Moments plus(Moments other) {
            if (other == null || other.mean.length != mean.length) {
                throw new IllegalArgumentException(
                        "residual branches have "
                                + mean.length
                                + " and "
                                + (other == null ? "no" : Integer.toString(other.mean.length))
                                + " channels");
            }
            double[] m = new double[mean.length];
            double[] v = new double[mean.length];
            for (int c = 0; c < m.length; c++) {
                m[c] = mean[c] + other.mean[c];
                v[c] = variance[c] + other.variance[c];
            }
            return new Moments(m, v);
        }

        /** The moments of {@code max(0, z)}, {@code z ~ N(mean, variance)}. */
        Moments rectified() {
            double[] m = new double[mean.length];
            double[] v = new double[mean.length];
            for (int c = 0; c < m.length; c++) {
                double[] r = RectifiedNormal.moments(mean[c], Math.sqrt(variance[c]));
                m[c] = r[0];
                v[c] = r[1];
            }
            return new Moments(m, v);
        }
    }
}
