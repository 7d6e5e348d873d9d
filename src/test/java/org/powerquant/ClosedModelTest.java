package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.NoopTranslator;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.demo.DemoModel;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationReport;

/**
 * A model closed before it is quantized or saved is refused naming it, and saving it creates
 * nothing. The refusals were DJL's "Native resource has been released already." and "NDManager has
 * been closed already.", naming no model, and {@link PowerQuant#save(Model, Path)} created the
 * target directory before failing.
 */
class ClosedModelTest {

    @TempDir Path dir;

    private final PowerQuantTransform w4 =
            PowerQuantTransform.builder().weightBits(4).threads(1).build();

    private static void assertNamesTheClosedModel(IllegalStateException e) {
        assertTrue(
                e.getMessage().startsWith("model " + DemoModel.NAME + " is closed: "),
                e.getMessage());
    }

    @Test
    void applyingATransformToAClosedModelIsRefusedNamingIt() throws Exception {
        Model model = DemoModel.load(Device.cpu());
        model.close();
        assertNamesTheClosedModel(assertThrows(IllegalStateException.class, () -> w4.apply(model)));
        assertNamesTheClosedModel(assertThrows(IllegalStateException.class, () -> w4.check(model)));
    }

    @Test
    void savingAClosedModelIsRefusedNamingItAndCreatesNothing() throws Exception {
        ZooModel<NDList, NDList> model =
                new ZooModel<>(DemoModel.load(Device.cpu()), new NoopTranslator());
        QuantizationReport report = w4.apply(model);
        model.close();
        Path params = dir.resolve("params");
        assertNamesTheClosedModel(
                assertThrows(IllegalStateException.class, () -> PowerQuant.save(model, params)));
        assertFalse(Files.exists(params), "nothing created");
        Path artifact = dir.resolve("artifact");
        assertNamesTheClosedModel(
                assertThrows(
                        IllegalStateException.class,
                        () -> PowerQuant.save(new QuantizedModel<>(model, report), artifact)));
        assertFalse(Files.exists(artifact), "nothing created");
    }
}
