package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.powerquant.quant.CodeRounding;

/**
 * One tensor of a network that gets an activation quantizer: where it is, how many bits it gets,
 * how its values are rounded to their codes, and the hook through which a transform (a
 * fake-quantizer, or a calibration observer that records the tensor and returns it unchanged) is
 * installed on it.
 */
public final class ActivationSite {

    /** What kind of tensor a site is. */
    public enum Kind {
        /** The output of a {@link org.powerquant.nn.Relu} (non-negative). */
        RELU,
        /** The output of a {@link org.powerquant.nn.Relu6} (in {@code [0, 6]}). */
        RELU6,
        /** The input of the final dense layer, i.e. the pooled features (non-negative). */
        CLASSIFIER_INPUT,
        /** The network's (normalised, signed) image input. */
        IMAGE_INPUT
    }

    private final String name;
    private final Kind kind;
    private final int bits;
    private final CodeRounding rounding;
    private final Consumer<UnaryOperator<NDArray>> installer;

    /**
     * Creates a site rounded in the power domain, as in the paper.
     *
     * @param name the site's name: the ReLU's dotted name (e.g. {@code layer1.0.relu1}), {@code
     *     fc.input} or {@code input}
     * @param kind the kind of tensor
     * @param bits the bit width it is quantized at, 2 to 8
     * @param installer sets the transform applied to the tensor in the forward pass
     */
    public ActivationSite(
            String name, Kind kind, int bits, Consumer<UnaryOperator<NDArray>> installer) {
        this(name, kind, bits, CodeRounding.POWER_DOMAIN, installer);
    }

    /**
     * Creates a site.
     *
     * @param name the site's name: the ReLU's dotted name (e.g. {@code layer1.0.relu1}), {@code
     *     fc.input} or {@code input}
     * @param kind the kind of tensor
     * @param bits the bit width it is quantized at, 2 to 8
     * @param rounding how its values are rounded to their codes: a calibration chooses the grid for
     *     it, and the grid carries it
     * @param installer sets the transform applied to the tensor in the forward pass
     */
    public ActivationSite(
            String name,
            Kind kind,
            int bits,
            CodeRounding rounding,
            Consumer<UnaryOperator<NDArray>> installer) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.bits = bits;
        this.rounding = Objects.requireNonNull(rounding, "rounding");
        this.installer = Objects.requireNonNull(installer, "installer");
    }

    /**
     * Returns the site's name.
     *
     * @return the site's name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the kind of tensor.
     *
     * @return the kind of tensor
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns the bit width.
     *
     * @return the bit width
     */
    public int bits() {
        return bits;
    }

    /**
     * Returns how the tensor's values are rounded to their codes.
     *
     * @return how the tensor's values are rounded to their codes
     */
    public CodeRounding rounding() {
        return rounding;
    }

    /**
     * Returns the largest value the tensor takes: 6 for a ReLU6 output, {@code +∞} otherwise.
     *
     * @return the largest value the tensor takes: 6 for a ReLU6 output, {@code +∞} otherwise
     */
    public double upperBound() {
        return kind == Kind.RELU6 ? org.powerquant.nn.Relu6.UPPER_BOUND : Double.POSITIVE_INFINITY;
    }

    /**
     * Returns whether the tensor is non-negative (a ReLU output or pooled ReLU outputs).
     *
     * @return whether the tensor is non-negative (a ReLU output or pooled ReLU outputs)
     */
    public boolean isNonNegative() {
        return kind != Kind.IMAGE_INPUT;
    }

    /**
     * Installs a transform on the tensor, replacing any previous one.
     *
     * @param transform the transform, applied in every later forward pass
     */
    public void install(UnaryOperator<NDArray> transform) {
        installer.accept(Objects.requireNonNull(transform, "transform"));
    }

    /** Removes any transform (installs the identity). */
    public void clear() {
        installer.accept(UnaryOperator.identity());
    }

    @Override
    public String toString() {
        return name + " (" + kind + ", " + bits + " bits)";
    }
}
