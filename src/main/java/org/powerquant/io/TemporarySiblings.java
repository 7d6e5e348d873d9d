package org.powerquant.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The hidden files and folders that outputs are written through, beside their target: {@code
 * .<target>.<kind>-<pid>-<uuid>.tmp}, where {@code kind} is {@code part} (a file being written,
 * {@link AtomicFiles}), {@code stage} (an output staged by an {@link OutputSet}) or {@code old} (a
 * target moved aside while an output set commits), and {@code pid} is the writing process.
 *
 * <p>A process that is killed outright (SIGKILL, the kernel's out-of-memory killer) runs no
 * clean-up and leaves them behind; a staged model can be as large as the model. So before a target
 * is written, {@link #sweep(Path)} removes what a <em>dead</em> process left beside it: one whose
 * process id names no running process on this machine, and whose files have not changed for {@link
 * #QUIET_FOR} (a live writer on another machine sharing the folder changes its files as it writes).
 * A target moved aside ({@code old}) whose target is missing is moved back, since it is the only
 * copy of the output that was there; otherwise it is deleted, as its commit had finished.
 */
public final class TemporarySiblings {

    /** How long a dead process's files must have been unchanged before they are removed. */
    public static final Duration QUIET_FOR = Duration.ofMinutes(10);

    private static final Pattern NAME =
            Pattern.compile("(part|stage|old)-(\\d{1,18})-[0-9a-f-]+\\.tmp");

    private TemporarySiblings() {}

    /**
     * Returns a new hidden path beside a target, named for its kind and this process.
     *
     * @param target the target, absolute
     * @param kind {@code part}, {@code stage} or {@code old}
     * @return a new hidden path beside the target
     */
    public static Path of(Path target, String kind) {
        return target.resolveSibling(
                "."
                        + target.getFileName()
                        + "."
                        + kind
                        + "-"
                        + ProcessHandle.current().pid()
                        + "-"
                        + UUID.randomUUID()
                        + ".tmp");
    }

    /**
     * Removes, best effort, what dead processes left beside a target (see the class comment); a
     * failure to remove one is ignored, as it does not stop the target from being written.
     *
     * @param target the target, absolute
     */
    public static void sweep(Path target) {
        sweep(target, Instant.now().minus(QUIET_FOR));
    }

    /** As {@link #sweep(Path)}, with files changed after {@code quietSince} left alone. */
    static void sweep(Path target, Instant quietSince) {
        Path folder = target.getParent();
        if (folder == null || target.getFileName() == null || !Files.isDirectory(folder)) {
            return;
        }
        String prefix = "." + target.getFileName() + ".";
        List<Path> candidates;
        try (Stream<Path> siblings = Files.list(folder)) {
            candidates =
                    siblings.filter(p -> p.getFileName().toString().startsWith(prefix))
                            .collect(Collectors.toList());
        } catch (IOException | UncheckedIOException e) {
            return;
        }
        for (Path p : candidates) {
            Matcher m = NAME.matcher(p.getFileName().toString().substring(prefix.length()));
            if (!m.matches() || running(Long.parseLong(m.group(2)))) {
                continue;
            }
            try {
                if (changedSince(p, quietSince)) {
                    continue;
                }
                if (m.group(1).equals("old") && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(p, target);
                } else {
                    deleteWithTemporaries(p);
                }
            } catch (IOException | UncheckedIOException | SecurityException e) {
                // best effort: the target is still written
            }
        }
    }

    /**
     * Returns whether a process id names a running process on this machine (this process's id, or
     * one too large to be a process id, counts as running: nothing of it is touched).
     */
    private static boolean running(long pid) {
        try {
            return pid == ProcessHandle.current().pid()
                    || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (SecurityException e) {
            return true;
        }
    }

    /** Returns whether anything in a file or folder tree was modified after an instant. */
    private static boolean changedSince(Path path, Instant since) throws IOException {
        FileTime limit = FileTime.from(since);
        try (Stream<Path> walk = Files.walk(path)) {
            return walk.anyMatch(
                    p -> {
                        try {
                            return Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                                            .compareTo(limit)
                                    > 0;
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        }
    }

    /**
     * Deletes a file or folder tree and what writers left beside it while writing into it (their
     * own hidden temporaries, named {@code .<name>.*}).
     */
    static void deleteWithTemporaries(Path path) throws IOException {
        deleteRecursively(path);
        Path folder = path.getParent();
        String prefix = "." + path.getFileName() + ".";
        if (folder == null || !Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> siblings = Files.list(folder)) {
            for (Path p : (Iterable<Path>) siblings::iterator) {
                if (p.getFileName().toString().startsWith(prefix)) {
                    deleteRecursively(p);
                }
            }
        }
    }

    /**
     * Deletes a file, or a folder and everything in it (links are deleted, not followed); nothing
     * if it does not exist.
     *
     * @param path the file or folder
     * @throws IOException if something in it cannot be deleted
     */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(path)) {
                for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                    Files.deleteIfExists(p);
                }
            }
        } else {
            Files.deleteIfExists(path);
        }
    }
}
