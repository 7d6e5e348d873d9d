package org.powerquant.artifact;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.data.Preprocessing;
import org.powerquant.demo.DemoModel;
import org.powerquant.transform.PowerQuantTransform;

/** Quantized demo models, their artifacts and reference logits, for the artifact tests. */
public final class ArtifactFixtures {

    /** The demo model's preprocessing, as recorded in its artifacts. */
    public static final Preprocessing DEMO_PREPROCESSING = demoPreprocessingAt(28);

    private ArtifactFixtures() {}

    /**
     * The demo network quantized in memory.
     *
     * @param weightBits weight bits
     * @param activationBits activation bits, 0 for float (the batch-norm model calibrates them)
     * @return the quantized model
     * @throws Exception if the demo cannot be loaded
     */
    public static QuantizedModel<NDList, NDList> quantizedDemo(int weightBits, int activationBits)
            throws Exception {
        PowerQuantTransform.Builder transform =
                PowerQuantTransform.builder().weightBits(weightBits).threads(2);
        if (activationBits > 0) {
            transform.activationBits(activationBits).calibration(new BatchNormModel());
        }
        return quantizedDemo(transform.build());
    }

    /**
     * Saves the demo network quantized at 4 weight bits, with the demo's preprocessing, as an
     * artifact.
     *
     * @param target the artifact directory to write
     * @return {@code target}
     * @throws Exception if the demo cannot be loaded or saved
     */
    public static Path savedDemoW4(Path target) throws Exception {
        try (QuantizedModel<NDList, NDList> q = quantizedDemo(4, 0)) {
            PowerQuant.save(q, target, DEMO_PREPROCESSING);
        }
        return target;
    }

    /**
     * The demo network quantized in memory by a given transform.
     *
     * @param transform the transform
     * @return the quantized model
     * @throws Exception if the demo cannot be loaded
     */
    public static QuantizedModel<NDList, NDList> quantizedDemo(PowerQuantTransform transform)
            throws Exception {
        Model model = DemoModel.load(Device.cpu());
        ZooModel<NDList, NDList> zoo = new ZooModel<>(model, new NoopTranslator());
        return new QuantizedModel<>(zoo, transform.apply(zoo));
    }

    /**
     * A batch of reproducible pseudo-random inputs.
     *
     * @param manager where to create it
     * @param shape the shape
     * @param seed the seed
     * @return the batch
     */
    public static NDList input(NDManager manager, Shape shape, long seed) {
        Random random = new Random(seed);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return new NDList(manager.create(values, shape));
    }

    /**
     * The logits of a model on a batch.
     *
     * @param model the model
     * @param input the batch
     * @return the logits
     * @throws Exception if prediction fails
     */
    public static float[] logits(ZooModel<NDList, NDList> model, NDList input) throws Exception {
        try (Predictor<NDList, NDList> predictor = model.newPredictor()) {
            return predictor.predict(input).singletonOrThrow().toFloatArray();
        }
    }

    /**
     * Writes the W4A4 demo artifact and, beside it, its in-memory logits on {@link #input} (seed 7,
     * shape 4x1x28x28) as raw big-endian floats: the fixture of the test that loads an artifact
     * with plain DJL only. Called by reflection so that that test imports nothing of this project.
     *
     * @param directory the artifact directory to write
     * @param logitsFile where to write the reference logits
     * @throws Exception if anything fails
     */
    public static void writeDemoArtifact(Path directory, Path logitsFile) throws Exception {
        try (QuantizedModel<NDList, NDList> q = quantizedDemo(4, 4);
                NDManager manager = NDManager.newBaseManager()) {
            PowerQuant.save(q, directory, DEMO_PREPROCESSING);
            float[] logits = logits(q.model(), input(manager, new Shape(4, 1, 28, 28), 7));
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(logitsFile))) {
                for (float v : logits) {
                    out.writeFloat(v);
                }
            }
        }
    }

    /**
     * Copies an artifact's files into a new directory, there to be edited.
     *
     * @param artifact the artifact directory
     * @param target the directory to create
     * @return {@code target}
     * @throws IOException if a file cannot be copied
     */
    public static Path copy(Path artifact, Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(artifact)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    /**
     * Edits an artifact's manifest and seals it again, so that the edit is all that is wrong with
     * it. JSON nulls the edit puts in are written out (the seal leaves null entries aside).
     *
     * @param artifact the artifact directory
     * @param edit what to change in the manifest's content
     * @throws IOException if the manifest cannot be read or written
     */
    public static void editSealed(Path artifact, Consumer<JsonObject> edit) throws IOException {
        Path f = artifact.resolve(ArtifactManifest.FILE);
        JsonObject m =
                JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8))
                        .getAsJsonObject();
        m.remove("manifestSha256");
        edit.accept(m);
        JsonObject sealed = JsonParser.parseString(ArtifactManifest.seal(m)).getAsJsonObject();
        m.add("manifestSha256", sealed.get("manifestSha256"));
        Files.writeString(
                f,
                new GsonBuilder().serializeNulls().setPrettyPrinting().create().toJson(m),
                StandardCharsets.UTF_8);
    }

    /**
     * Edits a file of an artifact other than its manifest and seals the artifact again: the
     * manifest records the file's new length and checksum, so that the edit is all that is wrong
     * with it.
     *
     * @param artifact the artifact directory
     * @param file the file's name in the artifact, e.g. {@value QuantizedArtifact#REPORT}
     * @param edit what to change in the file's text
     * @throws IOException if a file cannot be read or written
     */
    public static void editFileSealed(Path artifact, String file, UnaryOperator<String> edit)
            throws IOException {
        Path f = artifact.resolve(file);
        Files.writeString(
                f, edit.apply(Files.readString(f, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        JsonObject entry = new JsonObject();
        entry.addProperty("bytes", Files.size(f));
        entry.addProperty("sha256", ArtifactManifest.sha256(f));
        editSealed(artifact, m -> m.getAsJsonObject("files").add(file, entry));
    }

    /**
     * Edits an artifact's {@value QuantizedArtifact#REPORT} as JSON and seals the artifact again.
     *
     * @param artifact the artifact directory
     * @param edit what to change in the report
     * @throws IOException if a file cannot be read or written
     * @see #editFileSealed
     */
    public static void editReportSealed(Path artifact, Consumer<JsonObject> edit)
            throws IOException {
        editFileSealed(
                artifact,
                QuantizedArtifact.REPORT,
                text -> {
                    JsonObject r = JsonParser.parseString(text).getAsJsonObject();
                    edit.accept(r);
                    return r.toString();
                });
    }

    /**
     * The demo model's preprocessing at another image size: the demo ends in global pooling, so it
     * takes any.
     *
     * @param imageSize the image size
     * @return the preprocessing
     */
    public static Preprocessing demoPreprocessingAt(int imageSize) {
        return Preprocessing.builder()
                .imageSize(imageSize)
                .channels(1)
                .mean(0.286f)
                .std(0.353f)
                .build();
    }

    /**
     * Makes a demo artifact record the input shape older artifacts recorded, the ResNet importer's
     * placeholder {@code [1, 1, 128, 128]}, and seals it again.
     *
     * @param artifact the artifact directory
     * @throws IOException if the manifest cannot be read or written
     */
    public static void recordPlaceholderInputShape(Path artifact) throws IOException {
        JsonArray placeholder = new JsonArray();
        for (long d : new long[] {1, 1, 128, 128}) {
            placeholder.add(d);
        }
        editSealed(artifact, m -> m.add("inputShape", placeholder));
    }
}
