package org.powerquant.quant;

/**
 * How much a layer is hurt by quantizing it at a width, measured without data from its weights
 * alone: what {@link BitAllocator} minimises when it chooses the widths of a mixed-precision
 * network.
 */
public enum Sensitivity {
    /**
     * The layer's squared weight error {@code sum (w - w_q)^2}, in weight units: large layers and
     * layers with large weights count most.
     */
    SQUARED_ERROR,
    /**
     * The squared weight error relative to the layer's squared norm, {@code sum (w - w_q)^2 / sum
     * w^2}: the layer's noise-to-signal ratio, what its output suffers for inputs of equal power in
     * every direction. Invariant to the layer's scale, which a following batch norm undoes.
     */
    RELATIVE_ERROR;

    /**
     * The sensitivity of a layer from its squared weight error.
     *
     * @param squaredError {@code sum (w - w_q)^2}
     * @param squaredNorm {@code sum w^2}
     * @return the sensitivity
     */
    public double of(double squaredError, double squaredNorm) {
        return switch (this) {
            case SQUARED_ERROR -> squaredError;
            case RELATIVE_ERROR -> squaredNorm > 0 ? squaredError / squaredNorm : 0;
        };
    }
}
