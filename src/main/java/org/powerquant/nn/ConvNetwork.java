package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import java.util.function.UnaryOperator;

/**
 * A DJL-native image classifier whose activations can be quantized: a block that takes (N, C, H, W)
 * images and ends in global pooling and a classifier, with a hook on its image input and one on the
 * classifier's input (the pooled features). Its ReLU outputs carry their own hooks ({@link Relu},
 * {@link Relu6}); {@link NetworkGraph} finds everything else by walking its blocks.
 */
public interface ConvNetwork extends Block {

    /**
     * Returns the number of input channels.
     *
     * @return the input channels
     */
    int getInputChannels();

    /**
     * Returns the transform applied to the network's input.
     *
     * @return the input transform, the identity unless one was set
     */
    UnaryOperator<NDArray> getInputTransform();

    /**
     * Sets the transform applied to the network's input (e.g. an input fake-quantizer or a
     * calibration observer).
     *
     * @param transform the transform, not null; {@link UnaryOperator#identity()} removes it
     */
    void setInputTransform(UnaryOperator<NDArray> transform);

    /**
     * Returns the transform applied to the classifier's input (the pooled features).
     *
     * @return the classifier-input transform, the identity unless one was set
     */
    UnaryOperator<NDArray> getClassifierInputTransform();

    /**
     * Sets the transform applied to the classifier's input, i.e. to the globally pooled features.
     *
     * @param transform the transform, not null; {@link UnaryOperator#identity()} removes it
     */
    void setClassifierInputTransform(UnaryOperator<NDArray> transform);

    /**
     * Returns the names of the direct children that belong to the classifier head (global pooling
     * and what follows); the batch-norm-observing forward pass stops before the first of them.
     *
     * @return the head's child names, e.g. {@code avgpool, fc}
     */
    java.util.Set<String> getHeadNames();
}
