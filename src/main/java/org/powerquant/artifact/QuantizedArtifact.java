package org.powerquant.artifact;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.powerquant.data.Preprocessing;
import org.powerquant.io.AtomicFiles;
import org.powerquant.io.IoReasons;
import org.powerquant.io.TemporarySiblings;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.EngineDevices;
import org.powerquant.nn.EngineMemory;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.transform.ActivationReport;
import org.powerquant.transform.BlockWalker;
import org.powerquant.transform.LayerReport;
import org.powerquant.transform.QuantizationReport;
import org.powerquant.transform.WeightSite;

/**
 * A quantized DJL-native model kept on disk as one self-contained directory, and the code that
 * writes and reads it.
 *
 * <p>Layout:
 *
 * <ul>
 *   <li>{@value ArtifactManifest#FILE}: the {@link ArtifactManifest} (format version, architecture,
 *       quantization, preprocessing, tensor layout, sizes, a SHA-256 per file);
 *   <li>{@value #PARAMETERS}: every parameter in DJL's own {@link NDList} encoding, in the order
 *       the manifest lists them: a quantized weight as its codes bit-packed at its bit width
 *       ({@link PackedCodes}, an int8 array of bytes) followed by its scales (float32, one per
 *       output channel or one); every other parameter (biases, folded batch norms, layers left in
 *       float) as float32;
 *   <li>{@value #REPORT}: the {@link QuantizationReport} as JSON;
 *   <li>{@value #SERVING_PROPERTIES}: what plain DJL needs to load the directory through {@code
 *       Criteria}: the engine and the {@link ArtifactBlockFactory}.
 * </ul>
 *
 * The per-layer exponents and bit widths (which may differ between layers) and the activation grids
 * are in the manifest. Loading decodes every weight with {@link WeightCodes}, the quantizer's own
 * arithmetic, so the loaded model equals the saved one bit for bit.
 */
public final class QuantizedArtifact {

    /** File name of the parameter file. */
    public static final String PARAMETERS = "parameters.ndlist";

    /** File name of the quantization report. */
    public static final String REPORT = "report.json";

    /** File name of the properties DJL's model loader reads. */
    public static final String SERVING_PROPERTIES = "serving.properties";

    static final String CODES = "codes";
    static final String FLOAT = "float32";

    private QuantizedArtifact() {}

    /**
     * Writes a quantized model as an artifact directory, atomically: the files are written into a
     * temporary directory beside {@code directory}, which then replaces it; an older artifact there
     * is replaced whole, so no stale file survives.
     *
     * @param model the quantized DJL-native model (its block initialized)
     * @param report the report of its quantization
     * @param preprocessing the preprocessing the model expects, or null if unknown
     * @param directory the artifact directory to create or replace
     * @throws IOException if it cannot be written, or {@code directory} is a file or a non-empty
     *     directory that is not an artifact
     * @throws IllegalArgumentException if the block's architecture cannot be described, or a
     *     quantized weight is not on the grid its report gives
     * @throws IllegalStateException naming the model if it is closed
     */
    public static void save(
            Model model, QuantizationReport report, Preprocessing preprocessing, Path directory)
            throws IOException {
        if (!model.getNDManager().isOpen()) {
            throw new IllegalStateException(
                    "model " + model.getName() + " is closed: save it before closing it");
        }
        Block block = model.getBlock();
        if (block == null || !block.isInitialized()) {
            throw new IllegalArgumentException(
                    "model " + model.getName() + " has no initialized block to save");
        }
        ArchitectureCodec codec = ArchitectureCodecs.of(block);
        Path target = directory.toAbsolutePath().normalize();
        checkReplaceable(target);
        TemporarySiblings.sweep(target);
        // not Files.createTempDirectory, which makes the folder private (0700): outputs follow the
        // umask
        Path temp = Files.createDirectory(TemporarySiblings.of(target, "part"));
        try {
            writeInto(temp, model, codec, report, preprocessing);
            AtomicFiles.replace(temp, target);
        } finally {
            TemporarySiblings.deleteRecursively(temp);
        }
    }

    private static void writeInto(
            Path dir,
            Model model,
            ArchitectureCodec codec,
            QuantizationReport report,
            Preprocessing preprocessing)
            throws IOException {
        Block block = model.getBlock();
        Map<String, LayerReport> layers = new HashMap<>();
        for (LayerReport layer : report.layers()) {
            layers.put(layer.name(), layer);
        }
        Map<Parameter, LayerReport> quantized = new HashMap<>();
        for (WeightSite site : BlockWalker.sites(block)) {
            LayerReport layer = layers.get(site.name());
            if (layer != null) {
                quantized.put(site.parameter(), layer);
            }
        }
        JsonArray tensors = new JsonArray();
        long quantizedWeights = 0;
        long quantizedBytes = 0;
        long floatParameters = 0;
        long floatBytes = 0;
        try (NDManager manager = model.getNDManager().newSubManager()) {
            NDList list = new NDList();
            for (Pair<String, Parameter> p : block.getParameters()) {
                NDArray array = p.getValue().getArray();
                if (array.getDataType() != DataType.FLOAT32) {
                    throw new IllegalArgumentException(
                            "parameter "
                                    + p.getKey()
                                    + " is "
                                    + array.getDataType()
                                    + ", not float32");
                }
                float[] values = array.toFloatArray();
                JsonObject t = new JsonObject();
                t.addProperty("parameter", p.getKey());
                t.add("shape", longs(array.getShape().getShape()));
                LayerReport layer = quantized.get(p.getValue());
                if (layer != null) {
                    String site = layer.name();
                    byte[] codes =
                            WeightCodes.encode(
                                    site, values, layer.bits(), layer.exponent(), layer.scales());
                    t.addProperty("name", site);
                    t.addProperty("encoding", CODES);
                    t.addProperty("bits", layer.bits());
                    t.addProperty("exponent", layer.exponent());
                    t.addProperty("scales", layer.scales().length);
                    t.addProperty("codeBytes", codes.length);
                    list.add(manager.create(codes));
                    list.add(manager.create(layer.scales()));
                    quantizedWeights += values.length;
                    quantizedBytes += codes.length + 4L * layer.scales().length + 8;
                } else {
                    t.addProperty("encoding", FLOAT);
                    list.add(manager.create(values, array.getShape()));
                    floatParameters += values.length;
                    floatBytes += 4L * values.length;
                }
                tensors.add(t);
            }
            try (OutputStream out =
                    new BufferedOutputStream(Files.newOutputStream(dir.resolve(PARAMETERS)))) {
                list.encode(out);
            }
        }
        Files.writeString(dir.resolve(REPORT), report.toJson(), StandardCharsets.UTF_8);
        StringBuilder serving =
                new StringBuilder(
                        "# A PowerQuant artifact: plain DJL loads it with Criteria.optModelPath(this"
                                + " directory)\n");
        for (Map.Entry<String, String> e : servingProperties().entrySet()) {
            serving.append(e.getKey()).append('=').append(e.getValue()).append('\n');
        }
        Files.writeString(
                dir.resolve(SERVING_PROPERTIES), serving.toString(), StandardCharsets.ISO_8859_1);

        JsonObject m = new JsonObject();
        m.addProperty("format", ArtifactManifest.FORMAT);
        m.addProperty("formatVersion", ArtifactManifest.FORMAT_VERSION);
        m.addProperty("name", model.getName());
        JsonObject architecture = new JsonObject();
        architecture.addProperty("kind", codec.kind());
        for (Map.Entry<String, com.google.gson.JsonElement> e : codec.describe(block).entrySet()) {
            architecture.add(e.getKey(), e.getValue());
        }
        m.add("architecture", architecture);
        m.add(
                "inputShape",
                longs(
                        ArtifactManifest.recordedInputShape(
                                codec.poolsGlobally(),
                                preprocessing,
                                inputShape(block).getShape())));
        JsonObject quantization = new JsonObject();
        quantization.addProperty("method", report.method());
        quantization.addProperty("weightBits", report.weightBits());
        List<ActivationReport> activations = report.activations();
        quantization.addProperty(
                "activationBits",
                activations.stream().mapToInt(ActivationReport::bits).min().orElse(0));
        quantization.addProperty(
                "calibrationMode", activations.isEmpty() ? "none" : activations.get(0).mode());
        quantization.addProperty("dataFree", report.isDataFree());
        m.add("quantization", quantization);
        m.add("preprocessing", preprocessing == null ? null : toJson(preprocessing));
        m.add("tensors", tensors);
        Map<String, ActivationGrid> grids = codec.activations(block);
        m.add(
                "activations",
                JsonParser.parseString(ActivationQuantizers.toJson(grids)).getAsJsonObject());
        JsonObject size = new JsonObject();
        size.addProperty("quantizedWeights", quantizedWeights);
        size.addProperty("quantizedBytes", quantizedBytes);
        size.addProperty(
                "bitsPerQuantizedWeight",
                quantizedWeights == 0 ? 0 : 8.0 * quantizedBytes / quantizedWeights);
        size.addProperty("floatParameters", floatParameters);
        size.addProperty("floatBytes", floatBytes);
        m.add("size", size);
        JsonObject files = new JsonObject();
        for (String name : new String[] {PARAMETERS, REPORT, SERVING_PROPERTIES}) {
            Path f = dir.resolve(name);
            JsonObject entry = new JsonObject();
            entry.addProperty("bytes", Files.size(f));
            entry.addProperty("sha256", ArtifactManifest.sha256(f));
            files.add(name, entry);
        }
        m.add("files", files);
        Files.writeString(
                dir.resolve(ArtifactManifest.FILE),
                ArtifactManifest.seal(m),
                StandardCharsets.UTF_8);
    }

    /**
     * Builds the block an artifact describes, with its parameters and activation quantizers, on the
     * model's manager: what {@link ArtifactBlockFactory} returns to DJL. Every file is verified
     * before anything is built.
     *
     * @param model the model the block is for (its manager holds the parameters)
     * @param directory the artifact directory
     * @return the ready block
     * @throws ArtifactException naming the file if the artifact is missing, truncated, corrupted,
     *     edited or of another version
     * @throws IOException if a file cannot be read
     * @throws org.powerquant.InvalidInputException (role device) if the model's device is a GPU the
     *     engine does not see
     */
    public static Block loadBlock(Model model, Path directory) throws IOException {
        // else a missing GPU fails while the parameters are decoded, as if their file were corrupt
        EngineDevices.requireAvailable(model.getNDManager().getDevice());
        ArtifactManifest manifest = ArtifactManifest.read(directory);
        manifest.verifyFiles();
        Path manifestFile = manifest.file();
        Block block = manifest.rebuild();
        Path parameterFile = directory.resolve(PARAMETERS);
        NDManager target = model.getNDManager();
        try (NDManager manager = target.newSubManager();
                InputStream in = new BufferedInputStream(Files.newInputStream(parameterFile))) {
            NDList list = NDList.decode(manager, in);
            List<JsonObject> tensors = manifest.tensors();
            Map<String, Parameter> parameters = new LinkedHashMap<>();
            for (Pair<String, Parameter> p : block.getParameters()) {
                parameters.put(p.getKey(), p.getValue());
            }
            int next = 0;
            List<CodedTensor> coded = new ArrayList<>();
            for (JsonObject t : tensors) {
                String name = t.get("parameter").getAsString();
                Parameter parameter = parameters.remove(name); // one per tensor: rebuild checked it
                Shape shape = new Shape(longsOf(t.getAsJsonArray("shape")));
                if (CODES.equals(t.get("encoding").getAsString())) {
                    byte[] codes = list.get(next++).toByteArray();
                    float[] scales = list.get(next++).toFloatArray();
                    // sizes checked here, so that the parallel decoding has nothing to refuse
                    WeightCodes.check(
                            t.get("name").getAsString(),
                            codes,
                            Math.toIntExact(shape.size()),
                            t.get("bits").getAsInt(),
                            scales);
                    coded.add(
                            new CodedTensor(
                                    name,
                                    parameter,
                                    t.get("name").getAsString(),
                                    shape,
                                    codes,
                                    t.get("bits").getAsInt(),
                                    t.get("exponent").getAsDouble(),
                                    scales));
                } else {
                    NDArray array = list.get(next++);
                    if (!array.getShape().equals(shape)) {
                        throw new ArtifactException(
                                parameterFile,
                                "tensor "
                                        + name
                                        + " is "
                                        + array.getShape()
                                        + ", expected "
                                        + shape);
                    }
                    array.attach(target);
                    parameter.setInitializer(new StoredArray(name, array));
                }
            }
            if (next != list.size()) {
                throw new ArtifactException(
                        parameterFile, list.size() + " arrays, the manifest accounts for " + next);
            }
            List<NDArray> decoded =
                    CodedTensor.decodeAll(coded, target, EngineMemory.isExposed(target));
            for (int i = 0; i < coded.size(); i++) {
                CodedTensor t = coded.get(i);
                t.parameter().setInitializer(new StoredArray(t.name(), decoded.get(i)));
            }
            // DJL infers each layer's parameter shapes from the recorded input shape; every
            // parameter is handed its stored array only if its layer asks for that shape
            block.initialize(target, DataType.FLOAT32, new Shape(manifest.inputShape()));
        } catch (StoredArray.Mismatch e) {
            throw new ArtifactException(
                    manifestFile,
                    "its parameters do not fit the network its architecture describes: "
                            + e.getMessage(),
                    e);
        } catch (ArtifactException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ArtifactException(parameterFile, "cannot be decoded: " + e.getMessage(), e);
        }
        return block;
    }

    /**
     * Reads the quantization report an artifact holds.
     *
     * @param directory the artifact directory
     * @return the report
     * @throws ArtifactException naming the file if the artifact is not valid
     */
    public static QuantizationReport readReport(Path directory) throws ArtifactException {
        ArtifactManifest manifest = ArtifactManifest.read(directory);
        manifest.verifyFiles();
        Path file = directory.resolve(REPORT);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ArtifactException(file, "cannot be read: " + IoReasons.reason(e), e);
        }
        try {
            return ReportJson.parse(file, text);
        } catch (RuntimeException e) {
            // a backstop: every field is read through JsonFields
            throw new ArtifactException(file, "is not a quantization report: " + e, e);
        }
    }

    /**
     * What {@value #SERVING_PROPERTIES} holds, key by key, in the order it is written: the engine,
     * the {@link ArtifactBlockFactory} DJL's model loader creates by name, and no {@code .params}
     * file for DJL to look for (the factory sets the parameters).
     */
    private static Map<String, String> servingProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("engine", "PyTorch");
        p.put(ArtifactBlockFactory.PROPERTY, ArtifactBlockFactory.class.getName());
        p.put("option.hasParameter", "false");
        return p;
    }

    /**
     * Checks that an artifact's {@value #SERVING_PROPERTIES} holds every key this class writes
     * there, with the value it writes: else DJL would load the directory with another engine, block
     * factory or parameter file, and fail in its own words (an edited file whose checksum was
     * recorded again gets past the manifest). Other keys are left to DJL.
     *
     * @param directory the artifact directory
     * @throws ArtifactException naming the file and the key if a key is missing or holds another
     *     value, or the file cannot be read
     */
    static void checkServingProperties(Path directory) throws ArtifactException {
        Path file = directory.resolve(SERVING_PROPERTIES);
        Properties read = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            read.load(in); // ISO 8859-1, as written and as DJL reads it
        } catch (IOException e) {
            throw new ArtifactException(file, "cannot be read: " + IoReasons.reason(e), e);
        } catch (IllegalArgumentException e) {
            throw new ArtifactException(file, "cannot be read: " + e.getMessage(), e);
        }
        for (Map.Entry<String, String> e : servingProperties().entrySet()) {
            String value = read.getProperty(e.getKey());
            if (!e.getValue().equals(value)) {
                throw new ArtifactException(
                        file,
                        "key "
                                + e.getKey()
                                + (value == null
                                        ? " is missing"
                                        : " is \"" + ArtifactManifest.shorten(value) + "\"")
                                + ", it must be \""
                                + e.getValue()
                                + "\"");
            }
        }
    }

    /**
     * Tells whether a path is an artifact directory (it holds a manifest); nothing is verified.
     *
     * @param path a path
     * @return true if it is a directory with {@value ArtifactManifest#FILE}
     */
    public static boolean isArtifact(Path path) {
        return Files.isRegularFile(path.resolve(ArtifactManifest.FILE));
    }

    /**
     * Reads the preprocessing an artifact records.
     *
     * @param manifest the artifact's manifest
     * @return the preprocessing, or null if none was recorded
     */
    public static Preprocessing preprocessing(ArtifactManifest manifest) {
        return manifest.recordedPreprocessing();
    }

    private static JsonObject toJson(Preprocessing p) {
        JsonObject o = new JsonObject();
        o.addProperty("channels", p.channels());
        o.addProperty("imageSize", p.imageSize());
        o.addProperty("resizeShort", p.resizeShort());
        o.addProperty("centerCrop", p.centerCrop());
        JsonArray mean = new JsonArray();
        for (float v : p.mean()) {
            mean.add(v);
        }
        o.add("mean", mean);
        JsonArray std = new JsonArray();
        for (float v : p.std()) {
            std.add(v);
        }
        o.add("std", std);
        o.addProperty("antialias", p.antialias());
        return o;
    }

    private static Shape inputShape(Block block) {
        try {
            Shape[] shapes = block.getInputShapes();
            if (shapes != null && shapes.length == 1) {
                return shapes[0];
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException(
                "the block does not know its input shape; initialize it before saving");
    }

    private static void checkReplaceable(Path target) throws IOException {
        Path parent = target.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new ArtifactException(target, "its parent directory does not exist");
        }
        if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new ArtifactException(target, "is a file; an artifact is a directory");
            }
            boolean empty;
            try (Stream<Path> files = Files.list(target)) {
                empty = files.findAny().isEmpty();
            }
            if (!empty && !isArtifact(target)) {
                throw new ArtifactException(
                        target,
                        "is a non-empty directory that is not an artifact; not replacing it");
            }
        }
    }

    private static JsonArray longs(long[] values) {
        JsonArray a = new JsonArray();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }

    private static long[] longsOf(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
