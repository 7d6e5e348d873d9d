package org.powerquant;

import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.powerquant.io.AtomicFiles;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationReport;
import org.powerquant.transform.TorchScriptWeights;

/**
 * One-call entry points: load and quantize a model, quantize a loaded one, save the result.
 *
 * <pre>{@code
 * Criteria<Image, Classifications> criteria = Criteria.builder()
 *         .setTypes(Image.class, Classifications.class)
 *         .optGroupId("ai.djl.pytorch").optArtifactId("resnet").optFilter("layers", "50")
 *         .build();
 * try (QuantizedModel<Image, Classifications> q =
 *         PowerQuant.loadQuantized(criteria, PowerQuantTransform.builder().weightBits(4).build())) {
 *     System.out.println(q.report().toTable());
 *     PowerQuant.save(q.model(), Path.of("resnet50-w4.pt"));
 * }
 * }</pre>
 */
public final class PowerQuant {

    private PowerQuant() {}

    /**
     * Loads any DJL model and quantizes it. For the PyTorch engine, the option {@code trainParam=true} is added: the
     * default loading makes inference tensors that refuse in-place writes.
     *
     * @param criteria what to load (a zoo artifact online, or {@code optModelPath} to a local file offline)
     * @param transform the quantization
     * @param <I> the input type
     * @param <O> the output type
     * @return the quantized model and its report
     * @throws ModelException if the model cannot be found or loaded
     * @throws IOException if the model cannot be read
     */
    public static <I, O> QuantizedModel<I, O> loadQuantized(Criteria<I, O> criteria, PowerQuantTransform transform)
            throws ModelException, IOException {
        Criteria<I, O> writable = criteria.toBuilder().optOption("trainParam", "true").build();
        ZooModel<I, O> model = writable.loadModel();
        try {
            return new QuantizedModel<>(model, transform.apply(model));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Quantizes a loaded model in place.
     *
     * @param model the model
     * @param transform the quantization
     * @return the report
     */
    public static QuantizationReport quantize(Model model, PowerQuantTransform transform) {
        return transform.apply(model);
    }

    /**
     * Saves a (quantized) model. A TorchScript model is written as one {@code .pt} file that loads in DJL and in
     * PyTorch; a DJL-native model is written with {@link Model#save(Path, String)} into the directory {@code target}
     * as {@code <model name>-0000.params}. Either way the files appear atomically.
     *
     * @param model the model
     * @param target the {@code .pt} file (TorchScript) or the directory (DJL-native)
     * @throws IOException if it cannot be written
     */
    public static void save(Model model, Path target) throws IOException {
        Block block = model.getBlock();
        if (block instanceof PtSymbolBlock torchScript) {
            TorchScriptWeights.save(torchScript, target);
            return;
        }
        Path directory = target.toAbsolutePath();
        Files.createDirectories(directory);
        Path temp = Files.createTempDirectory(directory, ".save-");
        try {
            model.save(temp, model.getName());
            try (Stream<Path> files = Files.list(temp)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    AtomicFiles.moveAtomically(file, directory.resolve(file.getFileName()));
                }
            }
        } finally {
            try (Stream<Path> leftovers = Files.list(temp)) {
                for (Path file : (Iterable<Path>) leftovers::iterator) {
                    Files.deleteIfExists(file);
                }
            }
            Files.deleteIfExists(temp);
        }
    }
}
