package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.io.Leftovers;
import org.powerquant.nn.TorchvisionResNet;

/**
 * The API's savers write through hidden folders beside their target, like the command line's
 * outputs: what a save killed outright (SIGKILL) left there is removed by the next save of the same
 * target.
 */
class SaveLeftoversTest {

    @TempDir Path dir;

    private static long deadPid;

    @BeforeAll
    static void aProcessThatHasEnded() throws Exception {
        deadPid = Leftovers.endedProcessId();
    }

    /** Leaves, beside a target, what a killed save of it leaves: a half-written hidden folder. */
    private static Path killedSaveOf(Path folder, String target) throws IOException {
        return Leftovers.leftBy(folder, target, "part", deadPid, true);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void savingAnArtifactRemovesWhatAKilledSaveOfItLeft() throws Exception {
        killedSaveOf(dir, "model");
        ArtifactFixtures.savedDemoW4(dir.resolve("model"));
        assertEquals(List.of("model"), names(dir));
    }

    @Test
    void savingADjlModelRemovesWhatAKilledSaveOfItLeft() throws Exception {
        try (Model model = Model.newInstance("net", "PyTorch")) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(5).build();
            net.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 32, 32));
            model.setBlock(net);
            Path folder = Files.createDirectory(dir.resolve("saved"));
            killedSaveOf(folder, "net");
            PowerQuant.save(model, folder);
            List<String> names = names(folder);
            assertEquals(
                    List.of(),
                    names.stream().filter(n -> n.startsWith(".")).collect(Collectors.toList()),
                    "no hidden folder left: " + names);
        }
    }
}
