package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.data.DatasetSpec;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.eval.Fixtures;

/** Calibration images are preprocessed as evaluation images; a bad one is one named error. */
class DatasetCalibrationImagesTest {

    @TempDir Path dir;

    @Test
    void calibrationImagesAreExactlyTheEvaluationInputs() throws IOException {
        Fixtures.writeImage(dir.resolve("a/1.png"), 1, 9, 7, true);
        Fixtures.writeImage(dir.resolve("b/2.png"), 2, 5, 11, false);
        LabelledImageDataset data = DatasetSpec.parse("folder:" + dir).open();
        Preprocessing pre = Preprocessing.builder().resizeShort(6).centerCrop(4).build();
        DatasetCalibrationImages images = new DatasetCalibrationImages(data, pre);
        assertEquals(3, images.imageShape()[0]);
        for (int i = 0; i < data.size(); i++) {
            assertEquals(
                    java.util.Arrays.toString(pre.apply(data.image(i)).pixels()),
                    java.util.Arrays.toString(images.image(i)));
        }
    }

    @Test
    void anUnreadableImageIsOneErrorNamingIt() throws IOException {
        Files.createDirectories(dir.resolve("a"));
        Path broken = Files.write(dir.resolve("a/broken.png"), new byte[] {1, 2, 3});
        LabelledImageDataset data = DatasetSpec.parse("folder:" + dir).open();
        DatasetCalibrationImages images =
                new DatasetCalibrationImages(data, Preprocessing.builder().imageSize(4).build());
        InvalidInputException e = assertThrows(InvalidInputException.class, () -> images.image(0));
        assertEquals(Role.CALIBRATION_DATA, e.role());
        assertTrue(e.getMessage().contains(broken.getFileName().toString()), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void aVariableInputSizeIsRefused() throws IOException {
        Fixtures.writeImage(dir.resolve("a/1.png"), 1, 9, 7, true);
        LabelledImageDataset data = DatasetSpec.parse("folder:" + dir).open();
        assertEquals(
                Role.INPUT_SIZE,
                assertThrows(
                                InvalidInputException.class,
                                () ->
                                        new DatasetCalibrationImages(
                                                data,
                                                Preprocessing.builder()
                                                        .resizeShort(8)
                                                        .centerCrop(0)
                                                        .build()))
                        .role());
    }
}
