package org.powerquant.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * torchvision's MobileNetV2 {@code InvertedResidual}: a sequence {@code conv} (optional 1x1
 * expansion conv/batch norm/ReLU6, depthwise 3x3 conv/batch norm/ReLU6, 1x1 linear projection
 * conv/batch norm) whose output is added to the unit's input when the stride is 1 and the channel
 * count is kept.
 */
public class InvertedResidual extends AbstractBlock {

    private final SequentialBlock conv;
    private final boolean residual;

    /**
     * Creates a unit.
     *
     * @param conv the main path, registered as {@code conv}
     * @param residual whether the input is added to the main path's output
     */
    public InvertedResidual(SequentialBlock conv, boolean residual) {
        this.conv = addChildBlock("conv", conv);
        this.residual = residual;
    }

    /**
     * Returns the main path.
     *
     * @return the {@code conv} sequence
     */
    public SequentialBlock getMainPath() {
        return conv;
    }

    /**
     * Returns whether the unit adds its input to the main path's output.
     *
     * @return true for a residual unit
     */
    public boolean isResidual() {
        return residual;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDList out = conv.forward(parameterStore, inputs, training, params);
        if (!residual) {
            return out;
        }
        return new NDList(out.singletonOrThrow().add(inputs.singletonOrThrow()));
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv.getOutputShapes(inputShapes);
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes);
    }
}
