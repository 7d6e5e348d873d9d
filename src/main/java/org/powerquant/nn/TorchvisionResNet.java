package org.powerquant.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A DJL-native block that computes exactly what torchvision's {@code ResNet} computes.
 *
 * <p>Structure (children in forward order, named as in torchvision): {@code conv1} (7x7/2 pad 3, no
 * bias), {@code bn1}, {@code relu}, {@code maxpool} (3x3/2 pad 1), {@code layer1} ... {@code
 * layerN} (each a {@link SequentialBlock} of {@link BasicBlock} or {@link Bottleneck} units named
 * {@code 0, 1, ...}; the first unit of stage i &gt; 0 has stride 2), {@code avgpool} (global
 * average pooling, flattened) and {@code fc}. The small-input variant replaces the stem by a 3x3/1
 * pad 1 convolution and has no {@code maxpool}. BatchNorm uses PyTorch's epsilon 1e-5 and momentum
 * 0.1. {@link TorchNames#parameters(Block)} gives torchvision's dotted parameter names.
 */
public class TorchvisionResNet extends AbstractConvNetwork {

    private static final java.util.Set<String> HEAD = java.util.Set.of("avgpool", "fc");

    private final ResidualKind kind;
    private final int[] layers;
    private final int baseWidth;
    private final int widthPerGroup;
    private final int groups;
    private final int numClasses;
    private final boolean smallInput;

    TorchvisionResNet(Builder builder) {
        super(builder.inputChannels);
        kind = builder.kind;
        layers = builder.layers.clone();
        baseWidth = builder.baseWidth;
        widthPerGroup = builder.widthPerGroup;
        groups = builder.groups;
        numClasses = builder.numClasses;
        smallInput = builder.smallInput;

        if (smallInput) {
            addChildBlock("conv1", TorchLayers.conv(baseWidth, 3, 1, 1));
        } else {
            addChildBlock("conv1", TorchLayers.conv(baseWidth, 7, 2, 3));
        }
        addChildBlock("bn1", TorchLayers.batchNorm());
        addChildBlock("relu", new Relu());
        if (!smallInput) {
            addChildBlock(
                    "maxpool",
                    Pool.maxPool2dBlock(new Shape(3, 3), new Shape(2, 2), new Shape(1, 1)));
        }
        int inplanes = baseWidth;
        for (int stage = 0; stage < layers.length; stage++) {
            int planes = baseWidth << stage;
            int stride = stage == 0 ? 1 : 2;
            int out = planes * kind.getExpansion();
            SequentialBlock layer = new SequentialBlock();
            for (int i = 0; i < layers[stage]; i++) {
                int s = i == 0 ? stride : 1;
                boolean project = i == 0 && (s != 1 || inplanes != out);
                if (kind == ResidualKind.BASIC) {
                    layer.add(new BasicBlock(planes, s, project));
                } else {
                    int width = planes * widthPerGroup / 64 * groups;
                    layer.add(new Bottleneck(width, out, s, project, groups));
                }
                inplanes = out;
            }
            addChildBlock("layer" + (stage + 1), layer);
        }
        addChildBlock("avgpool", Pool.globalAvgPool2dBlock());
        addChildBlock("fc", Linear.builder().setUnits(numClasses).optBias(true).build());
    }

    /** {@inheritDoc} */
    @Override
    protected boolean isMaxPool(Block block) {
        return !smallInput && block == getChildren().get("maxpool");
    }

    /**
     * Creates a builder with no preset; {@link Builder#setKind} and {@link Builder#setLayers} are
     * required.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder preset to torchvision's {@code resnet18} (BasicBlock, 2,2,2,2).
     *
     * @return a preset builder
     */
    public static Builder resnet18() {
        return builder().setKind(ResidualKind.BASIC).setLayers(2, 2, 2, 2);
    }

    /**
     * Returns a builder preset to torchvision's {@code resnet34} (BasicBlock, 3,4,6,3).
     *
     * @return a preset builder
     */
    public static Builder resnet34() {
        return builder().setKind(ResidualKind.BASIC).setLayers(3, 4, 6, 3);
    }

    /**
     * Returns a builder preset to torchvision's {@code resnet50} (Bottleneck, 3,4,6,3).
     *
     * @return a preset builder
     */
    public static Builder resnet50() {
        return builder().setKind(ResidualKind.BOTTLENECK).setLayers(3, 4, 6, 3);
    }

    /**
     * Returns a builder preset to torchvision's {@code resnet101} (Bottleneck, 3,4,23,3).
     *
     * @return a preset builder
     */
    public static Builder resnet101() {
        return builder().setKind(ResidualKind.BOTTLENECK).setLayers(3, 4, 23, 3);
    }

    /**
     * Returns a builder preset to torchvision's {@code resnet152} (Bottleneck, 3,8,36,3).
     *
     * @return a preset builder
     */
    public static Builder resnet152() {
        return builder().setKind(ResidualKind.BOTTLENECK).setLayers(3, 8, 36, 3);
    }

    /**
     * Returns a builder preset to torchvision's {@code resnext50_32x4d} (Bottleneck, 3,4,6,3, 32
     * groups of width 4).
     *
     * @return a preset builder
     */
    public static Builder resnext50() {
        return resnet50().optGroups(32).optWidthPerGroup(4);
    }

    /**
     * Returns a builder preset to torchvision's {@code wide_resnet50_2} (Bottleneck, 3,4,6,3, width
     * per group 128).
     *
     * @return a preset builder
     */
    public static Builder wideResnet50() {
        return resnet50().optWidthPerGroup(128);
    }

    /**
     * Returns the kind of residual unit.
     *
     * @return the residual kind
     */
    public ResidualKind getKind() {
        return kind;
    }

    /**
     * Returns the number of residual units in each stage.
     *
     * @return a copy of the units per stage
     */
    public int[] getLayers() {
        return layers.clone();
    }

    /**
     * Returns the stem width (channels of {@code conv1} and planes of {@code layer1}).
     *
     * @return the base width
     */
    public int getBaseWidth() {
        return baseWidth;
    }

    /**
     * Returns torchvision's {@code width_per_group} (64 except for wide ResNets and ResNeXts).
     *
     * @return the bottleneck width per group
     */
    public int getWidthPerGroup() {
        return widthPerGroup;
    }

    /**
     * Returns torchvision's {@code groups}: the groups of every bottleneck's 3x3 convolution (1
     * except for ResNeXts).
     *
     * @return the groups
     */
    public int getGroups() {
        return groups;
    }

    /** {@inheritDoc} */
    @Override
    public java.util.Set<String> getHeadNames() {
        return HEAD;
    }

    /**
     * Returns the number of output classes.
     *
     * @return the number of classes
     */
    public int getNumClasses() {
        return numClasses;
    }

    /**
     * Returns whether this is the small-input variant (3x3/1 stem, no max pooling).
     *
     * @return true for the small-input stem
     */
    public boolean isSmallInput() {
        return smallInput;
    }

    /**
     * Returns every parameter (including BatchNorm running statistics) by torchvision dotted name,
     * e.g. {@code layer1.0.conv1.weight} or {@code bn1.running_var}.
     *
     * @return an insertion-ordered map from dotted name to parameter
     */
    public Map<String, Parameter> getTorchParameters() {
        return TorchNames.parameters(this);
    }

    /**
     * Returns every convolution that feeds a batch norm, in forward order.
     *
     * @return the conv/batch-norm pairs
     */
    public List<ConvBatchNormPair> getConvBatchNormPairs() {
        return ConvBatchNormPair.findAll(this);
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "TorchvisionResNet("
                + kind
                + ", layers="
                + Arrays.toString(layers)
                + ", baseWidth="
                + baseWidth
                + (kind == ResidualKind.BOTTLENECK ? ", widthPerGroup=" + widthPerGroup : "")
                + (groups == 1 ? "" : ", groups=" + groups)
                + ", inputChannels="
                + getInputChannels()
                + ", classes="
                + numClasses
                + (smallInput ? ", small-input stem" : "")
                + ")";
    }

    /** The builder of {@link TorchvisionResNet}. */
    public static final class Builder {

        private ResidualKind kind;
        private int[] layers;
        private int baseWidth = 64;
        private int widthPerGroup = 64;
        private int groups = 1;
        private int inputChannels = 3;
        private int numClasses = 1000;
        private boolean smallInput;

        Builder() {}

        /**
         * Sets the kind of residual unit.
         *
         * @param kind {@link ResidualKind#BASIC} or {@link ResidualKind#BOTTLENECK}
         * @return this builder
         */
        public Builder setKind(ResidualKind kind) {
            this.kind = kind;
            return this;
        }

        /**
         * Sets the number of residual units per stage; the number of values is the number of stages
         * (4 in torchvision), e.g. {@code 2,2,2,2} for ResNet-18.
         *
         * @param unitsPerStage the units of each stage, each at least 1
         * @return this builder
         */
        public Builder setLayers(int... unitsPerStage) {
            this.layers = unitsPerStage.clone();
            return this;
        }

        /**
         * Sets the stem width, doubled at every later stage (default 64).
         *
         * @param baseWidth the base width
         * @return this builder
         */
        public Builder optBaseWidth(int baseWidth) {
            this.baseWidth = baseWidth;
            return this;
        }

        /**
         * Sets torchvision's {@code width_per_group} for bottleneck units (default 64; 128 for
         * {@code wide_resnet50_2}).
         *
         * @param widthPerGroup the bottleneck width per group
         * @return this builder
         */
        public Builder optWidthPerGroup(int widthPerGroup) {
            this.widthPerGroup = widthPerGroup;
            return this;
        }

        /**
         * Sets torchvision's {@code groups} of every bottleneck's 3x3 convolution (default 1; 32
         * for {@code resnext50_32x4d}, with width per group 4). A basic-block network takes only 1,
         * as torchvision's {@code BasicBlock} does.
         *
         * @param groups the groups
         * @return this builder
         */
        public Builder optGroups(int groups) {
            this.groups = groups;
            return this;
        }

        /**
         * Sets the number of input channels (default 3); initialising with another channel count is
         * an error.
         *
         * @param inputChannels the input channels
         * @return this builder
         */
        public Builder optInputChannels(int inputChannels) {
            this.inputChannels = inputChannels;
            return this;
        }

        /**
         * Sets the number of classes of the final linear layer (default 1000).
         *
         * @param numClasses the number of classes
         * @return this builder
         */
        public Builder optNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /**
         * Selects the small-input stem (3x3 stride 1 pad 1 convolution, no max pooling) for small
         * images such as 28x28 Fashion-MNIST (default false).
         *
         * @param smallInput whether to use the small-input stem
         * @return this builder
         */
        public Builder optSmallInput(boolean smallInput) {
            this.smallInput = smallInput;
            return this;
        }

        /**
         * Builds the network.
         *
         * @return the block, not yet initialized
         * @throws IllegalArgumentException if the kind or layers are missing or a size is not
         *     positive
         */
        public TorchvisionResNet build() {
            if (kind == null) {
                throw new IllegalArgumentException("TorchvisionResNet: residual kind not set");
            }
            if (layers == null
                    || layers.length == 0
                    || Arrays.stream(layers).anyMatch(n -> n < 1)) {
                throw new IllegalArgumentException(
                        "TorchvisionResNet: layers must be one or more positive counts, got "
                                + Arrays.toString(layers));
            }
            if (baseWidth < 1
                    || widthPerGroup < 1
                    || groups < 1
                    || inputChannels < 1
                    || numClasses < 1) {
                throw new IllegalArgumentException(
                        "TorchvisionResNet: baseWidth, widthPerGroup, groups, inputChannels and"
                                + " numClasses must be positive");
            }
            if (kind == ResidualKind.BASIC && (groups != 1 || widthPerGroup != 64)) {
                throw new IllegalArgumentException(
                        "TorchvisionResNet: basic blocks take only groups 1 and widthPerGroup 64,"
                                + " as torchvision's BasicBlock does");
            }
            if (kind == ResidualKind.BOTTLENECK && baseWidth * widthPerGroup / 64 < 1) {
                throw new IllegalArgumentException(
                        "TorchvisionResNet: baseWidth "
                                + baseWidth
                                + " with widthPerGroup "
                                + widthPerGroup
                                + " gives bottlenecks of no channels");
            }
            return new TorchvisionResNet(this);
        }
    }
}
