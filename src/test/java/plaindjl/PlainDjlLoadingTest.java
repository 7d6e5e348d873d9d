package plaindjl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain DJL loads a PowerQuant artifact: this class imports nothing of the project, only DJL; the
 * plugin is present on the classpath, as its jar would be. The artifact (the demo network at W4A4)
 * and the logits the quantized model gave in memory come from a fixture, called by name.
 */
class PlainDjlLoadingTest {

    @TempDir Path dir;

    @Test
    void criteriaWithTheDirectoryLoadsTheQuantizedModelAndReproducesItsLogits() throws Exception {
        Path artifact = dir.resolve("fmnist-resnet-w4a4");
        Path reference = dir.resolve("logits.bin");
        Class.forName("org.powerquant.artifact.ArtifactFixtures")
                .getMethod("writeDemoArtifact", Path.class, Path.class)
                .invoke(null, artifact, reference);

        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .build();
        try (ZooModel<NDList, NDList> model = criteria.loadModel();
                Predictor<NDList, NDList> predictor = model.newPredictor();
                NDManager manager = NDManager.newBaseManager()) {
            Random random = new Random(7);
            Shape shape = new Shape(4, 1, 28, 28);
            float[] input = new float[(int) shape.size()];
            for (int i = 0; i < input.length; i++) {
                input[i] = (float) random.nextGaussian();
            }
            float[] logits =
                    predictor
                            .predict(new NDList(manager.create(input, shape)))
                            .singletonOrThrow()
                            .toFloatArray();
            float[] expected = new float[logits.length];
            try (DataInputStream in = new DataInputStream(Files.newInputStream(reference))) {
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = in.readFloat();
                }
                assertEquals(-1, in.read(), "as many logits as the in-memory model gave");
            }
            assertArrayEquals(bits(expected), bits(logits), "logits bit for bit");
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
