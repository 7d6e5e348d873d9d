package org.powerquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The outputs of one command appear together or not at all, with the umask's permissions. */
class OutputSetTest {

    @TempDir Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    @Test
    void allOutputsAppearOnCommit() throws IOException {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Files.writeString(a, "old a");
        try (OutputSet outputs = OutputSet.create()) {
            AtomicFiles.writeString(outputs.file(a), "new a");
            AtomicFiles.writeString(outputs.file(b), "new b");
            assertEquals("old a", Files.readString(a), "nothing changes before the commit");
            assertFalse(Files.exists(b));
            outputs.commit();
        }
        assertEquals("new a", Files.readString(a));
        assertEquals("new b", Files.readString(b));
        assertEquals(List.of("a.json", "b.json"), names(), "no temporary file left");
    }

    @Test
    void aFailingOutputLeavesEveryTargetAsItWas() throws IOException {
        Path a = dir.resolve("a.json");
        Path b = dir.resolve("b.json");
        Path c = dir.resolve("c.json");
        Files.writeString(a, "old a");
        Files.writeString(b, "old b");
        int[] moves = {0};
        // the disk fills up at the third rename
        OutputSet.Mover failsThird =
                (staged, target) -> {
                    if (++moves[0] == 3) {
                        throw new IOException("No space left on device");
                    }
                    AtomicFiles.moveAtomically(staged, target);
                };
        try (OutputSet outputs = new OutputSet(false, failsThird)) {
            AtomicFiles.writeString(outputs.file(a), "new a");
            AtomicFiles.writeString(outputs.file(b), "new b");
            AtomicFiles.writeString(outputs.file(c), "new c");
            IOException e = assertThrows(IOException.class, outputs::commit);
            assertEquals(
                    "cannot write " + c + ": No space left on device",
                    e.getMessage(),
                    "the output that failed is named");
        }
        assertEquals("old a", Files.readString(a), "the first output was rolled back");
        assertEquals("old b", Files.readString(b), "the second output was rolled back");
        assertEquals(List.of("a.json", "b.json"), names(), "no temporary file left");
    }

    @Test
    void aFailingWriterIsReportedWithTheTargetNotTheStagedPath() throws IOException {
        Path a = dir.resolve("a.json");
        Path model = dir.resolve("model");
        Files.writeString(a, "old a");
        try (OutputSet outputs = OutputSet.create()) {
            // the disk fills up halfway through each: the writer's exception names the staged
            // path, or nothing at all
            IOException file =
                    assertThrows(
                            IOException.class,
                            () ->
                                    outputs.file(
                                            a,
                                            staged -> {
                                                Files.writeString(staged, "half");
                                                throw new java.nio.file.FileSystemException(
                                                        staged.toString(),
                                                        null,
                                                        "No space left on device");
                                            }));
            assertEquals("cannot write " + a + ": No space left on device", file.getMessage());
            IOException directory =
                    assertThrows(
                            IOException.class,
                            () ->
                                    outputs.directory(
                                            model,
                                            staged -> {
                                                Files.writeString(staged.resolve("w"), "half");
                                                throw new IOException("No space left on device");
                                            }));
            assertEquals(
                    "cannot write " + model + ": No space left on device", directory.getMessage());
        }
        assertEquals("old a", Files.readString(a));
        assertEquals(List.of("a.json"), names(), "no temporary file left");
    }

    /** Stages an output, says so, and waits to be killed. */
    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        OutputSet outputs = OutputSet.create();
        Path staged = outputs.directory(target);
        Files.writeString(staged.resolve("w.params"), "half written");
        AtomicFiles.writeString(outputs.file(target.resolveSibling("r.json")), "{}");
        // a writer's own temporary beside the staged output, as the artifact writer makes one
        Path writing = staged.resolveSibling("." + staged.getFileName() + ".tmp-1");
        Files.writeString(Files.createDirectory(writing).resolve("parameters"), "half written");
        System.out.println("staged");
        System.out.flush();
        Thread.sleep(60_000);
    }

    /** Starts {@link #main} in a child JVM, staging outputs in {@link #dir}, and waits for it. */
    private Process stagingChild() throws IOException {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p =
                new ProcessBuilder(
                                javaBin.toString(),
                                "-cp",
                                System.getProperty("java.class.path"),
                                OutputSetTest.class.getName(),
                                dir.resolve("model").toString())
                        .redirectErrorStream(true)
                        .start();
        java.io.BufferedReader out =
                new java.io.BufferedReader(
                        new java.io.InputStreamReader(
                                p.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("staged", out.readLine());
        assertTrue(names().size() >= 3, "staged files exist while it runs: " + names());
        return p;
    }

    @Test
    void aSignalDuringASaveLeavesNoTemporaryFile() throws Exception {
        Process p = stagingChild();
        try {
            p.destroy(); // SIGTERM
            assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        assertEquals(List.of(), names(), "the shutdown hook removed every staged file");
    }

    @Test
    void whatAKilledProcessLeftIsRemovedWhenTheTargetIsNextWritten() throws Exception {
        Process p = stagingChild();
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS));
        List<String> left = names();
        assertTrue(left.size() >= 3, "a killed process leaves its staged files: " + left);
        // a live writer on another machine keeps changing its files: only quiet ones are removed
        try (OutputSet outputs = OutputSet.create()) {
            outputs.directory(dir.resolve("model"));
            outputs.commit();
        }
        assertTrue(names().containsAll(left), "files changed just now are left: " + names());
        ageEverything(TemporarySiblings.QUIET_FOR.plusMinutes(1));
        try (OutputSet outputs = OutputSet.create()) {
            Files.writeString(outputs.directory(dir.resolve("model")).resolve("w"), "whole");
            AtomicFiles.writeString(outputs.file(dir.resolve("r.json")), "{}");
            outputs.commit();
        }
        assertEquals(List.of("model", "r.json"), names(), "nothing of the killed process is left");
        assertEquals("whole", Files.readString(dir.resolve("model").resolve("w")));
    }

    /** Sets every file's modification time back by a duration. */
    private void ageEverything(java.time.Duration by) throws IOException {
        java.nio.file.attribute.FileTime then =
                java.nio.file.attribute.FileTime.from(java.time.Instant.now().minus(by));
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) walk::iterator) {
                Files.setLastModifiedTime(f, then);
            }
        }
    }

    @Test
    void anUncommittedSetLeavesNothingBehind() throws IOException {
        try (OutputSet outputs = OutputSet.create()) {
            AtomicFiles.writeString(outputs.file(dir.resolve("a.json")), "a");
            Files.writeString(outputs.directory(dir.resolve("model")).resolve("w.params"), "w");
        }
        assertEquals(List.of(), names());
    }

    @Test
    void aDirectoryOutputReplacesTheOldOneWholeSoNoStaleFileSurvives() throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("net-0000.params"), "old weights");
        Files.writeString(model.resolve("net-activations.json"), "stale grids");
        try (OutputSet outputs = OutputSet.create()) {
            Path staged = outputs.directory(model);
            Files.writeString(staged.resolve("net-0000.params"), "new weights");
            outputs.commit();
        }
        try (Stream<Path> files = Files.list(model)) {
            assertEquals(
                    List.of("net-0000.params"),
                    files.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals("new weights", Files.readString(model.resolve("net-0000.params")));
        assertEquals(List.of("model"), names());
    }

    @Test
    void anotherWriterCommittingTheSameDirectoryAtOnceLeavesOneWholeOutputAndNoLeftovers()
            throws IOException {
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("weights"), "old");
        // a second quantize --output model commits between this one's move aside and its rename
        boolean[] raced = {false};
        OutputSet.Mover racing =
                (staged, target) -> {
                    if (!raced[0]) {
                        raced[0] = true;
                        Path other = Files.createDirectory(dir.resolve("other"));
                        Files.writeString(other.resolve("weights"), "theirs");
                        Files.writeString(other.resolve("grids"), "theirs");
                        Files.move(other, target);
                    }
                    AtomicFiles.moveAtomically(staged, target);
                };
        try (OutputSet outputs = new OutputSet(false, racing)) {
            Path staged = outputs.directory(model);
            Files.writeString(staged.resolve("weights"), "ours");
            outputs.commit();
        }
        assertTrue(raced[0]);
        try (Stream<Path> files = Files.list(model)) {
            assertEquals(
                    List.of("weights"),
                    files.map(p -> p.getFileName().toString()).toList(),
                    "one writer's output, whole, not a mix");
        }
        assertEquals("ours", Files.readString(model.resolve("weights")), "the later one wins");
        assertEquals(List.of("model"), names(), "nothing moved aside or staged is left");
    }

    @Test
    void outputsFollowTheUmaskLikeAnyNewFile() throws IOException {
        Path reference = Files.createFile(dir.resolve("reference"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(reference);
        Path written = dir.resolve("written.json");
        AtomicFiles.writeString(written, "{}");
        assertEquals(expected, Files.getPosixFilePermissions(written));
        Path committed = dir.resolve("committed.json");
        try (OutputSet outputs = OutputSet.create()) {
            AtomicFiles.writeString(outputs.file(committed), "{}");
            outputs.commit();
        }
        assertEquals(expected, Files.getPosixFilePermissions(committed));
        assertTrue(expected.contains(PosixFilePermission.OWNER_WRITE));
    }
}
