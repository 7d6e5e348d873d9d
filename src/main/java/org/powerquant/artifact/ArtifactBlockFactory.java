package org.powerquant.artifact;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * DJL's extension point for an artifact: every artifact's {@code serving.properties} names this
 * class as its {@code blockFactory}, so plain DJL loads the directory with
 *
 * <pre>{@code
 * ZooModel<NDList, NDList> model = Criteria.builder()
 *         .setTypes(NDList.class, NDList.class)
 *         .optModelPath(artifactDirectory)
 *         .build()
 *         .loadModel();
 * }</pre>
 *
 * DJL's model loader reads {@code serving.properties}, creates this factory by name and asks it for
 * the block; the factory returns it with its parameters and activation quantizers already in place
 * ({@code option.hasParameter=false} tells DJL not to look for a {@code .params} file).
 */
public final class ArtifactBlockFactory implements BlockFactory {

    private static final long serialVersionUID = 1L;

    /** Creates the factory (DJL instantiates it by name). */
    public ArtifactBlockFactory() {}

    /** {@inheritDoc} */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments)
            throws IOException {
        try {
            return QuantizedArtifact.loadBlock(model, modelPath);
        } catch (IOException | RuntimeException e) {
            model.close(); // DJL's loader drops the model when the factory fails
            throw e;
        }
    }
}
