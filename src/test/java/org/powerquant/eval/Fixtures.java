package org.powerquant.eval;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.powerquant.data.Preprocessing;

/** Generated test data: IDX files, tiny images, and a fake classifier with known logits. */
public final class Fixtures {

    /** Grey level step used to encode an image id in its pixels (survives JPEG). */
    static final int STEP = 16;

    private Fixtures() {}

    /** The folder of the shared fixtures, from {@code -Dpowerquant.shared} or ../shared. */
    public static Path shared() {
        return Paths.get(System.getProperty("powerquant.shared", "../shared"));
    }

    /** The grey level that encodes image id {@code id} (0..15). */
    public static int level(int id) {
        return STEP * id + STEP / 2;
    }

    /** Writes a constant grey PNG or JPEG (by extension) of the given size encoding {@code id}. */
    public static void writeImage(Path file, int id, int width, int height, boolean colour)
            throws IOException {
        BufferedImage image =
                new BufferedImage(
                        width,
                        height,
                        colour ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
        int g = level(id);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (colour) {
                    image.setRGB(x, y, (g << 16) | (g << 8) | g);
                } else {
                    image.getRaster().setSample(x, y, 0, g);
                }
            }
        }
        String name = file.getFileName().toString();
        String format = name.substring(name.lastIndexOf('.') + 1);
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(image, format.equals("jpg") ? "jpeg" : format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
    }

    /** Writes an IDX unsigned-byte file with the given dimensions, gzip-compressed on request. */
    public static void writeIdx(Path file, int[] dims, byte[] data, boolean gzip)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x0800 | dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        try (OutputStream out =
                gzip
                        ? new GZIPOutputStream(Files.newOutputStream(file))
                        : Files.newOutputStream(file)) {
            out.write(bytes.toByteArray());
        }
    }

    /**
     * A model whose block decodes the image id from the mean of each input image (pixels in [0, 1],
     * no normalisation) and returns row {@code id} of {@code logits}.
     */
    static Model lookupModel(float[][] logits) {
        int width = logits[0].length;
        LambdaBlock block =
                new LambdaBlock(
                        list -> {
                            NDArray x = list.singletonOrThrow();
                            int n = (int) x.getShape().get(0);
                            float[] means = x.reshape(n, -1).mean(new int[] {1}).toFloatArray();
                            float[] out = new float[n * width];
                            for (int i = 0; i < n; i++) {
                                int id = (int) Math.floor(means[i] * 255 / STEP);
                                System.arraycopy(logits[id], 0, out, i * width, width);
                            }
                            return new NDList(x.getManager().create(out, new Shape(n, width)));
                        },
                        "lookup");
        Model model = Model.newInstance("lookup", "PyTorch");
        model.setBlock(block);
        return model;
    }

    /** Preprocessing that leaves {@code size x size} images as they are (scaled to [0, 1]). */
    public static Preprocessing identity(int size) {
        return Preprocessing.builder().imageSize(size).mean(0f).std(1f).build();
    }
}
