package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;
import org.powerquant.calibrate.BatchNormModel;
import org.powerquant.calibrate.CalibrationMode;
import org.powerquant.calibrate.SyntheticCalibration;
import org.powerquant.eval.Comparison;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;

/** The one option set: every setting checked with the role at fault, one factory. */
class QuantizationOptionsTest {

    private static QuantizationOptions.Builder w4a4() {
        return QuantizationOptions.builder().weightBits(4).activationBits(4).inputSize(32, 32);
    }

    private static void assertRefused(
            Role role, UnaryOperator<QuantizationOptions.Builder> change) {
        InvalidInputException e =
                assertThrows(InvalidInputException.class, () -> change.apply(w4a4()).build());
        assertEquals(role, e.role(), e.getMessage());
        assertTrue(e.getMessage().startsWith(role.label()), e.getMessage());
        assertTrue(!e.getMessage().contains("--"), "no flag in the library: " + e.getMessage());
    }

    @Test
    void everyBitWidthOutsideTwoToEightIsRefusedNamingItsRole() {
        Random random = new Random(8);
        for (int i = 0; i < 200; i++) {
            int bits = random.nextInt(41) - 20;
            if (bits == 0 || (bits >= 2 && bits <= 8)) {
                continue;
            }
            assertRefused(Role.WEIGHT_BITS, b -> b.weightBits(bits));
            assertRefused(Role.ACTIVATION_BITS, b -> b.activationBits(bits));
            assertRefused(Role.LAST_LAYER_BITS, b -> b.lastLayerBits(bits));
        }
    }

    @Test
    void numbersMustBeFiniteAndSensible() {
        double[] bad = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1, 0};
        for (double x : bad) {
            assertRefused(Role.EXPONENT_BOUNDS, b -> b.exponentBounds(x, 1.5));
            assertRefused(Role.TOLERANCE, b -> b.tolerance(x));
        }
        assertRefused(Role.EXPONENT_BOUNDS, b -> b.exponentBounds(1.5, 0.2));
        assertRefused(Role.EXPONENT_BOUNDS, b -> b.exponentBounds(0.2, Double.NaN));
        assertRefused(Role.TOLERANCE, b -> b.tolerance(2));
        assertRefused(Role.CALIBRATION_IMAGES, b -> b.calibrationImages(0));
        assertRefused(Role.INPUT_SIZE, b -> b.inputSize(0, 32));
        assertRefused(Role.INPUT_SIZE, b -> b.inputSize(100_000, 100_000));
        assertRefused(Role.SKIP, b -> b.skip(List.of(" ")));
    }

    @Test
    void activationSettingsNeedActivationBitsAndWeightsFirst() {
        assertRefused(Role.ACTIVATION_BITS, b -> b.weightBits(0));
        assertRefused(Role.LAST_LAYER_BITS, b -> b.activationBits(0).lastLayerBits(8));
        assertRefused(Role.QUANTIZE_INPUT, b -> b.activationBits(0).quantizeInput(true));
        assertRefused(
                Role.CALIBRATION_MODE,
                b -> b.activationBits(0).calibrationMode(CalibrationMode.BN_MODEL));
        assertRefused(
                Role.CALIBRATION_DATA,
                b -> b.calibrationMode(CalibrationMode.DATA).calibrationData(null));
        assertRefused(
                Role.ACTIVATION_ROUNDING,
                b -> b.activationBits(0).activationRounding(CodeRounding.NEAREST_LEVEL));
    }

    @Test
    void syntheticCalibrationNeedsTheInputSizeInsteadOfAssuming224() {
        InvalidInputException e =
                assertThrows(
                        InvalidInputException.class,
                        () ->
                                QuantizationOptions.builder()
                                        .weightBits(4)
                                        .activationBits(4)
                                        .build());
        assertEquals(Role.INPUT_SIZE, e.role());
        assertEquals(
                Role.INPUT_SIZE,
                assertThrows(
                                InvalidInputException.class,
                                () ->
                                        PowerQuantTransform.builder()
                                                .weightBits(4)
                                                .activationBits(4)
                                                .build())
                        .role());
        assertEquals(
                Role.INPUT_SIZE,
                assertThrows(
                                InvalidInputException.class,
                                () ->
                                        Comparison.defaultTransform(
                                                QuantizationSetting.parse("w4a4"),
                                                QuantizationMethod.POWER))
                        .role());
        assertEquals(
                Role.INPUT_SIZE,
                assertThrows(
                                InvalidInputException.class,
                                () -> SyntheticCalibration.builder().build())
                        .role());
        // 8 bits are calibrated on synthetic images too, so they need the size as well
        assertEquals(
                Role.INPUT_SIZE,
                assertThrows(
                                InvalidInputException.class,
                                () ->
                                        QuantizationOptions.builder()
                                                .weightBits(8)
                                                .activationBits(8)
                                                .build())
                        .role());
        // the batch-norm model needs no image
        QuantizationOptions bnModel =
                QuantizationOptions.builder()
                        .weightBits(8)
                        .activationBits(8)
                        .calibrationMode(CalibrationMode.BN_MODEL)
                        .build();
        assertTrue(bnModel.transform().calibration() instanceof BatchNormModel);
    }

    @Test
    void theFactoryCarriesEverySetting() {
        QuantizationOptions options =
                w4a4().method(QuantizationMethod.UNIFORM)
                        .lastLayerBits(6)
                        .quantizeInput(true)
                        .seed(7)
                        .inputSize(48, 40)
                        .build();
        PowerQuantTransform t = options.transform();
        assertEquals(4, t.weightQuantizer().bits());
        assertEquals(4, t.activationBits());
        assertEquals(6, t.lastLayerBits());
        assertTrue(t.quantizeInput());
        assertEquals(QuantizationMethod.UNIFORM, t.weightQuantizer().method());
        SyntheticCalibration synthetic = (SyntheticCalibration) t.calibration();
        assertEquals(7, synthetic.distiller().seed());
        assertEquals(CalibrationMode.SYNTHETIC, options.calibrationMode());
    }

    @Test
    void aSizeBudgetMustLieBetweenOneBitBelowTheWeightBitsAndEight() {
        for (int bits = 2; bits <= 8; bits++) {
            int w = bits;
            int lowest = Math.max(2, bits - 1);
            for (double budget :
                    new double[] {
                        lowest - 0.01, 8.01, -1, Double.NaN, Double.POSITIVE_INFINITY, 1.99
                    }) {
                assertRefused(Role.SIZE_BUDGET, b -> b.weightBits(w).sizeBudget(budget));
            }
            for (double budget : new double[] {lowest, (lowest + 8) / 2.0, 8}) {
                QuantizationOptions o = w4a4().weightBits(w).sizeBudget(budget).build();
                assertEquals(budget, o.sizeBudget());
                assertEquals(budget, o.toBuilder().build().sizeBudget());
                assertTrue(o.transform().mixedPrecision() != null);
            }
        }
        assertRefused(Role.SIZE_BUDGET, b -> b.activationBits(0).weightBits(0).sizeBudget(4));
        assertNull(w4a4().build().transform().mixedPrecision(), "uniform width by default");
        InvalidInputException e =
                assertThrows(
                        InvalidInputException.class,
                        () -> PowerQuantTransform.builder().weightBits(4).sizeBudget(2.5).build());
        assertEquals(Role.SIZE_BUDGET, e.role());
    }

    @Test
    void theAccuracyOptionsReachTheTransformAndCarryOverInEveryCombination() {
        QuantizationOptions plain = w4a4().build();
        assertFalse(plain.transform().weightQuantizer().clipping());
        assertEquals(WeightRounding.NEAREST, plain.transform().weightQuantizer().rounding());
        assertFalse(plain.transform().biasCorrection());
        for (boolean clip : new boolean[] {false, true}) {
            for (WeightRounding rounding : WeightRounding.values()) {
                for (boolean correct : new boolean[] {false, true}) {
                    QuantizationOptions options =
                            w4a4().clipping(clip)
                                    .rounding(rounding)
                                    .biasCorrection(correct)
                                    .build();
                    for (QuantizationOptions o : carriedOver(options, "w6")) {
                        PowerQuantTransform t = o.transform();
                        String what = clip + " " + rounding + " " + correct;
                        assertEquals(clip, t.weightQuantizer().clipping(), what);
                        assertEquals(rounding, t.weightQuantizer().rounding(), what);
                        assertEquals(correct, t.biasCorrection(), what);
                        assertEquals(clip, o.clipping(), what);
                        assertEquals(rounding, o.rounding(), what);
                        assertEquals(correct, o.biasCorrection(), what);
                    }
                }
            }
        }
    }

    /** Options as given, through {@code toBuilder}, and through a comparison's other setting. */
    private static List<QuantizationOptions> carriedOver(
            QuantizationOptions options, String otherSetting) {
        return List.of(
                options,
                options.toBuilder().build(),
                Comparison.options(
                        options,
                        QuantizationSetting.parse(otherSetting),
                        QuantizationMethod.UNIFORM));
    }

    @Test
    void theActivationRoundingReachesTheTransformAndCarriesOver() {
        assertEquals(CodeRounding.POWER_DOMAIN, w4a4().build().activationRounding());
        assertEquals(CodeRounding.POWER_DOMAIN, w4a4().build().transform().activationRounding());
        for (CodeRounding rounding : CodeRounding.values()) {
            QuantizationOptions options = w4a4().activationRounding(rounding).build();
            for (QuantizationOptions o : carriedOver(options, "w6a6")) {
                assertEquals(rounding, o.activationRounding());
                assertEquals(rounding, o.transform().activationRounding());
            }
        }
    }

    @Test
    void theDefaultCalibrationIsSyntheticAtEveryWidthAndAPinnedModeCarriesOver() {
        QuantizationOptions base = w4a4().build();
        assertEquals(CalibrationMode.SYNTHETIC, base.calibrationMode());
        QuantizationOptions w8a8 =
                Comparison.options(
                        base, QuantizationSetting.parse("w8a8"), QuantizationMethod.POWER);
        assertEquals(CalibrationMode.SYNTHETIC, w8a8.calibrationMode());
        QuantizationOptions w4 =
                Comparison.options(base, QuantizationSetting.parse("w4"), QuantizationMethod.POWER);
        assertNull(w4.calibrationMode());
        QuantizationOptions pinned = w4a4().calibrationMode(CalibrationMode.BN_MODEL).build();
        assertEquals(
                CalibrationMode.BN_MODEL,
                Comparison.options(
                                pinned, QuantizationSetting.parse("w6a6"), QuantizationMethod.POWER)
                        .calibrationMode());
    }
}
