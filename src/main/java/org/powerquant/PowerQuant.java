package org.powerquant;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ModelException;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.repository.SimpleRepository;
import ai.djl.repository.zoo.BaseModelLoader;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.DefaultModelZoo;
import ai.djl.repository.zoo.ModelLoader;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.powerquant.artifact.ArtifactException;
import org.powerquant.artifact.QuantizedArtifact;
import org.powerquant.data.Preprocessing;
import org.powerquant.importer.TorchScriptArchive;
import org.powerquant.importer.TorchvisionImporter;
import org.powerquant.io.AtomicFiles;
import org.powerquant.io.TemporarySiblings;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.EngineDevices;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.ActivationGrid;
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

    /** Suffix of the JSON sidecar that holds a saved DJL-native model's activation grids. */
    public static final String ACTIVATIONS_SUFFIX = "-activations.json";

    private PowerQuant() {}

    /**
     * Loads any DJL model and quantizes it. For the PyTorch engine, the option {@code
     * trainParam=true} is added: the default loading makes inference tensors that refuse in-place
     * writes.
     *
     * <p>When the transform asks for activation bits, the model file (a TorchScript torchvision
     * ResNet) is imported as DJL-native blocks ({@link TorchvisionImporter}) with the criteria's
     * translator, and those are quantized: the returned model's block is a {@link
     * org.powerquant.nn.TorchvisionResNet} with folded batch norms and activation quantizers. A
     * DJL-native model (e.g. DJL's zoo {@code ResNetV1} loaded through its {@code
     * ResnetBlockFactory}) is not imported: its block is rewritten into a {@link
     * org.powerquant.nn.HookableNetwork} by {@link PowerQuantTransform#apply(Model)}.
     *
     * <p>A criteria whose model path is a local file, or a folder holding the {@code .pt} file
     * DJL's PyTorch engine would load, has that file checked before the engine sees it: a file
     * {@code torch.save} wrote (a {@code state_dict} or a pickled module) or one that is no zip at
     * all is refused naming it ({@link TorchScriptArchive#checkTorchScript}), where the engine
     * would say "PytorchStreamReader failed locating file constants.pkl" and leave its model open.
     * Other criteria (a model zoo, a block factory, a given block) are loaded as DJL loads them.
     *
     * @param criteria what to load (a zoo artifact online, or {@code optModelPath} to a local file
     *     offline)
     * @param transform the quantization
     * @param <I> the input type
     * @param <O> the output type
     * @return the quantized model and its report
     * @throws ModelException if the model cannot be found or loaded; a {@link
     *     MalformedModelException} naming the file if the criteria's local model file is not
     *     TorchScript
     * @throws IOException if the model cannot be read
     * @throws InvalidInputException if the model is a quantized artifact (see {@link #load(Path)}),
     *     or (role device) if the criteria's device is a GPU the engine does not see
     */
    public static <I, O> QuantizedModel<I, O> loadQuantized(
            Criteria<I, O> criteria, PowerQuantTransform transform)
            throws ModelException, IOException {
        EngineDevices.requireAvailable(criteria.getDevice());
        Path location = localModelLocation(criteria);
        if (location != null && QuantizedArtifact.isArtifact(location)) {
            // refused before the engine reads it: an artifact's parameters are not loaded only to
            // be refused, and a damaged one is not reported as damaged when it was the wrong input
            throw alreadyQuantized(location);
        }
        Path local = localTorchScriptFile(criteria);
        if (local != null) {
            checkTorchScript(local);
        }
        Criteria<I, O> writable = criteria.toBuilder().optOption("trainParam", "true").build();
        ZooModel<I, O> model = writable.loadModel();
        if (QuantizedArtifact.isArtifact(model.getModelPath())) {
            model.close();
            throw alreadyQuantized(model.getModelPath());
        }
        if (transform.needsNativeGraph() && model.getBlock() instanceof ai.djl.nn.SymbolBlock) {
            ZooModel<I, O> imported;
            try (ZooModel<I, O> torchScript = model) {
                // the file the engine loaded: a folder may hold other .pt files
                Path file = local != null ? local : torchScriptFile(torchScript);
                Model importedModel =
                        TorchvisionImporter.importModel(
                                file, torchScript.getNDManager().getDevice());
                imported = new ZooModel<>(importedModel, torchScript.getTranslator());
            }
            model = imported;
        }
        try {
            return new QuantizedModel<>(model, transform.apply(model));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Imports a TorchScript torchvision ResNet or MobileNetV2 as DJL-native blocks ({@link
     * TorchvisionImporter}) and quantizes it: the path for activation quantization (batch norms
     * folded, weights and activations quantized). The model takes and returns raw {@link NDList}s
     * (a {@link NoopTranslator}), ready for evaluation.
     *
     * @param file the TorchScript {@code .pt} file; not modified
     * @param transform the quantization (with or without activation bits)
     * @param device where the model runs
     * @return the quantized model and its report
     * @throws ModelException if the file is not a readable TorchScript torchvision ResNet; a {@link
     *     MalformedModelException} naming the file if it is not TorchScript
     * @throws IOException if the file cannot be read
     * @throws InvalidInputException if the file is a quantized artifact (see {@link #load(Path)}),
     *     or (role device) if the device is a GPU the engine does not see
     */
    public static QuantizedModel<NDList, NDList> importQuantized(
            Path file, PowerQuantTransform transform, Device device)
            throws ModelException, IOException {
        if (QuantizedArtifact.isArtifact(file)) {
            throw alreadyQuantized(file);
        }
        checkTorchScript(file);
        Model imported = TorchvisionImporter.importModel(file, device);
        ZooModel<NDList, NDList> model = new ZooModel<>(imported, new NoopTranslator());
        try {
            return new QuantizedModel<>(model, transform.apply(model));
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** An artifact given where a float model is quantized: it would be quantized twice. */
    private static InvalidInputException alreadyQuantized(Path artifact) {
        return new InvalidInputException(
                Role.MODEL,
                artifact
                        + " is a quantized artifact: its weights are already on their grids and"
                        + " quantizing them again gives a model its manifest would misdescribe;"
                        + " PowerQuant.load reads it");
    }

    /** {@link TorchScriptArchive#checkTorchScript}, its refusal naming the file. */
    private static void checkTorchScript(Path file) throws IOException, MalformedModelException {
        try {
            TorchScriptArchive.checkTorchScript(file);
        } catch (MalformedModelException e) {
            throw new MalformedModelException(
                    file + " cannot be loaded as a TorchScript model: " + e.getMessage(), e);
        }
    }

    /**
     * The file DJL's PyTorch engine would load for a criteria whose model path is local: the path
     * itself if it is a file, else the first of {@code <model name>.pt}, {@code <folder name>.pt}
     * and {@code model.pt} in the folder, as {@code PtModel} looks for them. Null when the criteria
     * is not a local path for the PyTorch engine, or when a block may come from elsewhere than a
     * TorchScript file (a given block, a block factory, a {@code serving.properties} that may name
     * one).
     */
    private static Path localTorchScriptFile(Criteria<?, ?> criteria) {
        String engine = criteria.getEngine();
        if (engine != null && !"PyTorch".equals(engine)) {
            return null;
        }
        Path path = localModelLocation(criteria);
        if (path == null) {
            return null;
        }
        if (criteria.getBlock() != null
                || (criteria.getArguments() != null
                        && criteria.getArguments().containsKey("blockFactory"))) {
            return null;
        }
        Path folder = Files.isRegularFile(path) ? path.getParent() : path;
        if (folder == null
                || !Files.isDirectory(folder)
                || Files.exists(folder.resolve(QuantizedArtifact.SERVING_PROPERTIES))) {
            return null;
        }
        if (Files.isRegularFile(path)) {
            return path;
        }
        String name = criteria.getModelName();
        if (name == null) {
            name = criteria.getOptions() == null ? null : criteria.getOptions().get("modelName");
        }
        String folderName = path.getFileName() == null ? "" : path.getFileName().toString();
        for (String prefix : new String[] {name, folderName, "model.pt"}) {
            if (prefix == null || prefix.isEmpty()) {
                continue;
            }
            for (String candidate :
                    prefix.endsWith(".pt") ? List.of(prefix) : List.of(prefix, prefix + ".pt")) {
                Path file = path.resolve(candidate);
                if (Files.isRegularFile(file)) {
                    return file;
                }
            }
        }
        return null;
    }

    /**
     * The local file or folder a criteria's model path names, as DJL's {@link DefaultModelZoo}
     * holds it; null for a remote or zoo model, or any criteria that does not name one location.
     */
    private static Path localModelLocation(Criteria<?, ?> criteria) {
        if (!(criteria.getModelZoo() instanceof DefaultModelZoo zoo)) {
            return null;
        }
        Collection<ModelLoader> loaders = zoo.getModelLoaders();
        if (loaders.size() != 1
                || !(loaders.iterator().next() instanceof BaseModelLoader loader)
                || !(loader.getMrl().getRepository() instanceof SimpleRepository repository)
                || repository.isRemote()) {
            return null;
        }
        return Path.of(repository.getBaseUri());
    }

    private static Path torchScriptFile(ZooModel<?, ?> model) throws ModelNotFoundException {
        Path location = model.getModelPath();
        if (Files.isRegularFile(location)) {
            return location;
        }
        Path named = location.resolve(model.getName() + ".pt");
        if (Files.isRegularFile(named)) {
            return named;
        }
        try (Stream<Path> files = Files.list(location)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pt"))
                    .sorted()
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new ModelNotFoundException(
                                            "no TorchScript .pt file in "
                                                    + location
                                                    + " to import for activation quantization"));
        } catch (IOException e) {
            throw new ModelNotFoundException("cannot list " + location + ": " + e.getMessage(), e);
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
     * Saves a quantized model: a DJL-native one as a self-contained artifact directory ({@link
     * QuantizedArtifact}: manifest, weights bit-packed at their bit width, float tensors,
     * activation grids, report) that {@link #load(Path)} and plain DJL {@code Criteria} load back;
     * a TorchScript one as a {@code .pt} file ({@link #save(Model, Path)}). The preprocessing is
     * not recorded; see {@link #save(QuantizedModel, Path, Preprocessing)}.
     *
     * @param quantized the quantized model and its report
     * @param target the artifact directory (DJL-native) or {@code .pt} file (TorchScript)
     * @throws IOException if it cannot be written
     */
    public static void save(QuantizedModel<?, ?> quantized, Path target) throws IOException {
        save(quantized, target, null);
    }

    /**
     * Saves a quantized model with the preprocessing it expects, which the artifact's manifest
     * records (a TorchScript model is saved as a {@code .pt} file without it).
     *
     * @param quantized the quantized model and its report
     * @param target the artifact directory (DJL-native) or {@code .pt} file (TorchScript)
     * @param preprocessing the preprocessing of the model's inputs, or null if unknown
     * @throws IOException if it cannot be written
     */
    public static void save(
            QuantizedModel<?, ?> quantized, Path target, Preprocessing preprocessing)
            throws IOException {
        Model model = quantized.model();
        if (model.getBlock() instanceof PtSymbolBlock) {
            save(model, target);
            return;
        }
        QuantizedArtifact.save(model, quantized.report(), preprocessing, target);
    }

    /**
     * Loads an artifact written by {@link #save(QuantizedModel, Path)} on the default device, with
     * its report. Plain DJL loads the same directory with {@code Criteria.builder().setTypes(
     * NDList.class, NDList.class).optModelPath(dir)}; this does exactly that.
     *
     * @param directory the artifact directory
     * @return the quantized model (a {@link NoopTranslator}) and its report
     * @throws ArtifactException naming the file if the artifact is missing, truncated, corrupted,
     *     edited or of another format version
     * @throws IOException if it cannot be read
     * @throws ModelException if DJL cannot load it
     */
    public static QuantizedModel<NDList, NDList> load(Path directory)
            throws IOException, ModelException {
        return load(directory, null);
    }

    /**
     * Loads an artifact on a device, with its report.
     *
     * @param directory the artifact directory
     * @param device where the model runs, or null for DJL's default
     * @return the quantized model and its report
     * @throws ArtifactException naming the file if the artifact is not valid
     * @throws IOException if it cannot be read
     * @throws ModelException if DJL cannot load it
     * @throws InvalidInputException (role device) if the device is a GPU the engine does not see
     */
    public static QuantizedModel<NDList, NDList> load(Path directory, Device device)
            throws IOException, ModelException {
        QuantizationReport report = QuantizedArtifact.readReport(directory);
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(directory)
                        .optDevice(device)
                        .build();
        return new QuantizedModel<>(criteria.loadModel(), report);
    }

    /**
     * Saves a (quantized) model. A TorchScript model is written as one {@code .pt} file that loads
     * in DJL and in PyTorch; a DJL-native model is written with {@link Model#save(Path, String)}
     * into the directory {@code target} as {@code <model name>-0000.params}, with its activation
     * quantizers' grids, if any, beside it in {@code <model name>-activations.json} ({@link
     * ActivationQuantizers#toJson}; after {@code Model.load} of a {@link TorchvisionResNet}, {@link
     * ActivationQuantizers#install} puts them back). Either way the files appear atomically; a
     * failed DJL-native save leaves neither file and removes the directories it created.
     *
     * @param model the model
     * @param target the {@code .pt} file (TorchScript) or the directory (DJL-native)
     * @throws IOException if it cannot be written, or (DJL-native) {@code target} is a file
     * @throws IllegalStateException naming the model if it is closed
     */
    public static void save(Model model, Path target) throws IOException {
        if (!model.getNDManager().isOpen()) {
            throw new IllegalStateException(
                    "model " + model.getName() + " is closed: save it before closing it");
        }
        Block block = model.getBlock();
        if (block instanceof PtSymbolBlock torchScript) {
            TorchScriptWeights.save(torchScript, target);
            return;
        }
        Path directory = target.toAbsolutePath();
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new FileAlreadyExistsException(
                    directory.toString(),
                    null,
                    "is a file; a DJL-native model is saved into a directory");
        }
        Path firstCreated = null;
        for (Path p = directory; p != null && !Files.exists(p); p = p.getParent()) {
            firstCreated = p;
        }
        Files.createDirectories(directory);
        // DJL names the files after the model: they are staged, activation grids included, in a
        // hidden folder named after it, and moved into the directory once all are written
        Path named = directory.resolve(model.getName());
        TemporarySiblings.sweep(named);
        boolean saved = false;
        Path temp = Files.createDirectory(TemporarySiblings.of(named, "part"));
        try {
            if (block instanceof ConvNetwork network) {
                Map<String, ActivationGrid> grids = ActivationQuantizers.installed(network);
                if (!grids.isEmpty()) {
                    Files.writeString(
                            temp.resolve(model.getName() + ACTIVATIONS_SUFFIX),
                            ActivationQuantizers.toJson(grids));
                }
            }
            model.save(temp, model.getName());
            try (Stream<Path> files = Files.list(temp)) {
                for (Path file : (Iterable<Path>) files::iterator) {
                    AtomicFiles.moveAtomically(file, directory.resolve(file.getFileName()));
                }
            }
            saved = true;
        } finally {
            TemporarySiblings.deleteRecursively(temp);
            if (!saved) {
                removeCreated(directory, firstCreated);
            }
        }
    }

    /** Removes the directories a failed save created, innermost first, if they are still empty. */
    private static void removeCreated(Path directory, Path firstCreated) {
        if (firstCreated == null) {
            return;
        }
        for (Path p = directory; p != null && p.startsWith(firstCreated); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                return; // not empty, or not ours to remove
            }
        }
    }
}
