package org.powerquant.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;

/** Factories for the layers of torchvision's ResNet, configured exactly as PyTorch's defaults. */
final class TorchLayers {

    /** PyTorch's {@code BatchNorm2d} epsilon. */
    static final float BN_EPSILON = 1e-5f;

    /** PyTorch's momentum 0.1 expressed in DJL's convention (weight of the old running value). */
    static final float BN_MOMENTUM = 0.9f;

    private TorchLayers() {}

    static Conv2d conv(int filters, int kernel, int stride, int padding) {
        return Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optBias(false)
                .build();
    }

    static Conv2d groupedConv(int filters, int kernel, int stride, int padding, int groups) {
        return Conv2d.builder()
                .setFilters(filters)
                .setKernelShape(new Shape(kernel, kernel))
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(padding, padding))
                .optGroups(groups)
                .optBias(false)
                .build();
    }

    static BatchNorm batchNorm() {
        return BatchNorm.builder().optEpsilon(BN_EPSILON).optMomentum(BN_MOMENTUM).build();
    }

    /** The projection shortcut: conv1x1/stride without bias then BatchNorm, named "0" and "1". */
    static Block downsample(int filters, int stride) {
        return new SequentialBlock().add(conv(filters, 1, stride, 0)).add(batchNorm());
    }
}
