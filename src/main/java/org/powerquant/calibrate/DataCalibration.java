package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.ActivationRangeSearch;
import org.powerquant.quant.QuantizationMethod;

/**
 * Calibration on real images, on request: the network runs on the first {@code N} images of a data
 * set and every activation quantizer's range and exponent are fitted to the squared error on the
 * values it sees. The result is no longer data-free ({@link #isDataFree()} is false); weights stay
 * data-free. Asking for more images than the data set holds uses all there are and says so ({@link
 * #warnings()}). Mode label {@value #MODE}.
 */
public final class DataCalibration implements ActivationCalibration {

    /** The mode label of this calibration. */
    public static final String MODE = "data";

    private final CalibrationImages images;
    private final int requested;
    private final int used;
    private final int batchSize;
    private final ActivationRangeSearch search;
    private final int maxSamplesPerSite;

    private DataCalibration(Builder builder) {
        images = builder.images;
        requested = builder.count;
        used = Math.min(requested, images.size());
        batchSize = builder.batchSize;
        search = builder.search;
        maxSamplesPerSite = builder.maxSamplesPerSite;
        if (used < 1) {
            throw new InvalidInputException(
                    Role.CALIBRATION_DATA, images.description() + " holds no image");
        }
    }

    /**
     * Creates a builder.
     *
     * @param images the preprocessed calibration images
     * @param count how many of the first images to use (all there are if the data set holds fewer)
     * @return a builder: batches of 32, the default range search
     */
    public static Builder builder(CalibrationImages images, int count) {
        return new Builder(images, count);
    }

    @Override
    public String mode() {
        return MODE;
    }

    @Override
    public boolean isDataFree() {
        return false;
    }

    @Override
    public List<CalibrationWarning> warnings() {
        List<CalibrationWarning> out = new ArrayList<>();
        out.add(warning(CalibrationWarning.Kind.NOT_DATA_FREE));
        shortfall().ifPresent(out::add);
        return out;
    }

    private CalibrationWarning warning(CalibrationWarning.Kind kind) {
        return new CalibrationWarning(kind, images.description(), requested, images.size(), used);
    }

    /**
     * Returns the warning when fewer images were available than asked for, if so.
     *
     * @return the warning when fewer images were available than asked for, if so
     */
    public Optional<CalibrationWarning> shortfall() {
        if (used < requested) {
            return Optional.of(warning(CalibrationWarning.Kind.FEWER_IMAGES));
        }
        return Optional.empty();
    }

    /**
     * Returns how many images were asked for.
     *
     * @return how many images were asked for
     */
    public int requestedImages() {
        return requested;
    }

    /**
     * Returns how many images are used: the request or the data set's size, whichever is smaller.
     *
     * @return how many images are used: the request or the data set's size, whichever is smaller
     */
    public int usedImages() {
        return used;
    }

    @Override
    public Map<String, ActivationGrid> calibrate(
            ConvNetwork network,
            Map<String, FoldedBatchNorm> batchNorms,
            ActivationSites sites,
            QuantizationMethod method) {
        NDManager modelManager = firstArray(network).getManager();
        try (NDManager scope = modelManager.newSubManager()) {
            int[] shape = images.imageShape();
            int perImage = shape[0] * shape[1] * shape[2];
            Iterable<NDArray> batches =
                    () ->
                            new Iterator<>() {
                                private int next;

                                @Override
                                public boolean hasNext() {
                                    return next < used;
                                }

                                @Override
                                public NDArray next() {
                                    int n = Math.min(batchSize, used - next);
                                    float[] data = new float[n * perImage];
                                    for (int i = 0; i < n; i++) {
                                        float[] image = images.image(next + i);
                                        if (image.length != perImage) {
                                            throw new IllegalArgumentException(
                                                    "calibration image "
                                                            + (next + i)
                                                            + " of "
                                                            + images.description()
                                                            + " has "
                                                            + image.length
                                                            + " values, expected "
                                                            + perImage);
                                        }
                                        System.arraycopy(image, 0, data, i * perImage, perImage);
                                    }
                                    next += n;
                                    return NativeArrays.create(
                                            scope,
                                            data,
                                            new Shape(n, shape[0], shape[1], shape[2]));
                                }
                            };
            ActivationSamples samples =
                    ActivationSamples.collect(network, sites, batches, used, maxSamplesPerSite);
            return samples.fit(sites, method, search);
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

    /** Options of a {@link DataCalibration}. */
    public static final class Builder {
        private final CalibrationImages images;
        private final int count;
        private int batchSize = 32;
        private ActivationRangeSearch search = ActivationRangeSearch.builder().build();
        private int maxSamplesPerSite = 1 << 21;

        private Builder(CalibrationImages images, int count) {
            if (images == null) {
                throw new InvalidInputException(Role.CALIBRATION_DATA, "is required");
            }
            if (count < 1) {
                throw new InvalidInputException(
                        Role.CALIBRATION_IMAGES, "must be at least 1, got " + count);
            }
            this.images = images;
            this.count = count;
        }

        /**
         * Sets how many images run through the network at once.
         *
         * @param size at least 1
         * @return this builder
         */
        public Builder batchSize(int size) {
            if (size < 1) {
                throw new IllegalArgumentException(
                        "calibration batch size must be at least 1, got " + size);
            }
            this.batchSize = size;
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
         * @param samples at least 1
         * @return this builder
         */
        public Builder maxSamplesPerSite(int samples) {
            if (samples < 1) {
                throw new IllegalArgumentException(
                        "max samples per site must be at least 1, got " + samples);
            }
            this.maxSamplesPerSite = samples;
            return this;
        }

        /**
         * Builds the calibration.
         *
         * @return the calibration
         * @throws IllegalArgumentException if the data set holds no image
         */
        public DataCalibration build() {
            return new DataCalibration(this);
        }
    }
}
