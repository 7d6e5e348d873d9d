package org.powerquant.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

/** What a process killed outright leaves beside a target, for the tests of the sweep. */
public final class Leftovers {

    private Leftovers() {}

    /**
     * The id of a process that has ended: it ran {@code true} and was waited for.
     *
     * @return the id
     * @throws IOException if the process cannot be started
     * @throws InterruptedException if interrupted while waiting for it
     */
    public static long endedProcessId() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        assertEquals(0, p.waitFor());
        return p.pid();
    }

    /**
     * A modification time longer ago than {@link TemporarySiblings#QUIET_FOR}: a file left so long
     * is no longer being written.
     *
     * @return the time
     */
    public static FileTime longAgo() {
        return FileTime.from(Instant.now().minus(TemporarySiblings.QUIET_FOR).minusSeconds(60));
    }

    /**
     * Makes a hidden sibling of a target, named as a process with this id names it, long unchanged:
     * a folder holding a half-written file, or a file holding {@code kind}.
     *
     * @param folder the target's folder
     * @param target the target's name
     * @param kind {@code part}, {@code stage} or {@code old}
     * @param pid the process id in the name
     * @param asFolder whether it is a folder
     * @return the sibling
     * @throws IOException if it cannot be written
     */
    public static Path leftBy(Path folder, String target, String kind, long pid, boolean asFolder)
            throws IOException {
        Path p =
                folder.resolve(
                        "."
                                + target
                                + "."
                                + kind
                                + "-"
                                + pid
                                + "-0c3a59e4-7d1b-4e0e-9b8f-1f2a3b4c5d6e.tmp");
        if (asFolder) {
            Files.createDirectory(p);
            Files.writeString(p.resolve("parameters"), "half written");
            Files.setLastModifiedTime(p.resolve("parameters"), longAgo());
        } else {
            Files.writeString(p, kind);
        }
        Files.setLastModifiedTime(p, longAgo());
        return p;
    }
}
