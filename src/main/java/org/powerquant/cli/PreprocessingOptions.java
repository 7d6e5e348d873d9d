package org.powerquant.cli;

import java.util.ArrayList;
import java.util.List;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.data.Preprocessing;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * How images become the network's input, shared by {@code quantize} (calibration images), {@code
 * evaluate} and {@code compare}: one {@link Preprocessing}, so calibration images are preprocessed
 * exactly as evaluation images.
 */
final class PreprocessingOptions {

    @Option(
            names = "--resize-short",
            paramLabel = "S",
            description = "Resize the shorter side to S (default 256 with the ImageNet defaults).")
    Integer resizeShort;

    @Option(
            names = "--center-crop",
            paramLabel = "S",
            description =
                    "Crop the centre S x S (default 224 with the ImageNet defaults); the network's input"
                            + " size.")
    Integer centerCrop;

    @Option(
            names = "--image-size",
            paramLabel = "S",
            description = "Resize to S x S instead (no crop); the network's input size.")
    Integer imageSize;

    @Option(
            names = "--mean",
            paramLabel = "M",
            split = ",",
            description =
                    "Normalisation mean, one value or one per channel (default ImageNet's:"
                            + " 0.485,0.456,0.406).")
    List<Float> mean;

    @Option(
            names = "--std",
            paramLabel = "S",
            split = ",",
            description =
                    "Normalisation standard deviation, one value or one per channel (default ImageNet's:"
                            + " 0.229,0.224,0.225).")
    List<Float> std;

    @Option(
            names = "--channels",
            paramLabel = "C",
            defaultValue = "3",
            description = "3 (grey images repeated) or 1. Default: ${DEFAULT-VALUE}.")
    int channels;

    @Option(
            names = "--antialias",
            description =
                    "Antialias when shrinking (as PIL and torchvision's Resize on images do); off by default,"
                            + " as torch interpolate.")
    boolean antialias;

    /**
     * @return the preprocessing, ImageNet's for every step not given
     * @throws InvalidInputException naming the step at fault
     */
    Preprocessing preprocessing() {
        if (imageSize != null && (resizeShort != null || centerCrop != null)) {
            throw new InvalidInputException(
                    Role.IMAGE_SIZE, "cannot be combined with --resize-short or --center-crop");
        }
        side(resizeShort, Role.RESIZE_SHORT);
        side(centerCrop, Role.CENTER_CROP);
        Preprocessing.Builder builder =
                Preprocessing.builder().channels(channels).antialias(antialias);
        if (imageSize != null) {
            builder.imageSize(imageSize);
        } else {
            if (resizeShort != null) {
                builder.resizeShort(resizeShort);
            }
            if (centerCrop != null) {
                builder.centerCrop(centerCrop);
            }
        }
        if (mean != null) {
            builder.mean(floats(mean, Role.MEAN));
        }
        if (std != null) {
            builder.std(floats(std, Role.STD));
        }
        return builder.build();
    }

    /**
     * Returns the flags that give a preprocessing, as {@code inspect} shows a recorded one: given
     * back to a command, they make the same preprocessing. The channel count is given only when it
     * is not the default 3, a mean or standard deviation once when every channel has the same.
     *
     * @param p the preprocessing
     * @return the flags, and in words a step no flag gives (no resize at all)
     */
    static String flags(Preprocessing p) {
        List<String> parts = new ArrayList<>();
        if (p.imageSize() > 0) {
            parts.add("--image-size " + p.imageSize());
        } else {
            if (p.resizeShort() > 0) {
                parts.add("--resize-short " + p.resizeShort());
            }
            if (p.centerCrop() > 0) {
                parts.add("--center-crop " + p.centerCrop());
            }
        }
        parts.add("--mean " + values(p.mean()));
        parts.add("--std " + values(p.std()));
        if (p.channels() != 3) {
            parts.add("--channels " + p.channels());
        }
        if (p.antialias()) {
            parts.add("--antialias");
        }
        String flags = String.join(" ", parts);
        return p.imageSize() == 0 && p.resizeShort() == 0 && p.centerCrop() == 0
                ? flags + " (images are not resized: no flag gives that)"
                : flags;
    }

    /** One value if every channel has it, else every channel's, comma-separated. */
    private static String values(float[] v) {
        boolean same = true;
        for (float x : v) {
            same &= Float.compare(x, v[0]) == 0;
        }
        if (same) {
            return Float.toString(v[0]);
        }
        List<String> out = new ArrayList<>();
        for (float x : v) {
            out.add(Float.toString(x));
        }
        return String.join(",", out);
    }

    /**
     * Returns whether the network's input size was given ({@code --image-size} or {@code
     * --center-crop}), rather than taken from the ImageNet defaults.
     *
     * @return whether the network's input size was given ({@code --image-size} or {@code
     *     --center-crop}), rather than taken from the ImageNet defaults
     */
    boolean sizeGiven() {
        return imageSize != null || centerCrop != null;
    }

    /** Whether the size and the normalisation were all given on the command line. */
    boolean normalisationGiven() {
        return (sizeGiven() || resizeShort != null) && mean != null && std != null;
    }

    /**
     * Refuses a side outside 1 to {@link Preprocessing#MAX_SIDE} in the flag's terms: 0, which the
     * library takes as "no such step", is no value a flag can give.
     */
    private static void side(Integer value, Role role) {
        if (value != null && (value < 1 || value > Preprocessing.MAX_SIDE)) {
            throw new InvalidInputException(
                    role, "must be 1 to " + Preprocessing.MAX_SIDE + " pixels, got " + value);
        }
    }

    private static float[] floats(List<Float> values, Role role) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            if (values.get(i) == null) {
                throw new InvalidInputException(role, "has an empty value");
            }
            out[i] = values.get(i);
        }
        return out;
    }

    /**
     * Takes every preprocessing step no flag on the command line sets from a model's recorded
     * preprocessing (an artifact's manifest): explicit flags override it.
     */
    void useRecordedPreprocessing(Preprocessing recorded, CommandLine.ParseResult parsed) {
        if (imageSize == null && resizeShort == null && centerCrop == null) {
            if (recorded.imageSize() > 0) {
                imageSize = recorded.imageSize();
            } else {
                resizeShort = recorded.resizeShort() > 0 ? recorded.resizeShort() : null;
                centerCrop = recorded.centerCrop() > 0 ? recorded.centerCrop() : null;
            }
        }
        if (!parsed.hasMatchedOption("--channels")) {
            channels = recorded.channels();
        } else if (channels != recorded.channels()
                && ((mean == null && recorded.mean().length > 1)
                        || (std == null && recorded.std().length > 1))) {
            throw new InvalidInputException(
                    Role.CHANNELS,
                    channels
                            + " does not fit the artifact's recorded normalisation, one mean and"
                            + " standard deviation for each of its "
                            + recorded.channels()
                            + " channels: give --mean and --std for "
                            + channels);
        }
        if (mean == null) {
            mean = boxed(recorded.mean());
        }
        if (std == null) {
            std = boxed(recorded.std());
        }
        if (!parsed.hasMatchedOption("--antialias")) {
            antialias = recorded.antialias();
        }
    }

    private static List<Float> boxed(float[] values) {
        List<Float> out = new java.util.ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
