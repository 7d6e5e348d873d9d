package org.powerquant.calibrate;

import java.util.function.Consumer;

/**
 * A layer whose output can be shifted per output channel, with the expected value of each of its
 * input channels: what bias correction needs to know of one layer, whatever the network.
 *
 * @param name the layer's name, for messages
 * @param inputMeans the expected value of each input channel
 * @param subtractFromOutput subtracts {@code shift[c]} from output channel {@code c} (through the
 *     layer's bias, or the running mean of the batch norm that reads it)
 */
public record CorrectableLayer(
        String name, double[] inputMeans, Consumer<double[]> subtractFromOutput) {}
