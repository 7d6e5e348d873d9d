package org.powerquant.nn;

import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;

/**
 * The residual unit a DJL {@link ParallelBlock} becomes when its join sums its two branches and
 * applies a ReLU (DJL's {@code ResNetV1.residualUnit}): the same main-path block, the same
 * projection shortcut (or none for an identity shortcut), the sum, and the ReLU as a {@link Relu}
 * of its own, which can carry an activation quantizer.
 *
 * <p>Children are named by position, as the {@link ParallelBlock}'s branches were: {@code 0} the
 * main path, {@code 1} the projection shortcut if any, then the ReLU; parameter names are therefore
 * those of the DJL block.
 */
public final class ParallelResidualUnit extends ResidualUnit {

    /**
     * Creates the unit from the blocks of a {@link ParallelBlock}'s branches.
     *
     * @param mainPath the main path (its first branch)
     * @param shortcut the projection shortcut (its second branch), or null for the identity
     */
    public ParallelResidualUnit(Block mainPath, Block shortcut) {
        addMainPath("0", mainPath);
        finish("1", shortcut, "2");
    }
}
