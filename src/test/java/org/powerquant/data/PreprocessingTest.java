package org.powerquant.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PreprocessingTest {

    /**
     * torch interpolate (bilinear, align_corners=False, no antialias) through DJL's PyTorch engine.
     */
    private static float[] torchResize(NDManager manager, DecodedImage image, int h, int w) {
        // DJL's resize takes (H, W, C); move channels last and back.
        NDArray chw =
                manager.create(
                        image.pixels(), new Shape(image.channels(), image.height(), image.width()));
        NDArray hwc = chw.transpose(1, 2, 0);
        NDArray resized = NDImageUtils.resize(hwc, w, h, Image.Interpolation.BILINEAR);
        return resized.transpose(2, 0, 1).toFloatArray();
    }

    private static DecodedImage randomImage(Random random, int c, int h, int w) {
        float[] p = new float[c * h * w];
        for (int i = 0; i < p.length; i++) {
            p[i] = random.nextFloat();
        }
        return new DecodedImage(c, h, w, p);
    }

    @Test
    void upscalingMatchesTorchInterpolateInBothModes() {
        // Upscaling is identical with and without antialiasing, so DJL's (antialiased) resize is
        // a reference for torch's default interpolate here. Sides start at 2: the antialiased
        // torch kernel returns wrong values for a side of 1 pixel (libtorch 2.7.1 via DJL).
        Random random = new Random(42);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int trial = 0; trial < 150; trial++) {
                int c = random.nextBoolean() ? 1 : 3;
                int h = 2 + random.nextInt(40);
                int w = 2 + random.nextInt(40);
                int oh = h + random.nextInt(50);
                int ow = w + random.nextInt(50);
                DecodedImage image = randomImage(random, c, h, w);
                float[] expected = torchResize(manager, image, oh, ow);
                for (boolean antialias : new boolean[] {false, true}) {
                    DecodedImage actual = BilinearResize.resize(image, oh, ow, antialias);
                    assertEquals(oh, actual.height());
                    assertEquals(ow, actual.width());
                    assertArrayEquals(
                            expected,
                            actual.pixels(),
                            2e-6f,
                            () -> "resize " + h + "x" + w + " -> " + oh + "x" + ow);
                }
            }
        }
    }

    @Test
    void antialiasedDownscalingMatchesTorchInterpolateWithAntialias() {
        // DJL's NDImageUtils.resize on the PyTorch engine is interpolate(..., antialias=True).
        Random random = new Random(43);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            for (int trial = 0; trial < 150; trial++) {
                int c = random.nextBoolean() ? 1 : 3;
                int h = 2 + random.nextInt(60);
                int w = 2 + random.nextInt(60);
                int oh = 2 + random.nextInt(60);
                int ow = 2 + random.nextInt(60);
                DecodedImage image = randomImage(random, c, h, w);
                float[] expected = torchResize(manager, image, oh, ow);
                DecodedImage actual = BilinearResize.resize(image, oh, ow, true);
                assertArrayEquals(
                        expected,
                        actual.pixels(),
                        2e-6f,
                        () -> "antialiased resize " + h + "x" + w + " -> " + oh + "x" + ow);
            }
        }
    }

    @Test
    void plainDownscalingSamplesAtTorchSourceCoordinates() {
        // torch: interpolate(arange(4).view(1,1,4,1), size=(3,1), mode="bilinear",
        // align_corners=False) samples at (i + 0.5) * 4/3 - 0.5 = 1/6, 3/2, 17/6.
        DecodedImage column = new DecodedImage(1, 4, 1, new float[] {0, 1, 2, 3});
        assertArrayEquals(
                new float[] {1 / 6f, 1.5f, 17 / 6f},
                BilinearResize.resize(column, 3, 1).pixels(),
                1e-6f);
    }

    @Test
    void plainHalvingAveragesTwoByTwoBlocks() {
        // At scale 2 every source coordinate is 2i + 0.5: the mean of a 2x2 block.
        Random random = new Random(44);
        for (int trial = 0; trial < 30; trial++) {
            int oh = 1 + random.nextInt(20);
            int ow = 1 + random.nextInt(20);
            DecodedImage image = randomImage(random, 3, 2 * oh, 2 * ow);
            float[] out = BilinearResize.resize(image, oh, ow).pixels();
            float[] in = image.pixels();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < oh; y++) {
                    for (int x = 0; x < ow; x++) {
                        int i = (c * 2 * oh + 2 * y) * 2 * ow + 2 * x;
                        float mean = (in[i] + in[i + 1] + in[i + 2 * ow] + in[i + 2 * ow + 1]) / 4;
                        assertEquals(mean, out[(c * oh + y) * ow + x], 1e-6);
                    }
                }
            }
        }
    }

    @Test
    void sharedModelResizeOf28To64MatchesTorch() {
        Random random = new Random(3);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            DecodedImage image = randomImage(random, 1, 28, 28);
            assertArrayEquals(
                    torchResize(manager, image, 64, 64),
                    BilinearResize.resize(image, 64, 64).pixels(),
                    2e-6f);
        }
    }

    @Test
    void resizeShortKeepsAspectRatioAsTorchvisionAndCropsTheCentre() {
        Random random = new Random(5);
        for (int trial = 0; trial < 40; trial++) {
            int h = 2 + random.nextInt(60);
            int w = 2 + random.nextInt(60);
            int shortSide = 1 + random.nextInt(30);
            Preprocessing p =
                    Preprocessing.builder()
                            .resizeShort(shortSide)
                            .centerCrop(0)
                            .mean(0f)
                            .std(1f)
                            .build();
            DecodedImage out = p.apply(randomImage(random, 3, h, w));
            // torchvision: short side -> size, long side -> int(size * long / short)
            int expectedLong = (int) ((double) shortSide * Math.max(h, w) / Math.min(h, w));
            assertEquals(h <= w ? shortSide : expectedLong, out.height());
            assertEquals(h <= w ? expectedLong : shortSide, out.width());
        }
    }

    @Test
    void centerCropUsesPythonRoundingOfTheOffset() {
        // 7 wide, crop 4: offset round(1.5) = 2 in Python (banker's rounding); 9 wide: round(2.5) =
        // 2
        float[] row7 = {0, 1, 2, 3, 4, 5, 6};
        DecodedImage crop = Preprocessing.centerCrop(new DecodedImage(1, 7, 7, tile(row7, 7)), 4);
        assertEquals(2f, crop.pixels()[0]);
        float[] row9 = {0, 1, 2, 3, 4, 5, 6, 7, 8};
        DecodedImage crop9 = Preprocessing.centerCrop(new DecodedImage(1, 9, 9, tile(row9, 9)), 4);
        assertEquals(2f, crop9.pixels()[0]);
    }

    @Test
    void centerCropPadsSmallImagesWithZeros() {
        DecodedImage one = new DecodedImage(1, 1, 1, new float[] {0.5f});
        DecodedImage crop = Preprocessing.centerCrop(one, 3);
        assertArrayEquals(new float[] {0, 0, 0, 0, 0.5f, 0, 0, 0, 0}, crop.pixels());
    }

    private static float[] tile(float[] row, int rows) {
        float[] out = new float[row.length * rows];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(row, 0, out, r * row.length, row.length);
        }
        return out;
    }

    @Test
    void normalisesPerChannelAndRepeatsGrey() {
        Preprocessing p =
                Preprocessing.builder()
                        .imageSize(2)
                        .mean(0.1f, 0.2f, 0.3f)
                        .std(0.5f, 0.25f, 2f)
                        .build();
        DecodedImage grey = new DecodedImage(1, 2, 2, new float[] {0.5f, 0.5f, 0.5f, 0.5f});
        DecodedImage out = p.apply(grey);
        assertEquals(3, out.channels());
        assertEquals((0.5f - 0.1f) / 0.5f, out.pixels()[0], 1e-6);
        assertEquals((0.5f - 0.2f) / 0.25f, out.pixels()[4], 1e-6);
        assertEquals((0.5f - 0.3f) / 2f, out.pixels()[8], 1e-6);
    }

    @Test
    void greyImagesGiveTheSameInputAsTheirThreeChannelCopies() {
        Random random = new Random(6);
        Preprocessing p =
                Preprocessing.builder()
                        .resizeShort(1 + random.nextInt(40))
                        .centerCrop(1 + random.nextInt(30))
                        .mean(0.1f, 0.2f, 0.3f)
                        .std(0.4f, 0.5f, 0.6f)
                        .build();
        for (int trial = 0; trial < 30; trial++) {
            DecodedImage grey =
                    randomImage(random, 1, 1 + random.nextInt(50), 1 + random.nextInt(50));
            assertArrayEquals(p.apply(grey.withChannels(3)).pixels(), p.apply(grey).pixels(), 0f);
        }
    }

    @Test
    void oneChannelReducesColourToLuminance() {
        Preprocessing p = Preprocessing.builder().imageSize(1).channels(1).mean(0f).std(1f).build();
        DecodedImage rgb = new DecodedImage(3, 1, 1, new float[] {1f, 0f, 0f});
        assertEquals(0.299f, p.apply(rgb).pixels()[0], 1e-6);
    }

    @Test
    void sharedFashionMnistPreprocessingGivesExpectedShape() {
        Preprocessing p = Preprocessing.builder().imageSize(64).mean(0.2860f).std(0.3530f).build();
        DecodedImage out = p.apply(new DecodedImage(1, 28, 28, new float[28 * 28]));
        assertEquals(3, out.channels());
        assertEquals(64, out.height());
        assertEquals(64, out.width());
        assertEquals(-0.2860f / 0.3530f, out.pixels()[100], 1e-6);
        assertArrayEquals(new int[] {64, 64}, p.outputSize());
    }

    @Test
    void imageNetDefaults() {
        Preprocessing p = Preprocessing.imageNet();
        DecodedImage out = p.apply(new DecodedImage(3, 300, 400, new float[3 * 300 * 400]));
        assertEquals(224, out.height());
        assertEquals(224, out.width());
        assertEquals((0 - 0.485f) / 0.229f, out.pixels()[0], 1e-6);
        assertTrue(p.toString().contains("resizeShort=256"));
    }

    @Test
    void rejectsMeanOrStdOfTheWrongLength() {
        org.powerquant.InvalidInputException e =
                assertThrows(
                        org.powerquant.InvalidInputException.class,
                        () -> Preprocessing.builder().mean(0.1f, 0.2f).build());
        assertEquals(org.powerquant.Role.MEAN, e.role(), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.builder().std(0f).build());
        assertThrows(IllegalArgumentException.class, () -> Preprocessing.builder().channels(2));
    }

    @Test
    void oneChannelNeedsItsOwnMeanAndStdNotImageNetsThreeChannelDefaults() {
        org.powerquant.InvalidInputException noMean =
                assertThrows(
                        org.powerquant.InvalidInputException.class,
                        () -> Preprocessing.builder().channels(1).std(0.3f).build());
        assertEquals(org.powerquant.Role.MEAN, noMean.role(), noMean.getMessage());
        org.powerquant.InvalidInputException noStd =
                assertThrows(
                        org.powerquant.InvalidInputException.class,
                        () -> Preprocessing.builder().channels(1).mean(0.3f).build());
        assertEquals(org.powerquant.Role.STD, noStd.role(), noStd.getMessage());
        Preprocessing given = Preprocessing.builder().channels(1).mean(0.3f).std(0.5f).build();
        assertEquals(1, given.channels());
    }

    @Test
    void aOneChannelInputAsksForOneMeanValueNotOneOrOne() {
        org.powerquant.InvalidInputException e =
                assertThrows(
                        org.powerquant.InvalidInputException.class,
                        () ->
                                Preprocessing.builder()
                                        .channels(1)
                                        .mean(0.1f, 0.2f, 0.3f)
                                        .std(0.3f)
                                        .build());
        assertEquals(org.powerquant.Role.MEAN, e.role(), e.getMessage());
        assertEquals("mean needs one value (the input has one channel), got 3", e.getMessage());
    }
}
