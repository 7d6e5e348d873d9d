package org.powerquant.importer;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import java.util.Arrays;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the importers check of a TorchScript archive against the DJL blocks they build: tensor names
 * and shapes, and the hyper-parameters a traced model's code records for its convolutions and batch
 * norms.
 */
final class TracedModules {

    static final String INTS = "(\\[\\d+(?:, \\d+)*\\])";

    /**
     * {@code torch._convolution(x, w, b, stride, padding, dilation, False, [0, 0], groups, ...}.
     */
    static final Pattern TRACED_CONV =
            Pattern.compile(
                    "torch\\._convolution\\(\\w+, \\w+, \\w+, "
                            + INTS
                            + ", "
                            + INTS
                            + ", "
                            + INTS
                            + ", False, \\[0, 0\\], (\\d+),");

    /** {@code torch.batch_norm(x, w, b, mean, var, training, momentum, eps, cudnn)}. */
    static final Pattern TRACED_BATCH_NORM =
            Pattern.compile(
                    "torch\\.batch_norm\\((?:\\w+, ){5}(?:False|True), [^,]+, ([^,]+), (?:False|True)\\)");

    private TracedModules() {}

    /** The hyper-parameters a traced convolution's code holds, as text. */
    static String convFound(Matcher m) {
        return "stride "
                + m.group(1)
                + ", padding "
                + m.group(2)
                + ", dilation "
                + m.group(3)
                + ", groups "
                + m.group(4);
    }

    /** The hyper-parameters of a DJL convolution, as {@link #convFound} writes them. */
    static String convExpected(Conv2d conv) {
        return "stride "
                + list(conv.getStride())
                + ", padding "
                + list(conv.getPadding())
                + ", dilation [1, 1], groups "
                + conv.getGroups();
    }

    /**
     * Returns the epsilon a traced batch norm's code holds, as text, if it is not PyTorch's default
     * 1e-5; null if it is or the code does not say.
     */
    static String batchNormMismatch(String source) {
        Matcher m = TRACED_BATCH_NORM.matcher(source);
        if (!m.find()) {
            return null;
        }
        double eps = Double.parseDouble(m.group(1));
        return Math.abs(eps - 1e-5) <= 1e-12 ? null : "epsilon " + eps;
    }

    /**
     * Checks that the archive has exactly the given parameters (besides {@code
     * num_batches_tracked}), each with its shape.
     */
    static void checkTensors(
            TorchScriptArchive archive,
            Map<String, Parameter> parameters,
            BiFunction<TorchScriptArchive, String, UnsupportedModelException> unsupported)
            throws UnsupportedModelException {
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            TorchTensor t = archive.getTensors().get(e.getKey());
            Shape expected = e.getValue().getArray().getShape();
            if (t == null) {
                throw unsupported.apply(archive, "no tensor " + e.getKey());
            }
            if (!t.getShape().equals(expected)) {
                throw unsupported.apply(
                        archive,
                        e.getKey()
                                + " has shape "
                                + t.getShape()
                                + ", torchvision's would be "
                                + expected);
            }
        }
        for (String name : archive.getTensors().keySet()) {
            if (!parameters.containsKey(name) && !name.endsWith(".num_batches_tracked")) {
                throw unsupported.apply(archive, "unexpected tensor " + name);
            }
        }
    }

    private static String list(Shape shape) {
        return Arrays.toString(shape.getShape());
    }
}
