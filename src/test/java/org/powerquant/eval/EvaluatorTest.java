package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.IdxDataset;
import org.powerquant.data.ImageNetClasses;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;

class EvaluatorTest {

    private static final int IDS = 16;

    @TempDir Path dir;

    /** Per image id: its label and the rank the fake model gives that label. */
    private static final class Truth {
        final int[] label = new int[IDS];
        final int[] rank = new int[IDS];
        final float[][] logits = new float[IDS][];

        Truth(Random random, int classes, int width) {
            for (int id = 0; id < IDS; id++) {
                label[id] = random.nextInt(classes);
                rank[id] = random.nextInt(Math.min(width, 8));
                logits[id] = TestLogits.withRank(random, width, label[id], rank[id]);
            }
        }

        int top1(int[] ids) {
            int n = 0;
            for (int id : ids) {
                n += rank[id] == 0 ? 1 : 0;
            }
            return n;
        }

        int top5(int[] ids) {
            int n = 0;
            for (int id : ids) {
                n += rank[id] < 5 ? 1 : 0;
            }
            return n;
        }
    }

    /** Writes an IDX data set whose image i is constant with the grey level of id i % 16. */
    private IdxDataset idx(Truth truth, int n) throws IOException {
        int side = 6;
        byte[] pixels = new byte[n * side * side];
        byte[] labels = new byte[n];
        for (int i = 0; i < n; i++) {
            int id = i % IDS;
            java.util.Arrays.fill(
                    pixels, i * side * side, (i + 1) * side * side, (byte) Fixtures.level(id));
            labels[i] = (byte) truth.label[id];
        }
        Path images = dir.resolve("images.gz");
        Path labelFile = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {n, side, side}, pixels, true);
        Fixtures.writeIdx(labelFile, new int[] {n}, labels, true);
        return IdxDataset.open(images, labelFile);
    }

    private static int[] ids(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i % IDS;
        }
        return ids;
    }

    @Test
    void idxTopKMatchesTheKnownRanksForAnyBatchSize() throws IOException {
        Truth truth = new Truth(new Random(1), 10, 10);
        int n = 45;
        IdxDataset data = idx(truth, n);
        // 10 logits; the class count (largest label + 1) may be smaller, which is allowed
        try (Model model = Fixtures.lookupModel(truth.logits)) {
            for (int batch : new int[] {1, 7, 64}) {
                EvaluationResult r =
                        Evaluator.builder()
                                .preprocessing(Fixtures.identity(6))
                                .batchSize(batch)
                                .decoderThreads(1 + batch % 3)
                                .build()
                                .evaluate(model, data);
                assertEquals(n, r.images());
                assertEquals(truth.top1(ids(n)), r.top1Correct(), "batch " + batch);
                assertEquals(truth.top5(ids(n)), r.top5Correct(), "batch " + batch);
                assertEquals((double) truth.top1(ids(n)) / n, r.top1(), 1e-12);
                assertTrue(r.skippedImages().isEmpty());
            }
        }
    }

    @Test
    void limitTakesTheFirstImagesInOrder() throws IOException {
        Truth truth = new Truth(new Random(2), 10, 10);
        IdxDataset data = idx(truth, 40);
        try (Model model = Fixtures.lookupModel(truth.logits)) {
            for (int limit : new int[] {1, 5, 13, 40, 100}) {
                EvaluationResult r =
                        Evaluator.builder()
                                .preprocessing(Fixtures.identity(6))
                                .batchSize(4)
                                .limit(limit)
                                .build()
                                .evaluate(model, data);
                int expected = Math.min(limit, 40);
                assertEquals(expected, r.images());
                assertEquals(truth.top1(ids(expected)), r.top1Correct(), "limit " + limit);
                assertEquals(truth.top5(ids(expected)), r.top5Correct(), "limit " + limit);
            }
        }
    }

    @Test
    void imageFolderWithMixedSizesAndAnUnreadableImage() throws IOException {
        Random random = new Random(3);
        List<String> classes = List.of("apple", "banana", "cherry");
        Truth truth = new Truth(random, classes.size(), 3);
        // The label of an id is decided by the folder the image goes to: truth.label[id].
        List<Integer> expectedIds = new ArrayList<>();
        for (int id = 0; id < IDS; id++) {
            String folder = classes.get(truth.label[id]);
            int w = 3 + random.nextInt(10);
            int h = 3 + random.nextInt(10);
            String ext = id % 2 == 0 ? "png" : "bmp";
            Fixtures.writeImage(
                    dir.resolve(folder).resolve(String.format("img%02d.%s", id, ext)),
                    id,
                    w,
                    h,
                    random.nextBoolean());
            expectedIds.add(id);
        }
        Path broken = dir.resolve("banana/zz-broken.png");
        Files.write(broken, new byte[] {1, 2, 3, 4});
        LabelledImageDataset data = DatasetSpec.parse(dir.toString()).open();
        assertEquals(IDS + 1, data.size());
        int[] ids = expectedIds.stream().mapToInt(Integer::intValue).toArray();
        try (Model model = Fixtures.lookupModel(truth.logits)) {
            for (int threads : new int[] {1, 3}) {
                EvaluationResult r =
                        Evaluator.builder()
                                .preprocessing(Fixtures.identity(5))
                                .batchSize(3)
                                .decoderThreads(threads)
                                .build()
                                .evaluate(model, data);
                assertEquals(IDS, r.images());
                assertEquals(truth.top1(ids), r.top1Correct(), threads + " decoder threads");
                assertEquals(truth.top5(ids), r.top5Correct(), threads + " decoder threads");
                assertEquals(1, r.skippedImages().size());
                assertEquals(broken.toString(), r.skippedImages().get(0).image());
                assertTrue(r.toJson().contains("zz-broken.png"));
            }
        }
    }

    @Test
    void partialImageNetScoresAgainstThe1000ClassLogits() throws IOException {
        List<String> wnids = ImageNetClasses.wordNetIds();
        // three present classes; image id k sits in folder present[k]
        int[] present = {0, 207, 999};
        float[][] logits = new float[IDS][1000];
        for (int k = 0; k < 3; k++) {
            Fixtures.writeImage(
                    dir.resolve(wnids.get(present[k])).resolve("v" + k + ".png"), k, 10, 12, true);
        }
        logits[0][0] = 5; // right
        logits[1][207] = 5; // right
        logits[2][998] = 5; // wrong: 999 has rank 1 (index 998 above it), but within top-5
        logits[2][999] = 4;
        LabelledImageDataset data = DatasetSpec.parse("imagenet:" + dir).open();
        try (Model model = Fixtures.lookupModel(logits)) {
            EvaluationResult r =
                    Evaluator.builder()
                            .preprocessing(Fixtures.identity(4))
                            .build()
                            .evaluate(model, data);
            assertEquals(3, r.images());
            assertEquals(2, r.top1Correct());
            assertEquals(3, r.top5Correct());
        }
    }

    @Test
    void rejectsAModelWithFewerOutputsThanClasses() throws IOException {
        Fixtures.writeImage(dir.resolve("n01440764/a.png"), 1, 4, 4, false);
        LabelledImageDataset data = DatasetSpec.parse(dir.toString()).open();
        try (Model model = Fixtures.lookupModel(new float[IDS][10])) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    Evaluator.builder()
                                            .preprocessing(Fixtures.identity(4))
                                            .build()
                                            .evaluate(model, data));
            assertTrue(e.getMessage().contains("outputs 10 logits"), e.getMessage());
            assertTrue(e.getMessage().contains("1000 classes"), e.getMessage());
        }
    }

    @Test
    void failsWhenNoImageIsReadable() throws IOException {
        Files.createDirectories(dir.resolve("a"));
        Files.write(dir.resolve("a/x.jpg"), new byte[] {0});
        Files.write(dir.resolve("a/y.png"), new byte[] {0, 1});
        LabelledImageDataset data = DatasetSpec.parse("folder:" + dir).open();
        try (Model model = Fixtures.lookupModel(new float[IDS][1])) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    Evaluator.builder()
                                            .preprocessing(Fixtures.identity(4))
                                            .build()
                                            .evaluate(model, data));
            assertTrue(e.getMessage().startsWith("no readable image"), e.getMessage());
            assertTrue(e.getMessage().contains("2 skipped"), e.getMessage());
        }
    }

    @Test
    void failsWhenImagesPreprocessToDifferentSizes() throws IOException {
        Fixtures.writeImage(dir.resolve("a/1.png"), 1, 4, 4, false);
        Fixtures.writeImage(dir.resolve("a/2.png"), 2, 5, 4, false);
        LabelledImageDataset data = DatasetSpec.parse("folder:" + dir).open();
        Preprocessing none =
                Preprocessing.builder().resizeShort(0).centerCrop(0).mean(0f).std(1f).build();
        try (Model model = Fixtures.lookupModel(new float[IDS][1])) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () ->
                                    Evaluator.builder()
                                            .preprocessing(none)
                                            .build()
                                            .evaluate(model, data));
            assertTrue(e.getMessage().contains("2.png"), e.getMessage());
        }
    }

    @Test
    void reportsProgressAndJson() throws IOException {
        Truth truth = new Truth(new Random(4), 10, 10);
        IdxDataset data = idx(truth, 20);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Model model = Fixtures.lookupModel(truth.logits);
                PrintStream progress = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            EvaluationResult r =
                    Evaluator.builder()
                            .preprocessing(Fixtures.identity(6))
                            .batchSize(5)
                            .device(Device.cpu())
                            .progress(progress)
                            .progressInterval(Duration.ZERO)
                            .build()
                            .evaluate(model, data);
            String text = bytes.toString(StandardCharsets.UTF_8);
            assertTrue(text.contains("20/20 images"), text);
            assertTrue(text.contains("images/s") && text.contains("running top-1"), text);
            JsonObject json = JsonParser.parseString(r.toJson()).getAsJsonObject();
            assertEquals(
                    List.of("images", "top1", "top5", "seconds", "imagesPerSecond"),
                    new ArrayList<>(json.keySet()).subList(0, 5));
            assertEquals(20, json.get("images").getAsInt());
            assertEquals(r.top1(), json.get("top1").getAsDouble());
            assertEquals(r.top5(), json.get("top5").getAsDouble());
            assertTrue(r.top1() >= 0 && r.top5() <= 1 && r.top1() <= r.top5());
        }
    }

    @Test
    void builderRejectsBadOptions() {
        assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().batchSize(0));
        assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().limit(-1));
        assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().prefetch(0));
        assertThrows(IllegalArgumentException.class, () -> Evaluator.builder().decoderThreads(0));
    }

    @Test
    void devicesResolveNames() {
        assertEquals(Device.cpu(), Devices.resolve("cpu"));
        assertEquals(Device.cpu(), Devices.resolve("CPU"));
        org.powerquant.InvalidInputException e =
                assertThrows(
                        org.powerquant.InvalidInputException.class, () -> Devices.resolve("tpu"));
        assertEquals(org.powerquant.Role.DEVICE, e.role(), e.getMessage());
    }
}
