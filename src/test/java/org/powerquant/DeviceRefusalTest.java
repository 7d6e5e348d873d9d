package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.artifact.ArtifactFixtures;
import org.powerquant.transform.PowerQuantTransform;

/**
 * A GPU the engine does not see is refused naming the device, by every loader: the artifact's
 * parameter file used to be blamed ("parameters.ndlist: cannot be decoded: Could not run
 * 'aten::empty_strided' with arguments from the 'CUDA' backend"), and a TorchScript model failed
 * with libtorch's page-long dispatch message.
 */
class DeviceRefusalTest {

    @TempDir Path dir;

    @BeforeEach
    void noGpu() {
        assumeTrue(
                Engine.getEngine("PyTorch").getGpuCount() == 0,
                "this machine has a GPU: a missing one cannot be asked for");
    }

    private static void assertRefusesTheDevice(String what, Executable call, Path file) {
        InvalidInputException e = assertThrows(InvalidInputException.class, call, what);
        assertEquals(Role.DEVICE, e.role(), what + ": " + e.getMessage());
        assertTrue(
                e.getMessage().startsWith("device " + Device.gpu() + " is not available"),
                what + ": " + e.getMessage());
        assertFalse(e.getMessage().contains(file.toString()), what + ": " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), what + ": one line: " + e.getMessage());
    }

    @Test
    void anArtifactOnAMissingGpuIsRefusedNamingTheDeviceNotItsFile() throws Exception {
        Path artifact = ArtifactFixtures.savedDemoW4(dir.resolve("w4"));
        assertRefusesTheDevice(
                "PowerQuant.load", () -> PowerQuant.load(artifact, Device.gpu()).close(), artifact);
        Criteria<NDList, NDList> plain =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .optDevice(Device.gpu())
                        .build();
        assertRefusesTheDevice("plain DJL", () -> plain.loadModel().close(), artifact);
    }

    @Test
    void aTorchScriptModelOnAMissingGpuIsRefusedNamingTheDevice() {
        Path model = SharedFixtures.resnet18();
        PowerQuantTransform w4 = PowerQuantTransform.builder().weightBits(4).build();
        Criteria<NDList, NDList> criteria =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(model)
                        .optEngine("PyTorch")
                        .optDevice(Device.gpu())
                        .build();
        Map<String, Executable> calls =
                Map.of(
                        "loadQuantized",
                        () -> PowerQuant.loadQuantized(criteria, w4).close(),
                        "importQuantized",
                        () -> PowerQuant.importQuantized(model, w4, Device.gpu()).close());
        calls.forEach((what, call) -> assertRefusesTheDevice(what, call, model));
    }
}
