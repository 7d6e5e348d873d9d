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

    /** The {@code serving.properties} key that names a model's block factory. */
    static final String PROPERTY = "blockFactory";

    /** Creates the factory (DJL instantiates it by name). */
    public ArtifactBlockFactory() {}

    /**
     * {@inheritDoc}
     *
     * <p>DJL also calls a factory it was not asked for: loading any model whose directory holds a
     * jar (or a {@code classes} folder) that contains this class, such as a TorchScript file kept
     * beside {@code powerquant-cli.jar}, it scans them for a {@code BlockFactory} and calls the
     * first it finds. Such a directory is not an artifact, and no {@code serving.properties} named
     * this factory, so it returns null and DJL loads the model as it would without the plugin. A
     * directory whose {@code serving.properties} names this factory must be an artifact, and is
     * refused otherwise.
     *
     * @return the artifact's block, or null for a directory that is neither an artifact nor
     *     declares itself one
     */
    @Override
    public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments)
            throws IOException {
        if (!arguments.containsKey(PROPERTY) && !QuantizedArtifact.isArtifact(modelPath)) {
            return null;
        }
        try {
            return QuantizedArtifact.loadBlock(model, modelPath);
        } catch (IOException | RuntimeException e) {
            model.close(); // DJL's loader drops the model when the factory fails
            throw e;
        }
    }
}
