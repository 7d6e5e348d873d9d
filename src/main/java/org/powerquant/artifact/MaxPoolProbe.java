package org.powerquant.artifact;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The settings of a DJL {@code maxPool2d} lambda ({@link Pool#maxPool2dBlock}), which DJL does not
 * expose, found by probing: the block runs on a random tensor of its recorded input shape and its
 * output is compared, bit for bit, with {@link Pool#maxPool2d} under every square setting with a
 * kernel of 1 to 7, a stride of 1 to 3, a padding of at most half the kernel, and both rounding
 * modes. Exactly one setting must match (on random data, settings that differ give different
 * outputs); otherwise the block is refused. DJL's zoo {@code ResNetV1} for images of 64 pixels or
 * more has one (kernel 3, stride 2, padding 1).
 */
final class MaxPoolProbe {

    /** The name DJL gives a max-pooling lambda. */
    static final String NAME = "maxPool2d";

    private static final long SEED = 20_261_201L;

    private MaxPoolProbe() {}

    /**
     * Describes a max-pooling lambda by the one setting that reproduces it.
     *
     * @param block the lambda, initialised (its input shape recorded)
     * @param path its position, for messages
     * @return {@code kernel}, {@code stride}, {@code padding} (one side each), {@code ceilMode}
     * @throws IllegalArgumentException naming the position if no setting, or more than one,
     *     reproduces it
     */
    static JsonObject describe(LambdaBlock block, String path) {
        Shape[] input;
        try {
            input = block.getInputShapes();
        } catch (IllegalStateException e) {
            input = null;
        }
        if (input == null || input.length != 1 || input[0].dimension() != 4) {
            throw new IllegalArgumentException(
                    "layer " + path + ": a maxPool2d must be initialised to be described");
        }
        List<int[]> matches = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            Shape shape = input[0];
            Random random = new Random(SEED);
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            NDArray x = manager.create(values, shape);
            NDArray out =
                    block.forward(new ParameterStore(manager, false), new NDList(x), false)
                            .singletonOrThrow();
            float[] expected = out.toFloatArray();
            for (int k = 1; k <= 7; k++) {
                for (int s = 1; s <= 3; s++) {
                    for (int p = 0; p <= k / 2; p++) {
                        for (int ceil = 0; ceil < 2; ceil++) {
                            NDArray candidate =
                                    Pool.maxPool2d(
                                            x,
                                            new Shape(k, k),
                                            new Shape(s, s),
                                            new Shape(p, p),
                                            ceil == 1);
                            if (candidate.getShape().equals(out.getShape())
                                    && Arrays.equals(candidate.toFloatArray(), expected)) {
                                matches.add(new int[] {k, s, p, ceil});
                            }
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "layer " + path + ": the maxPool2d could not be probed: " + e.getMessage(), e);
        }
        if (matches.size() != 1) {
            throw new IllegalArgumentException(
                    "layer "
                            + path
                            + ": the maxPool2d's settings cannot be told ("
                            + matches.size()
                            + " square settings reproduce it)");
        }
        int[] m = matches.get(0);
        JsonObject o = new JsonObject();
        o.addProperty("type", NAME);
        o.addProperty("kernel", m[0]);
        o.addProperty("stride", m[1]);
        o.addProperty("padding", m[2]);
        o.addProperty("ceilMode", m[3] == 1);
        return o;
    }

    /**
     * Rebuilds the lambda a description stands for.
     *
     * @param kernel the kernel side
     * @param stride the stride
     * @param padding the padding on each side
     * @param ceilMode whether output sizes round up
     * @return DJL's max-pooling block with these settings
     */
    static Block build(int kernel, int stride, int padding, boolean ceilMode) {
        return Pool.maxPool2dBlock(
                new Shape(kernel, kernel),
                new Shape(stride, stride),
                new Shape(padding, padding),
                ceilMode);
    }
}
