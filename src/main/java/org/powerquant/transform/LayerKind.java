package org.powerquant.transform;

/** What a quantized weight belongs to. */
public enum LayerKind {
    /** A convolution (1-d, 2-d, 3-d or transposed): weight of rank 3 or more. */
    CONV,
    /** A dense (fully connected) layer: weight of rank 2. */
    DENSE;

    /**
     * Returns the lower-case name used in reports ({@code conv} or {@code dense}).
     *
     * @return the lower-case name used in reports ({@code conv} or {@code dense})
     */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
