package org.powerquant.data;

/**
 * Bilinear resizing with the semantics of torch {@code interpolate(mode="bilinear",
 * align_corners=False)}.
 *
 * <p>Without antialiasing (torch's default) the source coordinate of output pixel {@code i} is
 * {@code (i + 0.5) * in / out - 0.5}, clamped below at 0, and the two neighbours are blended
 * linearly (the upper one clamped to the border). With antialiasing ({@code antialias=True}, what
 * torchvision's {@code Resize} uses on tensors, close to PIL, and what DJL's {@code
 * NDImageUtils.resize} does on the PyTorch engine) a downscaled axis uses a triangle filter
 * stretched by the scale factor; an upscaled axis is the same in both modes.
 */
public final class BilinearResize {

    private BilinearResize() {}

    /**
     * Resizes an image.
     *
     * @param image the source image
     * @param height the output height
     * @param width the output width
     * @return the resized image, with as many channels as the source
     */
    public static DecodedImage resize(DecodedImage image, int height, int width) {
        return resize(image, height, width, false);
    }

    /**
     * Resizes an image, optionally with torch's antialiasing.
     *
     * @param image the source image
     * @param height the output height
     * @param width the output width
     * @param antialias true for {@code antialias=True} semantics
     * @return the resized image, with as many channels as the source
     */
    public static DecodedImage resize(
            DecodedImage image, int height, int width, boolean antialias) {
        if (antialias && (height < image.height() || width < image.width())) {
            if (height < 1 || width < 1) {
                throw new IllegalArgumentException("bad resize target " + height + "x" + width);
            }
            return resizeAntialiased(image, height, width);
        }
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("bad resize target " + height + "x" + width);
        }
        int inH = image.height();
        int inW = image.width();
        if (inH == height && inW == width) {
            return image;
        }
        int[] y0 = new int[height];
        int[] y1 = new int[height];
        float[] wy = new float[height];
        axis(inH, height, y0, y1, wy);
        int[] x0 = new int[width];
        int[] x1 = new int[width];
        float[] wx = new float[width];
        axis(inW, width, x0, x1, wx);

        float[] src = image.pixels();
        float[] out = new float[image.channels() * height * width];
        for (int c = 0; c < image.channels(); c++) {
            int inBase = c * inH * inW;
            int outBase = c * height * width;
            for (int y = 0; y < height; y++) {
                int r0 = inBase + y0[y] * inW;
                int r1 = inBase + y1[y] * inW;
                float ly1 = wy[y];
                float ly0 = 1f - ly1;
                int o = outBase + y * width;
                for (int x = 0; x < width; x++) {
                    float lx1 = wx[x];
                    float lx0 = 1f - lx1;
                    out[o + x] =
                            ly0 * (lx0 * src[r0 + x0[x]] + lx1 * src[r0 + x1[x]])
                                    + ly1 * (lx0 * src[r1 + x0[x]] + lx1 * src[r1 + x1[x]]);
                }
            }
        }
        return new DecodedImage(image.channels(), height, width, out);
    }

    private static void axis(int in, int out, int[] lo, int[] hi, float[] lambda) {
        float scale = (float) in / out;
        for (int i = 0; i < out; i++) {
            float src = scale * (i + 0.5f) - 0.5f;
            if (src < 0) {
                src = 0;
            }
            int i0 = Math.min((int) src, in - 1);
            lo[i] = i0;
            hi[i] = i0 < in - 1 ? i0 + 1 : i0;
            lambda[i] = src - i0;
        }
    }

    /** Separable triangle-filter resize: width first, then height, as torch's CPU kernel. */
    private static DecodedImage resizeAntialiased(DecodedImage image, int height, int width) {
        int c = image.channels();
        int inH = image.height();
        int inW = image.width();
        float[] src = image.pixels();
        // Width pass: (c, inH, inW) -> (c, inH, width)
        Taps tx = Taps.of(inW, width);
        float[] mid = new float[c * inH * width];
        for (int row = 0; row < c * inH; row++) {
            int in = row * inW;
            int out = row * width;
            for (int x = 0; x < width; x++) {
                float sum = 0;
                float[] w = tx.weights[x];
                int s0 = in + tx.start[x];
                for (int k = 0; k < w.length; k++) {
                    sum += w[k] * src[s0 + k];
                }
                mid[out + x] = sum;
            }
        }
        // Height pass: (c, inH, width) -> (c, height, width)
        Taps ty = Taps.of(inH, height);
        float[] dst = new float[c * height * width];
        for (int ch = 0; ch < c; ch++) {
            int inBase = ch * inH * width;
            int outBase = ch * height * width;
            for (int y = 0; y < height; y++) {
                float[] w = ty.weights[y];
                int r0 = inBase + ty.start[y] * width;
                int o = outBase + y * width;
                for (int x = 0; x < width; x++) {
                    float sum = 0;
                    for (int k = 0; k < w.length; k++) {
                        sum += w[k] * mid[r0 + k * width + x];
                    }
                    dst[o + x] = sum;
                }
            }
        }
        return new DecodedImage(c, height, width, dst);
    }

    /** Per-output-pixel source ranges and normalised triangle weights (torch's aa weights). */
    private static final class Taps {
        final int[] start;
        final float[][] weights;

        private Taps(int[] start, float[][] weights) {
            this.start = start;
            this.weights = weights;
        }

        static Taps of(int in, int out) {
            float scale = (float) in / out;
            float support = scale >= 1f ? scale : 1f;
            float invScale = scale >= 1f ? 1f / scale : 1f;
            int[] start = new int[out];
            float[][] weights = new float[out][];
            for (int i = 0; i < out; i++) {
                float center = scale * (i + 0.5f);
                int xmin = Math.max((int) (center - support + 0.5f), 0);
                int xsize = Math.min((int) (center + support + 0.5f), in) - xmin;
                float[] w = new float[Math.max(xsize, 0)];
                float total = 0;
                for (int j = 0; j < w.length; j++) {
                    float x = (j + xmin - center + 0.5f) * invScale;
                    float v = Math.abs(x) < 1f ? 1f - Math.abs(x) : 0f;
                    w[j] = v;
                    total += v;
                }
                if (total != 0) {
                    for (int j = 0; j < w.length; j++) {
                        w[j] /= total;
                    }
                }
                start[i] = xmin;
                weights[i] = w;
            }
            return new Taps(start, weights);
        }
    }
}
