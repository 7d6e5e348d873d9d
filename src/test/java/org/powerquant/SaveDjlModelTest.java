package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.demo.DemoModel;
import org.powerquant.transform.PowerQuantTransform;

/**
 * {@link PowerQuant#save(Model, Path)} of a DJL-native model: a model whose parameters were loaded
 * (here the bundled demo, {@link DemoModel#load}) saves and loads back, a target that is a file is
 * refused naming it, and a failed save leaves no directory behind. The loaded model failed with
 * DJL's bare "key value size mismatch." (its block had input shapes but no input names), a file
 * gave a {@link FileAlreadyExistsException} whose message was the path alone, and a failed save
 * left the directories it had created.
 */
class SaveDjlModelTest {

    @TempDir Path dir;

    private static Map<String, float[]> parameters(Model model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            values.put(p.getKey(), p.getValue().getArray().toFloatArray());
        }
        return values;
    }

    @Test
    void aLoadedModelQuantizedSavesAndLoadsBack() throws Exception {
        Path saved = dir.resolve("w4");
        Map<String, float[]> quantized;
        try (Model model = DemoModel.load(Device.cpu())) {
            PowerQuantTransform.builder().weightBits(4).threads(1).build().apply(model);
            quantized = parameters(model);
            PowerQuant.save(model, saved);
        }
        try (Model copy = Model.newInstance(DemoModel.NAME, Device.cpu())) {
            copy.setBlock(DemoModel.bundled().newBlock());
            copy.load(saved, DemoModel.NAME);
            Map<String, float[]> loaded = parameters(copy);
            assertEquals(quantized.keySet(), loaded.keySet());
            for (Map.Entry<String, float[]> e : quantized.entrySet()) {
                assertArrayEquals(e.getValue(), loaded.get(e.getKey()), 0f, e.getKey());
            }
        }
    }

    @Test
    void aTargetThatIsAFileIsRefusedNamingItAndKept() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "keep");
        try (Model model = DemoModel.load(Device.cpu())) {
            FileAlreadyExistsException e =
                    assertThrows(
                            FileAlreadyExistsException.class, () -> PowerQuant.save(model, file));
            assertTrue(e.getMessage().startsWith(file + ": is a file"), e.getMessage());
        }
        assertEquals("keep", Files.readString(file));
    }

    @Test
    void aFailedSaveRemovesTheDirectoriesItCreated() throws Exception {
        try (Model model = Model.newInstance("uninitialized", Device.cpu())) {
            model.setBlock(new SequentialBlock().add(Linear.builder().setUnits(2).build()));
            Path target = dir.resolve("new").resolve("model");
            assertThrows(IllegalStateException.class, () -> PowerQuant.save(model, target));
            assertFalse(Files.exists(dir.resolve("new")), "the directories created are removed");
        }
    }
}
