package org.powerquant.data;

import java.util.Arrays;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/**
 * Turns a {@link DecodedImage} (pixels in [0, 1]) into a model input the way torchvision's
 * transforms do: channel conversion, {@code Resize} (short side, or a plain square), {@code
 * CenterCrop}, {@code Normalize}.
 *
 * <p>Resizing is bilinear with torch {@code interpolate} semantics ({@code align_corners=False}, no
 * antialiasing unless {@link Builder#antialias(boolean)} is set), see {@link BilinearResize}. The
 * defaults are ImageNet's: short side 256, centre crop 224, mean (0.485, 0.456, 0.406), std (0.229,
 * 0.224, 0.225), three channels.
 *
 * <pre>{@code
 * Preprocessing fashionMnist = Preprocessing.builder()
 *         .imageSize(64).mean(0.2860f).std(0.3530f).build();
 * }</pre>
 */
public final class Preprocessing {

    /** The largest image side a resize or crop may produce (larger would exhaust memory). */
    public static final int MAX_SIDE = 8192;

    private final int channels;
    private final int resizeShort;
    private final int imageSize;
    private final int centerCrop;
    private final float[] mean;
    private final float[] std;
    private final boolean antialias;

    private Preprocessing(Builder builder) {
        channels = builder.channels;
        resizeShort = builder.resizeShort;
        imageSize = builder.imageSize;
        centerCrop = builder.centerCrop;
        mean = expand(builder.mean, channels, Role.MEAN);
        std = expand(builder.std, channels, Role.STD);
        antialias = builder.antialias;
        for (float m : mean) {
            if (!Float.isFinite(m)) {
                throw new InvalidInputException(Role.MEAN, "values must be finite, got " + m);
            }
        }
        for (float s : std) {
            if (!(s > 0) || !Float.isFinite(s)) {
                throw new InvalidInputException(
                        Role.STD, "values must be finite and positive, got " + s);
            }
        }
    }

    /**
     * Returns a builder with ImageNet defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the standard ImageNet evaluation preprocessing (resize 256, crop 224, ImageNet
     * statistics).
     *
     * @return the ImageNet preprocessing
     */
    public static Preprocessing imageNet() {
        return builder().build();
    }

    /**
     * Applies the transforms to one image.
     *
     * @param image the decoded image
     * @return the model input for this image, (C, H, W) in a fresh image
     */
    public DecodedImage apply(DecodedImage image) {
        // Resizing acts on each channel alone, so grey is repeated after resizing (a third of
        // the work) and colour reduced before: the same result as converting first.
        DecodedImage x = channels < image.channels() ? image.withChannels(channels) : image;
        if (imageSize > 0) {
            x = BilinearResize.resize(x, imageSize, imageSize, antialias);
        } else if (resizeShort > 0) {
            int h = x.height();
            int w = x.width();
            int shortSide = Math.min(h, w);
            int longSide = Math.max(h, w);
            int newLong = (int) ((double) resizeShort * longSide / shortSide);
            x =
                    h <= w
                            ? BilinearResize.resize(x, resizeShort, newLong, antialias)
                            : BilinearResize.resize(x, newLong, resizeShort, antialias);
        }
        if (centerCrop > 0) {
            x = centerCrop(x, centerCrop);
        }
        return normalize(x);
    }

    /**
     * Returns the number of channels of the model input.
     *
     * @return 1 or 3
     */
    public int channels() {
        return channels;
    }

    /**
     * Returns the (height, width) of every output, or null when it depends on the input image
     * (neither {@code imageSize} nor {@code centerCrop} set).
     *
     * @return the fixed output size, or null
     */
    public int[] outputSize() {
        if (centerCrop > 0) {
            return new int[] {centerCrop, centerCrop};
        }
        if (imageSize > 0) {
            return new int[] {imageSize, imageSize};
        }
        return null;
    }

    /**
     * Returns the side of the plain square resize, 0 when the short side is resized instead.
     *
     * @return the image size, or 0
     */
    public int imageSize() {
        return imageSize;
    }

    /**
     * Returns the short side resized to, 0 when none (or when {@link #imageSize()} is set).
     *
     * @return the short side, or 0
     */
    public int resizeShort() {
        return resizeShort;
    }

    /**
     * Returns the side of the centre crop, 0 when none.
     *
     * @return the crop side, or 0
     */
    public int centerCrop() {
        return centerCrop;
    }

    /**
     * Returns the per-channel mean, one value per output channel.
     *
     * @return a copy of the means
     */
    public float[] mean() {
        return mean.clone();
    }

    /**
     * Returns the per-channel standard deviation, one value per output channel.
     *
     * @return a copy of the standard deviations
     */
    public float[] std() {
        return std.clone();
    }

    /**
     * Returns whether downscaling is antialiased.
     *
     * @return true when antialiased
     */
    public boolean antialias() {
        return antialias;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Preprocessing[");
        if (imageSize > 0) {
            sb.append("imageSize=").append(imageSize);
        } else if (resizeShort > 0) {
            sb.append("resizeShort=").append(resizeShort);
        } else {
            sb.append("no resize");
        }
        if (centerCrop > 0) {
            sb.append(", centerCrop=").append(centerCrop);
        }
        sb.append(", mean=").append(Arrays.toString(mean));
        sb.append(", std=").append(Arrays.toString(std));
        sb.append(", channels=").append(channels);
        sb.append(", antialias=").append(antialias).append(']');
        return sb.toString();
    }

    /** Normalises each output channel; a single grey channel feeds every output channel. */
    private DecodedImage normalize(DecodedImage x) {
        float[] src = x.pixels();
        int plane = x.height() * x.width();
        float[] out = new float[channels * plane];
        for (int c = 0; c < channels; c++) {
            float m = mean[c];
            float s = std[c];
            int from = x.channels() == 1 ? 0 : c * plane;
            int to = c * plane;
            for (int i = 0; i < plane; i++) {
                out[to + i] = (src[from + i] - m) / s;
            }
        }
        return new DecodedImage(channels, x.height(), x.width(), out);
    }

    /** torchvision {@code CenterCrop}: Python-rounded offsets, zero padding when too small. */
    static DecodedImage centerCrop(DecodedImage x, int size) {
        int top = cropOffset(x.height(), size);
        int left = cropOffset(x.width(), size);
        if (top == 0 && left == 0 && x.height() == size && x.width() == size) {
            return x;
        }
        float[] src = x.pixels();
        float[] out = new float[x.channels() * size * size];
        for (int c = 0; c < x.channels(); c++) {
            for (int y = 0; y < size; y++) {
                int sy = top + y;
                if (sy < 0 || sy >= x.height()) {
                    continue;
                }
                for (int xx = 0; xx < size; xx++) {
                    int sx = left + xx;
                    if (sx >= 0 && sx < x.width()) {
                        out[(c * size + y) * size + xx] =
                                src[(c * x.height() + sy) * x.width() + sx];
                    }
                }
            }
        }
        return new DecodedImage(x.channels(), size, size, out);
    }

    private static int cropOffset(int length, int size) {
        if (length < size) {
            return -((size - length) / 2);
        }
        return (int) Math.rint((length - size) / 2.0);
    }

    private static float[] expand(float[] values, int channels, Role role) {
        if (values.length == 1) {
            float[] out = new float[channels];
            Arrays.fill(out, values[0]);
            return out;
        }
        if (values.length != channels) {
            throw new InvalidInputException(
                    role,
                    (channels == 1
                                    ? "needs one value (the input has one channel)"
                                    : "needs 1 or " + channels + " values (one per channel)")
                            + ", got "
                            + values.length);
        }
        return values.clone();
    }

    /** Options of a {@link Preprocessing}; each setter returns this builder. */
    public static final class Builder {

        private int channels = 3;
        private int resizeShort = 256;
        private int imageSize;
        private int centerCrop = 224;
        private float[] mean = {0.485f, 0.456f, 0.406f};
        private boolean meanGiven;
        private boolean stdGiven;
        private float[] std = {0.229f, 0.224f, 0.225f};
        private boolean antialias;

        Builder() {}

        /**
         * Antialiases downscaling like torch {@code interpolate(..., antialias=True)} (default
         * false: torch's {@code interpolate} default). True is what torchvision's {@code Resize}
         * does on tensors, is close to PIL's bilinear resize, and is what DJL's {@code
         * NDImageUtils.resize} does on the PyTorch engine; upscaling is the same either way.
         *
         * @param antialias whether to antialias downscaling
         * @return this builder
         */
        public Builder antialias(boolean antialias) {
            this.antialias = antialias;
            return this;
        }

        /**
         * Resizes the shorter side to {@code size} keeping the aspect ratio (torchvision {@code
         * Resize(size)}); clears {@link #imageSize(int)}.
         *
         * @param size the short side in pixels, 0 to disable
         * @return this builder
         */
        public Builder resizeShort(int size) {
            resizeShort = side(size, Role.RESIZE_SHORT, 0);
            imageSize = 0;
            return this;
        }

        /**
         * Crops the centre {@code size x size} square after resizing (torchvision {@code
         * CenterCrop}).
         *
         * @param size the crop side in pixels, 0 to disable
         * @return this builder
         */
        public Builder centerCrop(int size) {
            centerCrop = side(size, Role.CENTER_CROP, 0);
            return this;
        }

        /**
         * Resizes every image to a plain {@code size x size} square (torchvision {@code
         * Resize((size, size))}); clears the short-side resize and the centre crop.
         *
         * @param size the side in pixels
         * @return this builder
         */
        public Builder imageSize(int size) {
            imageSize = side(size, Role.IMAGE_SIZE, 1);
            resizeShort = 0;
            centerCrop = 0;
            return this;
        }

        /**
         * Sets the per-channel mean subtracted after scaling to [0, 1].
         *
         * @param mean one value for all channels, or one per channel
         * @return this builder
         */
        public Builder mean(float... mean) {
            this.mean = nonEmpty(mean, Role.MEAN);
            this.meanGiven = true;
            return this;
        }

        /**
         * Sets the per-channel standard deviation divided by after subtracting the mean.
         *
         * @param std one value for all channels, or one per channel
         * @return this builder
         */
        public Builder std(float... std) {
            this.std = nonEmpty(std, Role.STD);
            this.stdGiven = true;
            return this;
        }

        /**
         * Sets the number of input channels: 3 (default; grey images are repeated) or 1 (colour
         * images are reduced to luminance).
         *
         * @param channels 1 or 3
         * @return this builder
         */
        public Builder channels(int channels) {
            if (channels != 1 && channels != 3) {
                throw new InvalidInputException(Role.CHANNELS, "must be 1 or 3, got " + channels);
            }
            this.channels = channels;
            return this;
        }

        /**
         * Builds the preprocessing.
         *
         * @return the preprocessing
         * @throws InvalidInputException when mean/std do not fit the channel count, or are left at
         *     ImageNet's three-channel defaults for a one-channel input
         */
        public Preprocessing build() {
            if (channels == 1) {
                requireGivenForOneChannel(meanGiven, Role.MEAN);
                requireGivenForOneChannel(stdGiven, Role.STD);
            }
            return new Preprocessing(this);
        }

        private static void requireGivenForOneChannel(boolean given, Role role) {
            if (!given) {
                throw new InvalidInputException(
                        role,
                        "must be given for a 1-channel input: the default is ImageNet's, one value"
                                + " per colour channel");
            }
        }

        private static int side(int value, Role role, int min) {
            if (value < min || value > MAX_SIDE) {
                throw new InvalidInputException(
                        role,
                        "must be "
                                + min
                                + " to "
                                + MAX_SIDE
                                + " pixels"
                                + (min == 0 ? " (0: none)" : "")
                                + ", got "
                                + value);
            }
            return value;
        }

        private static float[] nonEmpty(float[] values, Role role) {
            if (values == null || values.length == 0) {
                throw new InvalidInputException(role, "needs at least one value");
            }
            return values.clone();
        }
    }
}
