package org.powerquant.nn;

import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import java.util.Set;

/**
 * A DJL-native block that computes exactly what torchvision's {@code MobileNetV2} computes.
 *
 * <p>Children, named as in torchvision: {@code features} (a {@link SequentialBlock}: a 3x3/2
 * conv/batch norm/{@link Relu6} stem, the {@link InvertedResidual} units of torchvision's setting
 * {@code t, c, n, s} = 1,16,1,1 / 6,24,2,2 / 6,32,3,2 / 6,64,4,2 / 6,96,3,1 / 6,160,3,2 / 6,320,1,1
 * with channels scaled by the width multiplier and rounded to multiples of 8, and a 1x1 conv/batch
 * norm/ReLU6 to 1280 channels), {@code avgpool} (global average pooling, flattened; a function in
 * torchvision, not a module) and {@code classifier} (dropout, identity at inference, then the dense
 * layer). Depthwise convolutions are {@code Conv2d} with as many groups as channels.
 */
public class TorchvisionMobileNetV2 extends AbstractConvNetwork {

    /** torchvision's inverted residual setting: expansion t, channels c, units n, stride s. */
    private static final int[][] SETTING = {
        {1, 16, 1, 1},
        {6, 24, 2, 2},
        {6, 32, 3, 2},
        {6, 64, 4, 2},
        {6, 96, 3, 1},
        {6, 160, 3, 2},
        {6, 320, 1, 1}
    };

    private static final Set<String> HEAD = Set.of("avgpool", "classifier");

    private final float widthMultiplier;
    private final int numClasses;

    TorchvisionMobileNetV2(Builder builder) {
        super(builder.inputChannels);
        widthMultiplier = builder.widthMultiplier;
        numClasses = builder.numClasses;
        int input = makeDivisible(32 * widthMultiplier);
        int last = makeDivisible(1280 * Math.max(1f, widthMultiplier));
        SequentialBlock features = new SequentialBlock();
        features.add(convBnRelu6(input, 3, 2, 1));
        for (int[] row : SETTING) {
            int out = makeDivisible(row[1] * widthMultiplier);
            for (int i = 0; i < row[2]; i++) {
                int stride = i == 0 ? row[3] : 1;
                features.add(invertedResidual(input, out, stride, row[0]));
                input = out;
            }
        }
        features.add(convBnRelu6(last, 1, 1, 1));
        addChildBlock("features", features);
        addChildBlock("avgpool", Pool.globalAvgPool2dBlock());
        addChildBlock(
                "classifier",
                new SequentialBlock()
                        .add(Dropout.builder().optRate(builder.dropout).build())
                        .add(Linear.builder().setUnits(numClasses).optBias(true).build()));
    }

    /**
     * Creates a builder preset to torchvision's {@code mobilenet_v2()} (width 1.0, 1000 classes).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * torchvision's {@code _make_divisible(v, 8)}: the nearest multiple of 8, at least 8 and not
     * below 90 % of {@code v}.
     *
     * @param v the scaled channel count
     * @return the rounded channel count
     */
    static int makeDivisible(float v) {
        int divisor = 8;
        int rounded = Math.max(divisor, (int) (v + divisor / 2f) / divisor * divisor);
        if (rounded < 0.9f * v) {
            rounded += divisor;
        }
        return rounded;
    }

    private static SequentialBlock convBnRelu6(int filters, int kernel, int stride, int groups) {
        return new SequentialBlock()
                .add(TorchLayers.groupedConv(filters, kernel, stride, (kernel - 1) / 2, groups))
                .add(TorchLayers.batchNorm())
                .add(new Relu6());
    }

    private static InvertedResidual invertedResidual(int in, int out, int stride, int expansion) {
        int hidden = Math.round(in * (float) expansion);
        SequentialBlock conv = new SequentialBlock();
        if (expansion != 1) {
            conv.add(convBnRelu6(hidden, 1, 1, 1));
        }
        conv.add(convBnRelu6(hidden, 3, stride, hidden));
        conv.add(TorchLayers.conv(out, 1, 1, 0));
        conv.add(TorchLayers.batchNorm());
        return new InvertedResidual(conv, stride == 1 && in == out);
    }

    /**
     * Returns the width multiplier.
     *
     * @return the multiplier of every channel count
     */
    public float getWidthMultiplier() {
        return widthMultiplier;
    }

    /**
     * Returns the number of output classes.
     *
     * @return the number of classes
     */
    public int getNumClasses() {
        return numClasses;
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> getHeadNames() {
        return HEAD;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return "TorchvisionMobileNetV2(width="
                + widthMultiplier
                + ", inputChannels="
                + getInputChannels()
                + ", classes="
                + numClasses
                + ")";
    }

    /** The builder of {@link TorchvisionMobileNetV2}. */
    public static final class Builder {

        private float widthMultiplier = 1f;
        private int inputChannels = 3;
        private int numClasses = 1000;
        private float dropout = 0.2f;

        Builder() {}

        /**
         * Sets the width multiplier (default 1.0).
         *
         * @param widthMultiplier the multiplier, positive
         * @return this builder
         */
        public Builder optWidthMultiplier(float widthMultiplier) {
            this.widthMultiplier = widthMultiplier;
            return this;
        }

        /**
         * Sets the number of input channels (default 3).
         *
         * @param inputChannels the input channels
         * @return this builder
         */
        public Builder optInputChannels(int inputChannels) {
            this.inputChannels = inputChannels;
            return this;
        }

        /**
         * Sets the number of classes (default 1000).
         *
         * @param numClasses the number of classes
         * @return this builder
         */
        public Builder optNumClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        /**
         * Sets the dropout rate before the classifier (default 0.2; inactive at inference).
         *
         * @param dropout the rate, in [0, 1)
         * @return this builder
         */
        public Builder optDropout(float dropout) {
            this.dropout = dropout;
            return this;
        }

        /**
         * Builds the network.
         *
         * @return the block, not yet initialized
         * @throws IllegalArgumentException if a size is not positive or the dropout rate is out of
         *     range
         */
        public TorchvisionMobileNetV2 build() {
            if (!(widthMultiplier > 0) || inputChannels < 1 || numClasses < 1) {
                throw new IllegalArgumentException(
                        "TorchvisionMobileNetV2: width multiplier, input channels and classes must"
                                + " be positive");
            }
            if (!(dropout >= 0 && dropout < 1)) {
                throw new IllegalArgumentException(
                        "TorchvisionMobileNetV2: dropout must be in [0, 1), got " + dropout);
            }
            return new TorchvisionMobileNetV2(this);
        }
    }
}
