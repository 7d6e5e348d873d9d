package org.powerquant.importer;

import ai.djl.Device;
import ai.djl.ModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;

/**
 * Checks that an imported network computes what its TorchScript file computes: both run on one
 * probe image (seeded normal values, {@value #PROBE_SIZE}x{@value #PROBE_SIZE}, the channels of the
 * network's first convolution) and their outputs must agree to {@value #TOLERANCE} of the largest
 * output. The importers read the archive's modules and the hyper-parameters its code records, not
 * its {@code forward}: a torchvision ResNet whose {@code forward} was changed before tracing (an
 * input normalisation moved inside, a layer skipped) has the same modules and computes something
 * else, and without this check would be quantized as torchvision's network, silently wrong.
 */
final class ForwardCheck {

    /** The probe image's height and width: every torchvision ResNet and MobileNetV2 takes it. */
    static final int PROBE_SIZE = 64;

    /** The largest output difference allowed, relative to the largest output (at least 1). */
    static final float TOLERANCE = 1e-3f;

    private ForwardCheck() {}

    /**
     * Runs the file's TorchScript forward and the imported network on the probe and compares.
     *
     * @param archive the archive the network was imported from
     * @param imported the imported, initialised network (not yet transformed)
     * @param manager a manager of the imported network's engine and device
     * @param device where the TorchScript model runs
     * @throws UnsupportedModelException naming the file if the outputs differ, or if the file's own
     *     forward cannot run on the probe
     * @throws IOException if the file cannot be read
     */
    static void check(TorchScriptArchive archive, Block imported, NDManager manager, Device device)
            throws UnsupportedModelException, IOException {
        Path file = archive.getFile();
        long channels = firstConvolutionInputs(imported);
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(file)
                        .optEngine("PyTorch")
                        .optDevice(device)
                        .optTranslator(new NoopTranslator())
                        .build();
        try (NDManager scope = manager.newSubManager();
                ZooModel<NDList, NDList> torchScript = criteria.loadModel()) {
            NDArray probe = probe(scope, channels);
            NDArray expected;
            try {
                expected =
                        torchScript
                                .getBlock()
                                .forward(new ParameterStore(scope, false), new NDList(probe), false)
                                .singletonOrThrow();
            } catch (RuntimeException e) {
                throw new UnsupportedModelException(
                        file
                                + ": its TorchScript forward does not run on a "
                                + new Shape(1, channels, PROBE_SIZE, PROBE_SIZE)
                                + " probe image, so its import cannot be checked ("
                                + firstLine(e)
                                + ")"
                                + ResNetImporter.ADVICE);
            }
            NDArray actual =
                    imported.forward(new ParameterStore(scope, false), new NDList(probe), false)
                            .singletonOrThrow();
            if (!expected.getShape().equals(actual.getShape())) {
                throw mismatch(
                        file,
                        "gives outputs of shape "
                                + expected.getShape()
                                + ", torchvision's network with its modules "
                                + actual.getShape());
            }
            float difference = expected.sub(actual).abs().max().getFloat();
            float largest = expected.abs().max().getFloat();
            if (!(difference <= TOLERANCE * Math.max(1f, largest))) {
                throw mismatch(
                        file,
                        String.format(
                                Locale.ROOT,
                                "differs from torchvision's network with the same weights by up to"
                                        + " %.4g on a probe image (largest output %.4g)",
                                difference,
                                largest));
            }
        } catch (ModelException e) {
            if (e instanceof UnsupportedModelException u) {
                throw u;
            }
            throw new UnsupportedModelException(
                    file
                            + ": cannot be run as TorchScript to check its import ("
                            + firstLine(e)
                            + ")");
        }
    }

    private static UnsupportedModelException mismatch(Path file, String found) {
        return new UnsupportedModelException(
                file
                        + ": its TorchScript forward "
                        + found
                        + ": it is not the torchvision network its modules describe (was its"
                        + " forward changed?)"
                        + ResNetImporter.ADVICE);
    }

    /** The seeded probe: normal values, as a normalised image has. */
    private static NDArray probe(NDManager manager, long channels) {
        int n = Math.toIntExact(channels * PROBE_SIZE * PROBE_SIZE);
        float[] values = new float[n];
        Random random = new Random(0x5EED);
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(1, channels, PROBE_SIZE, PROBE_SIZE));
    }

    private static long firstConvolutionInputs(Block network) {
        for (var p : network.getParameters()) {
            Shape shape = p.getValue().getArray().getShape();
            if (shape.dimension() == 4) {
                return shape.get(1);
            }
        }
        throw new IllegalStateException("the imported network has no convolution");
    }

    private static String firstLine(Exception e) {
        String message = String.valueOf(e.getMessage()).strip();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline).strip();
    }
}
