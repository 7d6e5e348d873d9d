package org.powerquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed process left beside a target is removed before the target is written again, and
 * only that: never a running process's files, never files that are still changing, never a file of
 * another name; a target moved aside whose target is gone is put back.
 */
class TemporarySiblingsTest {

    @TempDir Path dir;

    private static long deadPid;

    @BeforeAll
    static void aProcessThatHasEnded() throws Exception {
        deadPid = Leftovers.endedProcessId();
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /**
     * Makes a hidden sibling of {@code model} as a process with this id names it, long unchanged.
     */
    private Path leftBy(long pid, String kind, boolean folder) throws IOException {
        return Leftovers.leftBy(dir, "model", kind, pid, folder);
    }

    @Test
    void aDeadProcesssQuietFilesAreRemovedWithTheirWritersTemporaries() throws IOException {
        for (String kind : List.of("part", "stage")) {
            for (boolean folder : List.of(false, true)) {
                Path left = leftBy(deadPid, kind, folder);
                Files.writeString(dir.resolve("." + left.getFileName() + ".tmp-1"), "writer's");
                TemporarySiblings.sweep(dir.resolve("model"));
                assertEquals(List.of(), names(), kind + (folder ? " folder" : " file"));
            }
        }
    }

    @Test
    void aRunningProcesssFilesAreLeftHoweverOld() throws IOException {
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        for (long pid : List.of(ProcessHandle.current().pid(), parent)) {
            for (String kind : List.of("part", "stage", "old")) {
                leftBy(pid, kind, true);
            }
        }
        List<String> before = names();
        TemporarySiblings.sweep(dir.resolve("model"));
        assertEquals(before, names());
    }

    @Test
    void filesChangedWithinTheQuietTimeAreLeftThoughTheirProcessIsGone() throws IOException {
        Path staged = leftBy(deadPid, "stage", true);
        Files.setLastModifiedTime(staged.resolve("parameters"), FileTime.from(Instant.now()));
        TemporarySiblings.sweep(dir.resolve("model"));
        assertEquals(List.of(staged.getFileName().toString()), names());
        TemporarySiblings.sweep(dir.resolve("model"), Instant.now().plus(Duration.ofMinutes(1)));
        assertEquals(List.of(), names());
    }

    @Test
    void aTargetMovedAsideIsPutBackWhereTheTargetIsMissingAndDeletedOtherwise() throws IOException {
        leftBy(deadPid, "old", true);
        TemporarySiblings.sweep(dir.resolve("model"));
        assertEquals(List.of("model"), names());
        assertEquals("half written", Files.readString(dir.resolve("model").resolve("parameters")));
        leftBy(deadPid, "old", false);
        TemporarySiblings.sweep(dir.resolve("model"));
        assertEquals(List.of("model"), names());
        assertTrue(Files.isDirectory(dir.resolve("model")), "the newer target is kept");
    }

    @Test
    void otherHiddenFilesAreNeverTouched() throws IOException {
        for (String name :
                List.of(
                        ".model.backup",
                        ".model.stage-old.tmp",
                        ".model.stage-" + deadPid + ".tmp",
                        ".modelx.stage-" + deadPid + "-0c3a59e4.tmp",
                        ".other.stage-" + deadPid + "-0c3a59e4.tmp")) {
            Files.writeString(dir.resolve(name), "mine");
            Files.setLastModifiedTime(dir.resolve(name), Leftovers.longAgo());
        }
        List<String> before = names();
        TemporarySiblings.sweep(dir.resolve("model"));
        assertEquals(before, names());
    }

    @Test
    void theNamesThisProcessWritesThroughAreOnesASweepRecognises() throws IOException {
        Path target = dir.resolve("model");
        for (String kind : List.of("part", "stage", "old")) {
            Path p = TemporarySiblings.of(target, kind);
            Path renamed =
                    p.resolveSibling(
                            p.getFileName()
                                    .toString()
                                    .replace(
                                            "-" + ProcessHandle.current().pid() + "-",
                                            "-" + deadPid + "-"));
            Files.writeString(renamed, kind);
            Files.setLastModifiedTime(renamed, Leftovers.longAgo());
        }
        Files.writeString(target, "new");
        TemporarySiblings.sweep(target);
        assertEquals(List.of("model"), names());
    }
}
