package org.powerquant.eval;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.Path;
import org.powerquant.importer.TorchScriptArchive;
import org.powerquant.importer.TorchvisionImporter;

/**
 * Where fresh float copies of a model come from: quantization works in place, so every setting of a
 * comparison starts from a new copy.
 */
public interface ModelSource {

    /**
     * Returns a short name for messages and tables.
     *
     * @return a short name for messages and tables
     */
    String name();

    /**
     * Opens a fresh float copy of the model.
     *
     * @param nativeGraph whether the copy must be a DJL-native graph (needed to quantize
     *     activations)
     * @return the model; the caller closes it
     * @throws IOException if the model cannot be read
     * @throws ModelException if it cannot be loaded, or has no DJL-native form when one is asked
     *     for
     */
    Model open(boolean nativeGraph) throws IOException, ModelException;

    /**
     * A TorchScript file: loaded as TorchScript (with {@code trainParam=true}, so that its weights
     * can be rewritten), or imported as a DJL-native torchvision ResNet when a native graph is
     * needed.
     *
     * @param file the {@code .pt} file
     * @param device where the model runs
     * @return the source
     */
    static ModelSource torchScript(Path file, Device device) {
        return new ModelSource() {
            @Override
            public String name() {
                return file.getFileName().toString();
            }

            @Override
            public Model open(boolean nativeGraph) throws IOException, ModelException {
                TorchScriptArchive.checkTorchScript(file);
                if (nativeGraph) {
                    return TorchvisionImporter.importModel(file, device);
                }
                Criteria<NDList, NDList> criteria =
                        Criteria.builder()
                                .setTypes(NDList.class, NDList.class)
                                .optModelPath(file)
                                .optEngine("PyTorch")
                                .optDevice(device)
                                .optOption("trainParam", "true")
                                .optTranslator(new NoopTranslator())
                                .build();
                return criteria.loadModel();
            }
        };
    }
}
