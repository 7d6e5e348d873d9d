package org.powerquant.calibrate;

/**
 * How {@link BatchNormModel} models the pooled features that feed the final dense layer (the
 * spatial average of the last ReLU output), per channel.
 */
public enum PooledFeatureModel {
    /**
     * As the last ReLU output itself: the rectified normal of the last residual sum. Spatial
     * averaging only narrows a distribution, so this range covers the pooled features with margin.
     */
    RECTIFIED,
    /**
     * As a constant per channel, the rectified normal's mean (averaging over many positions of
     * independent elements removes the spread).
     */
    MEAN
}
