package org.powerquant.importer;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Path;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.EngineDevices;

/**
 * Imports a TorchScript torchvision network as DJL-native blocks, choosing the importer by the
 * archive's root class: {@link ResNetImporter} for {@code ResNet}, {@link MobileNetV2Importer} for
 * {@code MobileNetV2}.
 */
public final class TorchvisionImporter {

    private TorchvisionImporter() {}

    /**
     * Reads a TorchScript torchvision ResNet or MobileNetV2 and returns an equivalent DJL model on
     * the PyTorch engine, its block a {@link ConvNetwork} initialised with the archive's weights.
     * Equivalent is checked: the file's own TorchScript forward and the imported network must agree
     * on a probe image ({@link ForwardCheck}), so that a network whose {@code forward} was changed
     * before tracing is refused rather than quantized as torchvision's.
     *
     * @param file the TorchScript {@code .pt} file; not modified
     * @param device the device of the model's parameters
     * @return a new model; the caller closes it
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if the file is not a readable TorchScript archive
     * @throws UnsupportedModelException if the archive is neither network, or its forward computes
     *     something else than the imported network
     * @throws org.powerquant.InvalidInputException (role device) if the device is a GPU the engine
     *     does not see
     */
    public static Model importModel(Path file, Device device)
            throws IOException, MalformedModelException, UnsupportedModelException {
        EngineDevices.requireAvailable(device);
        return importModel(
                file,
                device,
                (archive, manager) -> {
                    ConvNetwork net = importBlock(archive, manager);
                    // an archive without code (written by hand, not by torch.jit.save) has no
                    // forward of its own to compare with
                    if (archive.getSource(archive.getModules().get("")).isPresent()) {
                        ForwardCheck.check(archive, net, manager, device);
                    }
                    return net;
                });
    }

    /** What builds a network from an archive. */
    @FunctionalInterface
    interface ArchiveImporter {
        Block importBlock(TorchScriptArchive archive, NDManager manager)
                throws UnsupportedModelException, IOException;
    }

    static Model importModel(Path file, Device device, ArchiveImporter importer)
            throws IOException, MalformedModelException, UnsupportedModelException {
        TorchScriptArchive archive = TorchScriptArchive.read(file);
        String name = file.getFileName().toString().replaceFirst("\\.[^.]*$", "");
        Model model = Model.newInstance(name, device, "PyTorch");
        try {
            model.setBlock(importer.importBlock(archive, model.getNDManager()));
            return model;
        } catch (UnsupportedModelException | IOException | RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Builds the DJL-native network equivalent to an archive and loads its tensors.
     *
     * @param archive the archive
     * @param manager the manager that will own the parameters
     * @return the initialised network
     * @throws UnsupportedModelException if the archive is neither a torchvision ResNet nor a
     *     MobileNetV2
     */
    public static ConvNetwork importBlock(TorchScriptArchive archive, NDManager manager)
            throws UnsupportedModelException {
        String root = archive.getModules().get("").className();
        if (MobileNetV2Importer.ROOT_CLASS.equals(root)) {
            return MobileNetV2Importer.importBlock(archive, manager);
        }
        if (!ResNetImporter.ROOT_CLASS.equals(root)) {
            throw new UnsupportedModelException(
                    archive.getFile()
                            + ": neither a torchvision ResNet nor a torchvision MobileNetV2 (root"
                            + " module is "
                            + root
                            + ")"
                            + ResNetImporter.ADVICE);
        }
        return ResNetImporter.importBlock(archive, manager);
    }
}
