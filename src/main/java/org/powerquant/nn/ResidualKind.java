package org.powerquant.nn;

/** The kind of residual unit in a torchvision ResNet stage, with its channel expansion. */
public enum ResidualKind {
    /** Two 3x3 convolutions (ResNet-18/34); expansion 1. */
    BASIC(1),
    /**
     * 1x1, 3x3, 1x1 convolutions with the stride on the 3x3 (ResNet v1.5, 50/101/152); expansion 4.
     */
    BOTTLENECK(4);

    private final int expansion;

    ResidualKind(int expansion) {
        this.expansion = expansion;
    }

    /**
     * Returns the ratio of a unit's output channels to its planes.
     *
     * @return 1 for {@link #BASIC}, 4 for {@link #BOTTLENECK}
     */
    public int getExpansion() {
        return expansion;
    }
}
