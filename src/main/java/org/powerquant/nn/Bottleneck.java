package org.powerquant.nn;

/**
 * torchvision's {@code Bottleneck} (ResNet v1.5, ResNet-50/101/152, and with a grouped 3x3
 * convolution ResNeXt): conv1x1, BN, ReLU, conv3x3/stride, BN, ReLU, conv1x1, BN, plus the
 * shortcut, then ReLU. Expansion 4.
 *
 * <p>Children: {@code conv1, bn1, relu1, conv2, bn2, relu2, conv3, bn3, [downsample], relu}.
 * torchvision applies one {@code relu} module three times; here the first two applications are the
 * separate blocks {@code relu1} and {@code relu2}.
 */
public class Bottleneck extends ResidualUnit {

    /**
     * Builds a bottleneck block.
     *
     * @param width the channels of the inner 1x1 and 3x3 convolutions (torchvision: {@code planes *
     *     width_per_group / 64})
     * @param outChannels the output channels ({@code planes * 4})
     * @param stride the stride of the 3x3 convolution and of the shortcut projection
     * @param projectShortcut whether the shortcut is a conv1x1 + BN projection ({@code downsample})
     *     rather than the identity
     */
    public Bottleneck(int width, int outChannels, int stride, boolean projectShortcut) {
        this(width, outChannels, stride, projectShortcut, 1);
    }

    /**
     * Builds a bottleneck block whose 3x3 convolution is grouped, as in torchvision's ResNeXt.
     *
     * @param width the channels of the inner 1x1 and 3x3 convolutions (torchvision: {@code planes *
     *     width_per_group / 64 * groups})
     * @param outChannels the output channels ({@code planes * 4})
     * @param stride the stride of the 3x3 convolution and of the shortcut projection
     * @param projectShortcut whether the shortcut is a conv1x1 + BN projection ({@code downsample})
     *     rather than the identity
     * @param groups the groups of the 3x3 convolution (torchvision's {@code groups}; 1 is an
     *     ordinary convolution), a divisor of {@code width}
     */
    public Bottleneck(int width, int outChannels, int stride, boolean projectShortcut, int groups) {
        addMainPath("conv1", TorchLayers.conv(width, 1, 1, 0));
        addMainPath("bn1", TorchLayers.batchNorm());
        addMainPath("relu1", new Relu());
        addMainPath(
                "conv2",
                groups == 1
                        ? TorchLayers.conv(width, 3, stride, 1)
                        : TorchLayers.groupedConv(width, 3, stride, 1, groups));
        addMainPath("bn2", TorchLayers.batchNorm());
        addMainPath("relu2", new Relu());
        addMainPath("conv3", TorchLayers.conv(outChannels, 1, 1, 0));
        addMainPath("bn3", TorchLayers.batchNorm());
        finish(projectShortcut ? TorchLayers.downsample(outChannels, stride) : null, "relu");
    }
}
