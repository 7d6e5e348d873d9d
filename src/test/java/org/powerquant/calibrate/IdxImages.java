package org.powerquant.calibrate;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Grey-scale images from an IDX file (the MNIST family, raw or gzip), preprocessed as torchvision
 * does for a network trained on them: scaled to {@code [0, 1]}, resized bilinearly ({@code
 * align_corners=false}, no antialiasing), normalised with one mean and standard deviation, and
 * repeated to the network's channel count. Test scope: the command line reads calibration data
 * through the eval package's data sets and preprocessing instead.
 */
final class IdxImages implements CalibrationImages {

    private final Path file;
    private final int count;
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final int size;
    private final float mean;
    private final float std;
    private final int channels;

    private IdxImages(
            Path file,
            int count,
            int rows,
            int cols,
            byte[] pixels,
            int size,
            float mean,
            float std,
            int channels) {
        this.file = file;
        this.count = count;
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.size = size;
        this.mean = mean;
        this.std = std;
        this.channels = channels;
    }

    /**
     * Reads the first images of an IDX image file.
     *
     * @param file the IDX file ({@code .gz} or raw), magic {@code 0x00000803}
     * @param limit read at most this many images (the file may hold fewer)
     * @param size the square output size in pixels
     * @param mean the normalisation mean, on the {@code [0, 1]} scale
     * @param std the normalisation standard deviation
     * @param channels how many times the grey channel is repeated
     * @return the images
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException naming the file if it is not an IDX image file
     */
    public static IdxImages open(
            Path file, int limit, int size, float mean, float std, int channels)
            throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("calibration images " + file + " do not exist");
        }
        if (limit < 0 || size < 1 || !(std > 0) || channels < 1) {
            throw new IllegalArgumentException(
                    "calibration images " + file + ": bad limit, size, std or channels");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
                InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw) : raw;
                DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            if (magic != 0x00000803) {
                throw new IllegalArgumentException(
                        "calibration images "
                                + file
                                + " are not an IDX image file (magic "
                                + Integer.toHexString(magic)
                                + ")");
            }
            int n = data.readInt();
            int r = data.readInt();
            int c = data.readInt();
            if (n < 0 || r < 1 || c < 1) {
                throw new IllegalArgumentException(
                        "calibration images " + file + " have a bad header");
            }
            int kept = Math.min(n, limit);
            byte[] pixels = new byte[Math.multiplyExact(kept, r * c)];
            data.readFully(pixels);
            return new IdxImages(file, kept, r, c, pixels, size, mean, std, channels);
        }
    }

    @Override
    public int size() {
        return count;
    }

    @Override
    public int[] imageShape() {
        return new int[] {channels, size, size};
    }

    @Override
    public float[] image(int index) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("image " + index + " of " + count);
        }
        int offset = index * rows * cols;
        float[] out = new float[channels * size * size];
        double scaleY = (double) rows / size;
        double scaleX = (double) cols / size;
        for (int y = 0; y < size; y++) {
            double sy = Math.max(0, (y + 0.5) * scaleY - 0.5);
            int y0 = Math.min((int) sy, rows - 1);
            int y1 = Math.min(y0 + 1, rows - 1);
            double wy = sy - y0;
            for (int x = 0; x < size; x++) {
                double sx = Math.max(0, (x + 0.5) * scaleX - 0.5);
                int x0 = Math.min((int) sx, cols - 1);
                int x1 = Math.min(x0 + 1, cols - 1);
                double wx = sx - x0;
                double top = pixel(offset, y0, x0) * (1 - wx) + pixel(offset, y0, x1) * wx;
                double bottom = pixel(offset, y1, x0) * (1 - wx) + pixel(offset, y1, x1) * wx;
                float value = (float) (((top * (1 - wy) + bottom * wy) / 255.0 - mean) / std);
                for (int ch = 0; ch < channels; ch++) {
                    out[(ch * size + y) * size + x] = value;
                }
            }
        }
        return out;
    }

    private int pixel(int offset, int y, int x) {
        return pixels[offset + y * cols + x] & 0xff;
    }

    @Override
    public String description() {
        return file.toString();
    }
}
