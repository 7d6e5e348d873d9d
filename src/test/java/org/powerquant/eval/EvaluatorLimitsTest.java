package org.powerquant.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.data.IdxDataset;
import org.powerquant.data.Preprocessing;

/** The evaluator's limits: memory bounded for any batch size, refusals named, one line each. */
class EvaluatorLimitsTest {

    @TempDir Path dir;

    private IdxDataset data(int n, byte[] labels) throws IOException {
        Path images = dir.resolve("images.gz");
        Path labelFile = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {n, 8, 8}, new byte[n * 64], true);
        Fixtures.writeIdx(labelFile, new int[] {n}, labels, true);
        return IdxDataset.open(images, labelFile);
    }

    @Test
    void anyBatchSizeFitsInMemory() throws IOException {
        IdxDataset data = data(10, new byte[10]);
        for (int batch : new int[] {1, 7, 10, 64, 2_000_000_000, Integer.MAX_VALUE}) {
            Evaluator e =
                    Evaluator.builder()
                            .preprocessing(Preprocessing.builder().imageSize(8).build())
                            .batchSize(batch)
                            .build();
            int used = e.effectiveBatchSize(data);
            assertTrue(used >= 1 && used <= Math.min(batch, 10), "batch " + batch + " -> " + used);
        }
        Preprocessing huge = Preprocessing.builder().imageSize(Preprocessing.MAX_SIDE).build();
        Evaluator big = Evaluator.builder().preprocessing(huge).batchSize(10).build();
        long bytes = 4L * 3 * Preprocessing.MAX_SIDE * Preprocessing.MAX_SIDE;
        assertTrue(
                (long) big.effectiveBatchSize(data) * bytes * 7
                        <= Math.max(bytes * 7, Runtime.getRuntime().maxMemory() / 8),
                "the queued batches fit in an eighth of the heap");
    }

    private static Model conv3(int classes) {
        Model model = Model.newInstance("three-channel");
        SequentialBlock block =
                new SequentialBlock()
                        .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(2).build())
                        .add(Blocks.batchFlattenBlock())
                        .add(Linear.builder().setUnits(classes).build());
        block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 8, 8));
        model.setBlock(block);
        return model;
    }

    @Test
    void aModelThatRejectsTheInputShapeIsOneLineNamingTheModelAndTheShape() throws IOException {
        IdxDataset data = data(4, new byte[4]);
        try (Model model = conv3(10)) {
            Evaluator grey =
                    Evaluator.builder()
                            .preprocessing(
                                    Preprocessing.builder()
                                            .imageSize(8)
                                            .channels(1)
                                            .mean(0f)
                                            .std(1f)
                                            .build())
                            .build();
            InvalidInputException e =
                    assertThrows(InvalidInputException.class, () -> grey.evaluate(model, data));
            assertEquals(Role.MODEL, e.role());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            assertTrue(e.getMessage().contains("(4, 1, 8, 8)"), e.getMessage());
            assertTrue(e.getMessage().contains("channels"), e.getMessage());
        }
    }

    @Test
    void labelsBeyondTheModelsLogitsAreNamedOutOfRange() throws IOException {
        IdxDataset data = data(3, new byte[] {0, (byte) 200, 1});
        try (Model model = conv3(10)) {
            Evaluator e =
                    Evaluator.builder()
                            .preprocessing(Preprocessing.builder().imageSize(8).build())
                            .build();
            InvalidInputException ex =
                    assertThrows(InvalidInputException.class, () -> e.evaluate(model, data));
            assertEquals(Role.DATASET, ex.role());
            assertTrue(ex.getMessage().contains("labels 0 to 200"), ex.getMessage());
            assertTrue(ex.getMessage().contains("out of range"), ex.getMessage());
        }
    }
}
