package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.powerquant.data.Preprocessing;
import org.powerquant.io.IoReasons;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.ConvNetwork;

/**
 * The manifest of a quantized-model artifact ({@value #FILE}, JSON): format version, architecture,
 * quantization settings, expected preprocessing, the layout of the parameter file, size figures,
 * and the SHA-256 checksum and length of every other file. Its own content is sealed by a checksum
 * of its canonical form ({@code manifestSha256}), so an edit by hand is detected too.
 *
 * <p>Reading a manifest and verifying the files needs no engine: {@code powerquant inspect} uses
 * only this class.
 */
public final class ArtifactManifest {

    /** File name of the manifest inside an artifact directory. */
    public static final String FILE = "powerquant.json";

    /** The format this code writes and reads. */
    public static final int FORMAT_VERSION = 1;

    /** The value of the {@code format} entry. */
    public static final String FORMAT = "powerquant-artifact";

    private static final String SEAL = "manifestSha256";
    private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().create();
    private static final Gson PRETTY =
            new GsonBuilder().disableHtmlEscaping().setPrettyPrinting().create();

    private final Path file;
    private final JsonObject json;
    private final Preprocessing preprocessing;

    private ArtifactManifest(Path file, JsonObject json, Preprocessing preprocessing) {
        this.file = file;
        this.json = json;
        this.preprocessing = preprocessing;
    }

    /**
     * Seals a manifest's content and returns its text.
     *
     * @param content the manifest without its seal
     * @return the pretty-printed JSON with {@code manifestSha256} added
     */
    static String seal(JsonObject content) {
        JsonObject sealed = content.deepCopy();
        sealed.remove(SEAL);
        sealed.addProperty(SEAL, sha256(COMPACT.toJson(sealed).getBytes(StandardCharsets.UTF_8)));
        return PRETTY.toJson(sealed);
    }

    /**
     * Reads and checks the manifest of an artifact directory: present, sealed, of this format
     * version. The other files are not read ({@link #verifyFiles()} does it).
     *
     * @param directory the artifact directory
     * @return the manifest
     * @throws ArtifactException naming the file if it is missing, malformed, edited or of another
     *     version
     */
    public static ArtifactManifest read(Path directory) throws ArtifactException {
        if (!Files.exists(directory)) {
            throw new ArtifactException(directory, "does not exist");
        }
        if (!Files.isDirectory(directory)) {
            throw new ArtifactException(
                    directory, "is not a directory (a quantized-model artifact)");
        }
        Path file = directory.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ArtifactException(
                    file, "missing: " + directory + " is not a PowerQuant artifact", e);
        } catch (IOException e) {
            throw new ArtifactException(file, "cannot be read: " + IoReasons.reason(e), e);
        }
        JsonObject json;
        try {
            json = JsonParser.parseString(text).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new ArtifactException(file, "is not a JSON object (truncated or corrupted?)", e);
        }
        JsonElement format = json.get("format");
        if (format == null) {
            throw new ArtifactException(
                    file, "is not a PowerQuant artifact manifest (it has no field format)");
        }
        if (!isString(format) || !FORMAT.equals(format.getAsString())) {
            throw new ArtifactException(
                    file,
                    "is not a PowerQuant artifact manifest (field format is "
                            + shorten(format.toString())
                            + ", not \""
                            + FORMAT
                            + "\")");
        }
        JsonElement versionField = json.get("formatVersion");
        if (versionField == null) {
            throw new ArtifactException(file, "has no format version (field formatVersion)");
        }
        int version;
        try {
            if (!versionField.isJsonPrimitive() || !versionField.getAsJsonPrimitive().isNumber()) {
                throw new IllegalArgumentException("not a number");
            }
            version = new BigDecimal(versionField.getAsString()).intValueExact();
        } catch (RuntimeException e) {
            throw new ArtifactException(
                    file,
                    "field formatVersion must be an integer, got "
                            + shorten(versionField.toString()),
                    e);
        }
        if (version != FORMAT_VERSION) {
            throw new ArtifactException(
                    file,
                    "format version "
                            + version
                            + " is not supported (this version reads "
                            + FORMAT_VERSION
                            + ")");
        }
        JsonElement seal = json.remove(SEAL);
        if (seal != null && !isString(seal)) {
            throw new ArtifactException(
                    file,
                    "field "
                            + SEAL
                            + " must be a string (a SHA-256), got "
                            + shorten(seal.toString()));
        }
        String expected = seal == null ? null : seal.getAsString();
        String actual = sha256(COMPACT.toJson(json).getBytes(StandardCharsets.UTF_8));
        if (!actual.equals(expected)) {
            throw new ArtifactException(
                    file, "its content does not match its checksum (edited by hand or corrupted)");
        }
        Preprocessing preprocessing = ManifestCheck.check(file, json);
        return new ArtifactManifest(file, json, preprocessing);
    }

    private static boolean isString(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isString();
    }

    /** A JSON value as a message quotes it: at most 60 characters. */
    static String shorten(String text) {
        return text.length() <= 60 ? text : text.substring(0, 57) + "...";
    }

    /**
     * Checks that every file the manifest lists is present, of its recorded length and checksum,
     * and that {@value QuantizedArtifact#SERVING_PROPERTIES} holds what DJL needs to load the
     * artifact ({@code engine}, {@code blockFactory}, {@code option.hasParameter}).
     *
     * @throws ArtifactException naming the first file that is missing, truncated or corrupted, or
     *     the key of {@value QuantizedArtifact#SERVING_PROPERTIES} that is missing or holds another
     *     value
     */
    public void verifyFiles() throws ArtifactException {
        Path directory = file.getParent();
        for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("files").entrySet()) {
            Path f = directory.resolve(e.getKey());
            JsonObject entry = e.getValue().getAsJsonObject();
            long length = entry.get("bytes").getAsLong();
            try {
                long actual = Files.size(f);
                if (actual != length) {
                    throw new ArtifactException(
                            f,
                            "is "
                                    + actual
                                    + " bytes, the manifest says "
                                    + length
                                    + " (truncated or replaced)");
                }
                if (!sha256(f).equals(entry.get("sha256").getAsString())) {
                    throw new ArtifactException(f, "checksum mismatch (corrupted)");
                }
            } catch (NoSuchFileException ex) {
                throw new ArtifactException(f, "missing from the artifact", ex);
            } catch (ArtifactException ex) {
                throw ex;
            } catch (IOException ex) {
                throw new ArtifactException(f, "cannot be read: " + IoReasons.reason(ex), ex);
            }
        }
        // sealed by its checksum, but an edit whose checksum was recorded again gets this far
        QuantizedArtifact.checkServingProperties(directory);
    }

    /**
     * Returns the manifest file.
     *
     * @return its path
     */
    public Path file() {
        return file;
    }

    /**
     * Returns the manifest's content (without its seal).
     *
     * @return a copy of the JSON object
     */
    public JsonObject json() {
        return json.deepCopy();
    }

    /**
     * Checks the architecture as loading does, without the engine: the network it describes can be
     * built, takes the recorded activation grids, and has one parameter for each tensor. {@code
     * powerquant inspect} runs it, so that it refuses what loading refuses. What only the engine
     * can tell (whether each tensor's shape is the one its layer asks for) is left to loading.
     *
     * @throws ArtifactException naming the manifest, with the line loading gives
     */
    public void checkArchitecture() throws ArtifactException {
        rebuild();
    }

    /**
     * Builds the uninitialized network the architecture describes, with its activation quantizers,
     * and checks that its parameters are the tensors', one each: the architecture check of {@link
     * QuantizedArtifact#loadBlock} and {@link #checkArchitecture()}. Nothing is initialized, so no
     * engine is needed.
     *
     * @return the block
     * @throws ArtifactException naming the manifest if the network cannot be built, a grid has no
     *     site in it, or the tensors are not its parameters
     */
    Block rebuild() throws ArtifactException {
        Block block;
        try {
            JsonObject architecture = architecture();
            ArchitectureCodec codec = ArchitectureCodecs.of(architecture.get("kind").getAsString());
            block = ArchitectureCodecs.build(codec, architecture, new JsonFields(file, false));
            checkInputChannels(block, architecture);
            codec.install(block, ActivationQuantizers.fromJson(activations().toString()));
        } catch (RuntimeException e) {
            throw new ArtifactException(file, "cannot rebuild the network: " + e.getMessage(), e);
        }
        List<JsonObject> tensors = tensors();
        Set<String> parameters = new HashSet<>(block.getParameters().keys());
        if (tensors.size() != parameters.size()) {
            throw new ArtifactException(
                    file,
                    tensors.size()
                            + " tensors for a network of "
                            + parameters.size()
                            + " parameters");
        }
        for (JsonObject t : tensors) {
            String name = t.get("parameter").getAsString();
            if (!parameters.remove(name)) {
                throw new ArtifactException(
                        file, "tensor " + name + " is not a parameter of the network");
            }
        }
        return block;
    }

    /**
     * Checks that a network taking images has the channels of the recorded input shape: else
     * loading would initialize it with an input it refuses, as if the parameter file were at fault.
     */
    private void checkInputChannels(Block block, JsonObject architecture) throws ArtifactException {
        if (!(block instanceof ConvNetwork network)) {
            return;
        }
        long[] shape = inputShape();
        if (shape.length != 4) {
            throw new ArtifactException(
                    file,
                    "field inputShape must be (N, C, H, W) for the network its architecture"
                            + " describes, got "
                            + Arrays.toString(shape));
        }
        if (shape[1] != network.getInputChannels()) {
            throw new ArtifactException(
                    file,
                    "its architecture and its inputShape disagree: "
                            + (architecture.has("inputChannels")
                                    ? "architecture.inputChannels is "
                                    : "the network takes ")
                            + network.getInputChannels()
                            + (architecture.has("inputChannels") ? "" : " channels")
                            + ", inputShape "
                            + Arrays.toString(shape)
                            + " has "
                            + shape[1]
                            + (shape[1] == 1 ? " channel" : " channels"));
        }
    }

    /**
     * Returns the model name.
     *
     * @return the name
     */
    public String name() {
        return json.get("name").getAsString();
    }

    /**
     * Returns the architecture: {@code kind} and the settings its {@link ArchitectureCodec} reads.
     *
     * @return a copy of the architecture object
     */
    public JsonObject architecture() {
        return json.getAsJsonObject("architecture").deepCopy();
    }

    /**
     * Returns the recorded input shape, batch first: the one loading initializes the block with.
     * For a network that {@linkplain #poolsGlobally() ends in global pooling} it is the shape the
     * recorded preprocessing produces, when that has a fixed size; otherwise (and in artifacts
     * written before this rule, which recorded whatever placeholder size the block had been
     * initialized with, e.g. 128 by the ResNet importer) the shape the block was initialized with.
     *
     * @return the dimensions
     */
    public long[] inputShape() {
        JsonArray a = json.getAsJsonArray("inputShape");
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    /**
     * Tells whether the network ends in global pooling, so that it takes images of any height and
     * width ({@link ArchitectureCodec#poolsGlobally()} of its kind).
     *
     * @return true if it does; false if it may take only its recorded input shape, or its kind is
     *     unknown
     */
    public boolean poolsGlobally() {
        try {
            return ArchitectureCodecs.of(architecture().get("kind").getAsString()).poolsGlobally();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Returns the shape the recorded preprocessing produces for this network, batch first.
     *
     * @return the dimensions, or null when no preprocessing is recorded, it fixes no size, or its
     *     channels are not the network's
     */
    public long[] preprocessedInputShape() {
        return preprocessedShape(preprocessing, inputShape());
    }

    /**
     * Returns the input shape a manifest records for a network: the shape its preprocessing
     * produces if the network ends in global pooling (any height and width fits its parameters, so
     * the size it was initialized with says nothing), else the shape it was initialized with (the
     * one a network with a fixed input size is sure to take).
     *
     * @param poolsGlobally whether the network ends in global pooling
     * @param preprocessing the preprocessing the model expects, or null
     * @param initialized the shape the block was initialized with, batch first
     * @return the shape to record
     */
    static long[] recordedInputShape(
            boolean poolsGlobally, Preprocessing preprocessing, long[] initialized) {
        long[] preprocessed = preprocessedShape(preprocessing, initialized);
        return poolsGlobally && preprocessed != null ? preprocessed : initialized;
    }

    /**
     * The (batch, channels, height, width) a preprocessing gives images of the network, or null.
     */
    private static long[] preprocessedShape(Preprocessing preprocessing, long[] initialized) {
        if (preprocessing == null
                || preprocessing.outputSize() == null
                || initialized.length != 4
                || initialized[1] != preprocessing.channels()) {
            return null;
        }
        int[] size = preprocessing.outputSize();
        return new long[] {initialized[0], initialized[1], size[0], size[1]};
    }

    /**
     * Returns the quantization summary: {@code method}, {@code weightBits}, {@code activationBits}
     * (0 for float activations), {@code calibrationMode} ({@code none} without activation
     * quantizers) and {@code dataFree}.
     *
     * @return a copy of the object
     */
    public JsonObject quantization() {
        return json.getAsJsonObject("quantization").deepCopy();
    }

    /**
     * Returns the preprocessing the model expects, as recorded at save time.
     *
     * @return the preprocessing object, or null when none was recorded
     */
    public JsonObject preprocessing() {
        JsonElement p = json.get("preprocessing");
        return p == null || p.isJsonNull() ? null : p.getAsJsonObject().deepCopy();
    }

    /**
     * Returns the preprocessing the model expects, as the library's settings (checked by its rules
     * when the manifest was read).
     *
     * @return the preprocessing, or null when none was recorded
     */
    public Preprocessing recordedPreprocessing() {
        return preprocessing;
    }

    /**
     * Returns the tensors of the parameter file in file order: each {@code {name, parameter,
     * encoding ("float32" or "codes"), shape}} plus, for codes, {@code bits}, {@code exponent},
     * {@code scales} (their count) and {@code codeBytes}.
     *
     * @return the tensor entries
     */
    public List<JsonObject> tensors() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : json.getAsJsonArray("tensors")) {
            out.add(e.getAsJsonObject().deepCopy());
        }
        return out;
    }

    /**
     * Returns the activation grids by site name, in the JSON form of {@link
     * org.powerquant.nn.ActivationQuantizers#toJson}.
     *
     * @return the object of grids (empty when activations stay float)
     */
    public JsonObject activations() {
        return json.getAsJsonObject("activations").deepCopy();
    }

    /**
     * Returns the size figures: {@code quantizedWeights}, {@code quantizedBytes} (codes, scales and
     * exponents), {@code bitsPerQuantizedWeight}, {@code floatParameters}, {@code floatBytes}.
     *
     * @return a copy of the object
     */
    public JsonObject size() {
        return json.getAsJsonObject("size").deepCopy();
    }

    /**
     * Returns the files the manifest seals, by name, with their length.
     *
     * @return the length of every file
     */
    public Map<String, Long> files() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : json.getAsJsonObject("files").entrySet()) {
            out.put(e.getKey(), e.getValue().getAsJsonObject().get("bytes").getAsLong());
        }
        return out;
    }

    /**
     * Returns the SHA-256 of a file, as lower-case hex.
     *
     * @param f the file
     * @return the checksum
     * @throws IOException if it cannot be read
     */
    static String sha256(Path f) throws IOException {
        MessageDigest digest = digest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
