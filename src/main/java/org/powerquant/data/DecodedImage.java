package org.powerquant.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * A decoded image: pixels scaled to [0, 1], stored channel-major (C, H, W) in a float array.
 *
 * <p>Pure Java and immutable in use, so that images can be decoded and preprocessed on a thread
 * that never touches the native engine.
 */
public final class DecodedImage {

    private final int channels;
    private final int height;
    private final int width;
    private final float[] pixels;

    /**
     * Wraps channel-major pixels.
     *
     * @param channels the number of channels (1 or 3)
     * @param height the height in pixels
     * @param width the width in pixels
     * @param pixels {@code channels * height * width} values in (C, H, W) order
     */
    public DecodedImage(int channels, int height, int width, float[] pixels) {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(
                    "bad image shape (" + channels + ", " + height + ", " + width + ")");
        }
        if (pixels.length != channels * height * width) {
            throw new IllegalArgumentException(
                    "pixel count "
                            + pixels.length
                            + " does not match shape ("
                            + channels
                            + ", "
                            + height
                            + ", "
                            + width
                            + ")");
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.pixels = pixels;
    }

    /**
     * Converts an AWT image: grey-scale rasters give one channel, everything else three (RGB, alpha
     * dropped). Sample values are divided by their maximum (255 for 8-bit images).
     *
     * @param image the image as read by {@code ImageIO}
     * @return the image with pixels in [0, 1]
     */
    public static DecodedImage of(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        Raster raster = image.getRaster();
        int bands = raster.getNumBands();
        boolean grey = image.getColorModel().getColorSpace().getNumComponents() == 1;
        if (grey && bands <= 2) {
            // Read grey samples directly: getRGB would apply a gamma conversion.
            float max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            float[] out = new float[h * w];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = row[x] / max;
                }
            }
            return new DecodedImage(1, h, w, out);
        }
        float[] out = new float[3 * h * w];
        int plane = h * w;
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int i = y * w + x;
                out[i] = ((argb >> 16) & 0xff) / 255f;
                out[plane + i] = ((argb >> 8) & 0xff) / 255f;
                out[2 * plane + i] = (argb & 0xff) / 255f;
            }
        }
        return new DecodedImage(3, h, w, out);
    }

    /**
     * Returns this image with the given number of channels: grey is repeated to RGB, and RGB is
     * reduced to luminance with PIL's weights (0.299, 0.587, 0.114) as {@code convert("L")} does.
     *
     * @param target 1 or 3
     * @return an image with {@code target} channels (this one when it already has them)
     */
    public DecodedImage withChannels(int target) {
        if (target == channels) {
            return this;
        }
        int plane = height * width;
        if (channels == 1 && target == 3) {
            float[] out = new float[3 * plane];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(pixels, 0, out, c * plane, plane);
            }
            return new DecodedImage(3, height, width, out);
        }
        if (channels == 3 && target == 1) {
            float[] out = new float[plane];
            for (int i = 0; i < plane; i++) {
                out[i] =
                        0.299f * pixels[i]
                                + 0.587f * pixels[plane + i]
                                + 0.114f * pixels[2 * plane + i];
            }
            return new DecodedImage(1, height, width, out);
        }
        throw new IllegalArgumentException("cannot convert " + channels + " channels to " + target);
    }

    /**
     * Returns the number of channels.
     *
     * @return the number of channels
     */
    public int channels() {
        return channels;
    }

    /**
     * Returns the height.
     *
     * @return the height in pixels
     */
    public int height() {
        return height;
    }

    /**
     * Returns the width.
     *
     * @return the width in pixels
     */
    public int width() {
        return width;
    }

    /**
     * Returns the pixels in (C, H, W) order; the array is shared, not copied.
     *
     * @return the pixel array
     */
    public float[] pixels() {
        return pixels;
    }
}
