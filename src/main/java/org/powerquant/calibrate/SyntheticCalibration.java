package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.ActivationRangeSearch;
import org.powerquant.quant.QuantizationMethod;

/**
 * Data-free calibration on distilled data: a small batch is generated from the network alone
 * ({@link DistilledData}, matching the statistics the batch norms recorded in training), the
 * network runs on it, and every activation quantizer's range and exponent are fitted to the squared
 * error on the values it sees ({@link ActivationSamples}).
 *
 * <p>The batch is distilled on the network given to {@link #calibrate}, i.e. folded and with its
 * weights already quantized, so the activations the grids are fitted to are those of the network
 * that will run. Mode label {@value #MODE}.
 */
public final class SyntheticCalibration implements ActivationCalibration {

    /** The mode label of this calibration. */
    public static final String MODE = "synthetic";

    private final DistilledData distiller;
    private final int height;
    private final int width;
    private final ActivationRangeSearch search;
    private final int maxSamplesPerSite;

    private SyntheticCalibration(Builder builder) {
        distiller = builder.distiller;
        height = builder.height;
        width = builder.width;
        search = builder.search;
        maxSamplesPerSite = builder.maxSamplesPerSite;
    }

    /**
     * Returns a builder: {@link DistilledData}'s defaults, the default range search; the image size
     * must be set.
     *
     * @return a builder: {@link DistilledData}'s defaults, the default range search; the image size
     *     must be set
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the generator of the synthetic batch.
     *
     * @return the generator of the synthetic batch
     */
    public DistilledData distiller() {
        return distiller;
    }

    @Override
    public String mode() {
        return MODE;
    }

    @Override
    public Map<String, ActivationGrid> calibrate(
            ConvNetwork network,
            Map<String, FoldedBatchNorm> batchNorms,
            ActivationSites sites,
            QuantizationMethod method) {
        return calibrateDetailed(network, batchNorms, sites, method).grids();
    }

    /**
     * Calibrates and says how well the synthetic batch matched the batch-norm statistics.
     *
     * @param network the folded, weight-quantized network
     * @param batchNorms the statistics of the folded batch norms, by batch-norm name
     * @param sites the sites to calibrate
     * @param method power or uniform
     * @return the grids and the distilled batch's figures
     */
    public Outcome calibrateDetailed(
            ConvNetwork network,
            Map<String, FoldedBatchNorm> batchNorms,
            ActivationSites sites,
            QuantizationMethod method) {
        DistilledData.Batch batch = distiller.generate(network, batchNorms, height, width);
        return new Outcome(fit(network, sites, method, batch), batch);
    }

    /**
     * Fits grids on an already generated batch (for example one batch shared by several methods).
     *
     * @param network the network
     * @param sites the sites
     * @param method power or uniform
     * @param batch a distilled batch
     * @return a grid per site, by name
     */
    public Map<String, ActivationGrid> fit(
            ConvNetwork network,
            ActivationSites sites,
            QuantizationMethod method,
            DistilledData.Batch batch) {
        NDManager modelManager = firstArray(network).getManager();
        try (NDManager scope = modelManager.newSubManager()) {
            NDArray images = NativeArrays.create(scope, batch.images(), batch.shape());
            List<NDArray> batches = new ArrayList<>(List.of(images));
            ActivationSamples samples =
                    ActivationSamples.collect(
                            network, sites, batches, batch.shape().get(0), maxSamplesPerSite);
            return new LinkedHashMap<>(samples.fit(sites, method, search));
        }
    }

    private static NDArray firstArray(ConvNetwork network) {
        for (Parameter p : network.getParameters().values()) {
            if (p.isInitialized()) {
                return p.getArray();
            }
        }
        throw new IllegalArgumentException(network + " is not initialised");
    }

    /**
     * What a synthetic calibration produced.
     *
     * @param grids a grid per site, by name
     * @param batch the distilled batch, with its initial and final mismatch and the time it took
     */
    public record Outcome(Map<String, ActivationGrid> grids, DistilledData.Batch batch) {}

    /** Options of a {@link SyntheticCalibration}. */
    public static final class Builder {
        private DistilledData distiller = DistilledData.builder().build();
        private int height;
        private int width;
        private ActivationRangeSearch search = ActivationRangeSearch.builder().build();
        private int maxSamplesPerSite = 1 << 21;

        private Builder() {}

        /**
         * Sets how the synthetic batch is generated (size, iterations, learning rate, seed).
         *
         * @param generator the generator
         * @return this builder
         */
        public Builder distiller(DistilledData generator) {
            this.distiller = generator;
            return this;
        }

        /**
         * Sets the size of the generated images: the input size the network expects.
         *
         * @param imageHeight the height, at least 1
         * @param imageWidth the width, at least 1
         * @return this builder
         */
        public Builder imageSize(int imageHeight, int imageWidth) {
            if (imageHeight < 1 || imageWidth < 1) {
                throw new IllegalArgumentException(
                        "image size must be positive, got " + imageHeight + "x" + imageWidth);
            }
            this.height = imageHeight;
            this.width = imageWidth;
            return this;
        }

        /**
         * Sets the search of each site's range and exponent.
         *
         * @param rangeSearch the search
         * @return this builder
         */
        public Builder rangeSearch(ActivationRangeSearch rangeSearch) {
            this.search = rangeSearch;
            return this;
        }

        /**
         * Sets the most values kept per site (larger tensors are subsampled with a fixed stride).
         *
         * @param count at least 1
         * @return this builder
         */
        public Builder maxSamplesPerSite(int count) {
            if (count < 1) {
                throw new IllegalArgumentException(
                        "max samples per site must be at least 1, got " + count);
            }
            this.maxSamplesPerSite = count;
            return this;
        }

        /**
         * Builds the calibration.
         *
         * @return the calibration
         * @throws org.powerquant.InvalidInputException for the input size if no {@link #imageSize}
         *     was set (there is no default: the images must match the network's input)
         */
        public SyntheticCalibration build() {
            if (height == 0) {
                throw new org.powerquant.InvalidInputException(
                        org.powerquant.Role.INPUT_SIZE,
                        "is unknown: synthetic calibration distils images of the network's input"
                                + " size");
            }
            return new SyntheticCalibration(this);
        }
    }
}
