package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A torchvision residual unit: a main path of layers, an optional projection shortcut named {@code
 * downsample}, their sum, and a final {@link Relu}.
 *
 * <p>Children are registered under torchvision's names (in forward order: the main path, then
 * {@code downsample}, then the final ReLU), so {@link TorchNames} yields torchvision's dotted
 * parameter names.
 */
public abstract class ResidualUnit extends AbstractBlock {

    private final List<Block> mainPath = new ArrayList<>();
    private Block downsample;
    private Relu outputRelu;

    /** Constructs an empty unit; subclasses add their layers in forward order. */
    protected ResidualUnit() {}

    /**
     * Appends a layer to the main path.
     *
     * @param name the torchvision name of the layer (e.g. {@code conv1})
     * @param block the layer
     * @param <B> the layer type
     * @return the layer
     */
    protected final <B extends Block> B addMainPath(String name, B block) {
        mainPath.add(addChildBlock(name, block));
        return block;
    }

    /**
     * Completes the unit with an optional shortcut projection and the final ReLU; subclasses call
     * this once, after their main path.
     *
     * @param shortcut the projection shortcut, or null for the identity
     * @param reluName the name of the ReLU applied after the residual sum
     */
    protected final void finish(Block shortcut, String reluName) {
        finish("downsample", shortcut, reluName);
    }

    /**
     * Completes the unit with an optional shortcut projection registered under a name of the
     * subclass's choosing, and the final ReLU; subclasses call this or {@link #finish(Block,
     * String)} once, after their main path.
     *
     * @param shortcutName the name of the projection shortcut
     * @param shortcut the projection shortcut, or null for the identity
     * @param reluName the name of the ReLU applied after the residual sum
     */
    protected final void finish(String shortcutName, Block shortcut, String reluName) {
        if (shortcut != null) {
            downsample = addChildBlock(shortcutName, shortcut);
        }
        outputRelu = addChildBlock(reluName, new Relu());
    }

    /**
     * Returns the layers of the main path in forward order.
     *
     * @return an unmodifiable list of the main-path layers
     */
    public List<Block> getMainPath() {
        return Collections.unmodifiableList(mainPath);
    }

    /**
     * Returns the projection shortcut ({@code conv1x1 + BatchNorm}), or null if the shortcut is the
     * identity.
     *
     * @return the shortcut block or null
     */
    public Block getDownsample() {
        return downsample;
    }

    /**
     * Returns the ReLU applied after the residual sum.
     *
     * @return the output ReLU
     */
    public Relu getOutputRelu() {
        return outputRelu;
    }

    /** {@inheritDoc} */
    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore,
            NDList inputs,
            boolean training,
            PairList<String, Object> params) {
        NDList out = inputs;
        for (Block block : mainPath) {
            out = block.forward(parameterStore, out, training, params);
        }
        NDArray identity =
                downsample == null
                        ? inputs.singletonOrThrow()
                        : downsample
                                .forward(parameterStore, inputs, training, params)
                                .singletonOrThrow();
        NDList sum = new NDList(out.singletonOrThrow().add(identity));
        return outputRelu.forward(parameterStore, sum, training, params);
    }

    /** {@inheritDoc} */
    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block block : mainPath) {
            shapes = block.getOutputShapes(shapes);
        }
        return shapes;
    }

    /** {@inheritDoc} */
    @Override
    protected void initializeChildBlocks(
            NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape[] shapes = inputShapes;
        for (Block block : mainPath) {
            block.initialize(manager, dataType, shapes);
            shapes = block.getOutputShapes(shapes);
        }
        if (downsample != null) {
            downsample.initialize(manager, dataType, inputShapes);
        }
        outputRelu.initialize(manager, dataType, shapes);
    }
}
