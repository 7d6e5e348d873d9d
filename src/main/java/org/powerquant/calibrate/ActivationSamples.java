package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.ActivationRangeSearch;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.SortedActivations;

/**
 * The values every activation site takes while a network runs on calibration images, and the grids
 * fitted to them.
 *
 * <p>Observers are installed on the sites for the duration of {@link #collect} and cleared
 * afterwards (also on failure). When a site produces more values than {@code maxSamplesPerSite}
 * over all the images, every {@code k}-th value of each batch is kept, with {@code k} fixed from
 * the first batch, so the samples are the same for the same images every time. Grids minimise the
 * squared error on the samples ({@link ActivationRangeSearch}); the image-input site, which is
 * signed, is shifted by its smallest value first.
 */
public final class ActivationSamples {

    private final Map<String, float[]> samples;

    private ActivationSamples(Map<String, float[]> samples) {
        this.samples = samples;
    }

    /**
     * Runs the network on images, batch by batch, and records every site's values.
     *
     * @param network the network, in inference mode
     * @param sites the sites to observe
     * @param batches the input batches, each (N, C, H, W), in order; the caller owns them
     * @param totalImages how many images the batches hold together (to fix the subsampling stride)
     * @param maxSamplesPerSite the most values kept per site
     * @return the samples, by site name
     */
    public static ActivationSamples collect(
            ConvNetwork network,
            ActivationSites sites,
            Iterable<NDArray> batches,
            long totalImages,
            int maxSamplesPerSite) {
        NativeArrays.ownParameters(network);
        Map<String, Collector> collectors = new LinkedHashMap<>();
        for (ActivationSite site : sites) {
            Collector collector = new Collector(totalImages, maxSamplesPerSite);
            collectors.put(site.name(), collector);
            site.install(
                    array -> {
                        collector.add(array);
                        return array;
                    });
        }
        try {
            for (NDArray batch : batches) {
                try (NDManager scope = batch.getManager().newSubManager()) {
                    scope.tempAttachAll(batch);
                    ParameterStore store = new ParameterStore(scope, false);
                    network.forward(store, new NDList(batch), false);
                }
            }
        } finally {
            sites.clearAll();
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        collectors.forEach((name, c) -> out.put(name, c.values()));
        return new ActivationSamples(out);
    }

    /**
     * The recorded values of a site.
     *
     * @param site the site's name
     * @return the values (a copy)
     */
    public float[] of(String site) {
        float[] values = samples.get(site);
        if (values == null) {
            throw new IllegalArgumentException("no samples of activation site " + site);
        }
        return values.clone();
    }

    /**
     * Fits one grid per site to its samples.
     *
     * @param sites the sites (their bit widths and kinds)
     * @param method power (exponent searched) or uniform
     * @param search the range and exponent search
     * @return the grids by site name, in site order
     */
    public Map<String, ActivationGrid> fit(
            ActivationSites sites, QuantizationMethod method, ActivationRangeSearch search) {
        Map<String, ActivationGrid> grids = new LinkedHashMap<>();
        for (ActivationSite site : sites) {
            float[] values = samples.get(site.name());
            if (values == null) {
                throw new IllegalArgumentException("no samples of activation site " + site.name());
            }
            float lower = 0f;
            if (!site.isNonNegative()) {
                lower = Float.POSITIVE_INFINITY;
                for (float v : values) {
                    lower = Math.min(lower, v);
                }
                float[] shifted = new float[values.length];
                for (int i = 0; i < values.length; i++) {
                    shifted[i] = Math.max(0f, values[i] - lower);
                }
                values = shifted;
            }
            SortedActivations sorted;
            try {
                sorted = SortedActivations.of(values);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "activation site " + site.name() + ": " + e.getMessage(), e);
            }
            ActivationRangeSearch.Fit fit =
                    search.fit(sorted, site.bits(), method, site.rounding());
            double count = Math.max(1, fit.samples());
            // A site that is zero on every calibration image keeps a tiny range: the grid must be
            // valid.
            double range = fit.clip() > 0 ? fit.clip() : Float.MIN_NORMAL;
            grids.put(
                    site.name(),
                    new ActivationGrid(
                            site.bits(),
                            fit.exponent(),
                            lower,
                            range,
                            fit.error() / count,
                            fit.uniformError() / count,
                            fit.rounding()));
        }
        return grids;
    }

    /** Accumulates one site's values with a stride fixed at the first batch. */
    private static final class Collector {
        private final long totalImages;
        private final int maxSamples;
        private int stride;
        private float[] values = new float[0];
        private int size;

        Collector(long totalImages, int maxSamples) {
            this.totalImages = Math.max(1, totalImages);
            this.maxSamples = maxSamples;
        }

        void add(NDArray array) {
            Shape shape = array.getShape();
            float[] batch = array.toFloatArray();
            if (stride == 0) {
                long perImage = Math.max(1, shape.size() / Math.max(1, shape.get(0)));
                long expected = perImage * totalImages;
                stride = (int) Math.max(1, (expected + maxSamples - 1) / maxSamples);
            }
            int kept = (batch.length + stride - 1) / stride;
            if (size + kept > values.length) {
                values = Arrays.copyOf(values, Math.max(size + kept, values.length * 2));
            }
            for (int i = 0; i < batch.length; i += stride) {
                values[size++] = batch[i];
            }
        }

        float[] values() {
            return Arrays.copyOf(values, size);
        }
    }
}
