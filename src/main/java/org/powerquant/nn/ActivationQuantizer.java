package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.powerquant.quant.ActivationGrid;

/**
 * A per-tensor activation fake-quantizer: maps every element of a tensor to the level of its
 * {@link ActivationGrid}, with vectorised NDArray operations on the engine.
 *
 * <p>With {@code N = 2^bits − 1}, lower bound {@code l}, range {@code c} and exponent {@code a}:
 * {@code x = clip(y − l, 0, c)}, {@code k = floor(N (x/c)^a + 1/2)} (half up, as {@link
 * org.powerquant.quant.PowerQuantizer#code(double)}), output {@code l + c (k/N)^(1/a)}. The
 * arithmetic is done in float64 so that codes agree with the pure-Java quantizer; the output has
 * the input's data type. Install it with {@link Relu#setOutputTransform} or the transform hooks of
 * {@link TorchvisionResNet}.
 */
public final class ActivationQuantizer implements UnaryOperator<NDArray> {

    private final ActivationGrid grid;

    /**
     * Creates a quantizer for a grid.
     *
     * @param grid the grid
     */
    public ActivationQuantizer(ActivationGrid grid) {
        this.grid = Objects.requireNonNull(grid, "grid");
    }

    /** @return the grid */
    public ActivationGrid grid() {
        return grid;
    }

    /**
     * Returns the codes of a tensor, {@code 0 .. 2^bits − 1}, as an int32 tensor.
     *
     * @param y the tensor
     * @return the codes, same shape
     */
    public NDArray codes(NDArray y) {
        int n = grid.quantizer().maxCode();
        NDArray x = y.toType(DataType.FLOAT64, false).sub(grid.lower()).clip(0, grid.range())
                .div(grid.range());
        if (grid.exponent() != 1.0) {
            x = x.pow(grid.exponent());
        }
        return x.mul(n).add(0.5).floor().toType(DataType.INT32, false);
    }

    /**
     * Quantizes and dequantizes a tensor.
     *
     * @param y the tensor
     * @return the reconstruction, same shape and data type
     */
    @Override
    public NDArray apply(NDArray y) {
        int n = grid.quantizer().maxCode();
        NDArray levels = codes(y).toType(DataType.FLOAT64, false).div(n);
        if (grid.exponent() != 1.0) {
            levels = levels.pow(1.0 / grid.exponent());
        }
        return levels.mul(grid.range()).add(grid.lower()).toType(y.getDataType(), false);
    }

    @Override
    public String toString() {
        return "ActivationQuantizer(" + grid.bits() + " bits, a = " + grid.exponent() + ", range ["
                + grid.lower() + ", " + (grid.lower() + grid.range()) + "])";
    }
}
