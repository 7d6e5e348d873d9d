package org.powerquant.transform;

import ai.djl.nn.Parameter;

/**
 * A weight the transform quantizes: its name in the model, the kind of layer, and the DJL parameter
 * holding it.
 *
 * @param name the dotted name ({@code layer1.0.conv1.weight} for TorchScript, the block path for
 *     DJL-native blocks)
 * @param kind convolution or dense
 * @param parameter the parameter whose array is rewritten in place
 */
public record WeightSite(String name, LayerKind kind, Parameter parameter) {}
