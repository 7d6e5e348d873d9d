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

    /** What a traced module's code records, against what torchvision's code would record. */
    record Mismatch(String found, String expected) {}

    /** A network's own check of one traced module, beyond convolutions and batch norms. */
    @FunctionalInterface
    interface ModuleCheck {
        /**
         * Returns the mismatch, or null if the module agrees or is not this check's concern.
         *
         * @return the mismatch, or null if the module agrees or is not this check's concern
         */
        Mismatch check(String moduleName, ai.djl.nn.Block block, String source);
    }

    /**
     * Checks the hyper-parameters every traced module's code records against the block built for
     * it: stride, padding, dilation and groups of convolutions, batch-norm epsilon, and whatever
     * {@code networkCheck} adds.
     */
    static void checkTracedCode(
            TorchScriptArchive archive,
            ai.djl.nn.Block net,
            ModuleCheck networkCheck,
            BiFunction<TorchScriptArchive, String, UnsupportedModelException> unsupported)
            throws UnsupportedModelException {
        Map<String, ai.djl.nn.Block> blocks = org.powerquant.nn.TorchNames.blocks(net);
        for (TorchModule module : archive.getModules().values()) {
            ai.djl.nn.Block block = blocks.get(module.name());
            java.util.Optional<String> source = archive.getSource(module);
            if (block == null || source.isEmpty()) {
                continue;
            }
            Mismatch mismatch = null;
            if (block instanceof Conv2d conv) {
                Matcher m = TRACED_CONV.matcher(source.get());
                if (m.find()) {
                    mismatch = new Mismatch(convFound(m), convExpected(conv));
                }
            } else if (block instanceof ai.djl.nn.norm.BatchNorm) {
                String found = batchNormMismatch(source.get());
                mismatch = found == null ? null : new Mismatch(found, "epsilon 1.0E-5");
            } else {
                mismatch = networkCheck.check(module.name(), block, source.get());
            }
            if (mismatch != null && !mismatch.found().equals(mismatch.expected())) {
                throw unsupported.apply(
                        archive,
                        module.name()
                                + " has "
                                + mismatch.found()
                                + " in its TorchScript code, torchvision's "
                                + mismatch.expected());
            }
        }
    }

    private static String list(Shape shape) {
        return Arrays.toString(shape.getShape());
    }
}
