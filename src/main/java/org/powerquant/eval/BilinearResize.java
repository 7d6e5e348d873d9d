package org.powerquant.eval;

/**
 * Bilinear resizing with the exact semantics of torch {@code interpolate(mode="bilinear",
 * align_corners=False, antialias=False)}: the source coordinate of output pixel {@code i} is
 * {@code (i + 0.5) * in / out - 0.5}, clamped below at 0, and the two neighbours are blended
 * linearly (the upper one clamped to the border).
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
}
