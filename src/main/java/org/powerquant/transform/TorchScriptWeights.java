package org.powerquant.transform;

import ai.djl.nn.Parameter;
import ai.djl.nn.SymbolBlock;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.powerquant.io.AtomicFiles;

/**
 * The weights of a TorchScript model ({@link PtSymbolBlock}) by name and shape, and writing the
 * model back as a {@code .pt} file.
 *
 * <p>A TorchScript module is opaque to DJL: its parameters are known only by their dotted names.
 * The quantizable ones are those named {@code *.weight} of rank 2 (dense) or rank 3 to 5
 * (convolutions); batch-norm scales are rank 1 and biases are never quantized. A transposed
 * convolution cannot be told from a convolution by name and shape; its weight is scaled along its
 * first dimension like every other.
 */
public final class TorchScriptWeights {

    private TorchScriptWeights() {}

    /**
     * Lists the quantizable weights of a TorchScript block.
     *
     * @param block the block
     * @return the weights in the module's parameter order
     */
    public static List<WeightSite> sites(SymbolBlock block) {
        List<WeightSite> sites = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : block.getParameters().toMap().entrySet()) {
            String name = entry.getKey();
            Parameter parameter = entry.getValue();
            if (!name.equals("weight") && !name.endsWith(".weight")) {
                continue;
            }
            int rank = parameter.getArray().getShape().dimension();
            if (rank == 2) {
                sites.add(new WeightSite(name, LayerKind.DENSE, parameter));
            } else if (rank >= 3 && rank <= 5) {
                sites.add(new WeightSite(name, LayerKind.CONV, parameter));
            }
        }
        return sites;
    }

    /**
     * Writes a TorchScript block as a {@code .pt} file that loads in DJL and in PyTorch,
     * atomically: to a temporary file beside the target, then renamed over it.
     *
     * @param block the block
     * @param target the file to write
     * @throws IOException if the file cannot be written
     */
    public static void save(PtSymbolBlock block, Path target) throws IOException {
        AtomicFiles.write(target, out -> JniUtils.writeModule(block, out, false));
    }
}
