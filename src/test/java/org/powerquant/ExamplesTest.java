package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.artifact.ArtifactManifest;
import org.powerquant.data.DecodedImage;
import org.powerquant.data.IdxDataset;
import org.powerquant.demo.DemoData;

/**
 * The programs in {@code examples/} run as a user runs them ({@code java -cp ... examples/X.java},
 * Java's single-file source launcher, with this build's classpath), so they cannot rot.
 */
class ExamplesTest {

    private static final Path EXAMPLES = Path.of("examples");
    private static final Pattern PREDICTION = Pattern.compile(": class (\\d+) \\(p = ");

    @TempDir Path dir;

    @Test
    void classifyWithArtifactLoadsADemoArtifactWithPlainDjlAndPredictsAsTheQuantizedModel()
            throws Exception {
        Path artifact = dir.resolve("demo-w4a4");
        ArtifactFixtures.writeDemoArtifact(artifact, dir.resolve("logits.bin"));
        int count = 4;
        List<String> images = pngs(count);
        List<String> args = new ArrayList<>(List.of(artifact.toString()));
        args.addAll(images);
        String out = run("ClassifyWithArtifact.java", args);
        List<Long> predicted = new ArrayList<>();
        Matcher m = PREDICTION.matcher(out);
        while (m.find()) {
            predicted.add(Long.parseLong(m.group(1)));
        }
        assertEquals(count, predicted.size(), out);
        try (QuantizedModel<NDList, NDList> loaded = PowerQuant.load(artifact);
                NDManager manager = NDManager.newBaseManager();
                var predictor = loaded.model().newPredictor()) {
            IdxDataset test = DemoData.testSet();
            for (int i = 0; i < count; i++) {
                float[] x = ArtifactFixtures.DEMO_PREPROCESSING.apply(test.image(i)).pixels();
                NDArray logits =
                        predictor
                                .predict(new NDList(manager.create(x, new Shape(1, 1, 28, 28))))
                                .singletonOrThrow();
                assertEquals(logits.argMax(1).getLong(0), predicted.get(i), "image " + i);
            }
        }
    }

    @Test
    void quantizeToArtifactQuantizesTheSharedResNetThroughCriteriaAndItsArtifactClassifies()
            throws Exception {
        Path model = SharedFixtures.resnet18();
        Path artifact = dir.resolve("resnet18-w4a8");
        String out =
                run(
                        "QuantizeToArtifact.java",
                        List.of(
                                "--model",
                                model.toString(),
                                "--out",
                                artifact.toString(),
                                "--weight-bits",
                                "4",
                                "--activation-bits",
                                "8"));
        assertTrue(out.contains("saved " + artifact), out);
        ArtifactManifest.read(artifact).verifyFiles();
        List<String> args = new ArrayList<>(List.of(artifact.toString()));
        args.addAll(pngs(2));
        String classified = run("ClassifyWithArtifact.java", args);
        Matcher m = PREDICTION.matcher(classified);
        int predictions = 0;
        while (m.find()) {
            predictions++;
        }
        assertEquals(2, predictions, classified);
    }

    /** The first bundled test images as grey PNG files. */
    private List<String> pngs(int count) throws IOException {
        IdxDataset test = DemoData.testSet();
        List<String> files = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            DecodedImage image = test.image(i);
            BufferedImage png =
                    new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_BYTE_GRAY);
            float[] pixels = image.pixels();
            for (int y = 0; y < image.height(); y++) {
                for (int x = 0; x < image.width(); x++) {
                    int v = Math.round(pixels[y * image.width() + x] * 255);
                    png.getRaster().setSample(x, y, 0, v);
                }
            }
            File file = dir.resolve("image" + i + ".png").toFile();
            ImageIO.write(png, "png", file);
            files.add(file.getPath());
        }
        return files;
    }

    private static String run(String example, List<String> args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Dai.djl.offline=true");
        command.add("-Xmx2g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(EXAMPLES.resolve(example).toString());
        command.addAll(args);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), example + " finished");
        String text = new String(output, StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), example + " failed:\n" + text);
        return text;
    }
}
