package org.powerquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file written where a directory is ({@code PowerQuant.save} of a TorchScript model to a folder)
 * is refused before anything is written, naming the directory. The whole file was written to a
 * temporary sibling first, and the rename's error named that temporary file: "{@code .out.part-
 * ....tmp -> out: Is a directory}".
 */
class AtomicFilesTest {

    @TempDir Path dir;

    @Test
    void aTargetThatIsADirectoryIsRefusedBeforeWriting() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("out"));
        AtomicBoolean written = new AtomicBoolean();
        FileSystemException e =
                assertThrows(
                        FileSystemException.class,
                        () -> AtomicFiles.write(folder, out -> written.set(true)));
        assertEquals(folder + ": is a directory; a file cannot replace it", e.getMessage());
        assertFalse(written.get(), "nothing written");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(folder), files.toList());
        }
    }
}
