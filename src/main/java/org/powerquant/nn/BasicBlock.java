package org.powerquant.nn;

/**
 * torchvision's {@code BasicBlock} (ResNet-18/34): conv3x3/stride, BN, ReLU, conv3x3, BN, plus the
 * shortcut, then ReLU. Expansion 1.
 *
 * <p>Children: {@code conv1, bn1, relu1, conv2, bn2, [downsample], relu}. torchvision applies one
 * {@code relu} module twice; here the first application is the separate block {@code relu1}.
 */
public class BasicBlock extends ResidualUnit {

    /**
     * Builds a basic block.
     *
     * @param planes the output channels of both convolutions
     * @param stride the stride of the first convolution and of the shortcut projection
     * @param projectShortcut whether the shortcut is a conv1x1 + BN projection ({@code downsample})
     *     rather than the identity
     */
    public BasicBlock(int planes, int stride, boolean projectShortcut) {
        addMainPath("conv1", TorchLayers.conv(planes, 3, stride, 1));
        addMainPath("bn1", TorchLayers.batchNorm());
        addMainPath("relu1", new Relu());
        addMainPath("conv2", TorchLayers.conv(planes, 3, 1, 1));
        addMainPath("bn2", TorchLayers.batchNorm());
        finish(projectShortcut ? TorchLayers.downsample(planes, stride) : null, "relu");
    }
}
