package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.powerquant.quant.ActivationGrid;

/**
 * A per-tensor activation fake-quantizer: maps every element of a tensor to the level of its {@link
 * ActivationGrid}, with vectorised NDArray operations on the engine.
 *
 * <p>With {@code N = 2^bits − 1}, lower bound {@code l}, range {@code c} and exponent {@code a}:
 * {@code x = clip(y − l, 0, c)}, {@code k = floor(N (x/c)^a + 1/2)} (half up, as {@link
 * org.powerquant.quant.PowerQuantizer#code(double)}), output {@code l + c (k/N)^(1/a)}. The
 * arithmetic is done in float64 so that codes agree with the pure-Java quantizer; the output has
 * the input's data type. Install it with {@link Relu#setOutputTransform} or the transform hooks of
 * {@link ConvNetwork}.
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

    /**
     * @return the grid
     */
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
        return scaledCodes(y).toType(DataType.INT32, false);
    }

    /** The codes as float64 values, computed with as few full-tensor passes as possible. */
    private NDArray scaledCodes(NDArray y) {
        int n = grid.quantizer().maxCode();
        NDArray x = y.toType(DataType.FLOAT64, true);
        if (grid.lower() != 0) {
            x.subi(grid.lower());
        }
        x = x.clip(0, grid.range());
        x.divi(grid.range());
        if (grid.exponent() != 1.0) {
            x.powi(grid.exponent());
        }
        return x.muli(n).addi(0.5).floor();
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
        NDArray levels = scaledCodes(y).divi(n);
        if (grid.exponent() != 1.0) {
            levels.powi(1.0 / grid.exponent());
        }
        levels.muli(grid.range());
        if (grid.lower() != 0) {
            levels.addi(grid.lower());
        }
        return levels.toType(y.getDataType(), false);
    }

    @Override
    public String toString() {
        return "ActivationQuantizer("
                + grid.bits()
                + " bits, a = "
                + grid.exponent()
                + ", range ["
                + grid.lower()
                + ", "
                + (grid.lower() + grid.range())
                + "])";
    }
}
