package org.powerquant.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The outputs of one command, written as one unit: every output is first written to a staged path
 * beside its target, and {@link #commit()} puts them all in place by renames; if any step fails,
 * the targets that were already replaced get their old content back and every staged file is
 * deleted, so either all outputs appear or none changes. A shutdown hook (run on SIGINT and
 * SIGTERM) deletes staged files and restores replaced targets when the process is stopped halfway.
 *
 * <pre>{@code
 * try (OutputSet outputs = OutputSet.create()) {
 *     outputs.file(reportPath, report::writeJson);
 *     outputs.directory(modelDir, staged -> PowerQuant.save(model, staged));
 *     outputs.commit();
 * }
 * }</pre>
 *
 * <p>A failure while an output is written or put in place is an {@link IOException} whose message
 * names the target, not the hidden staged path the writer saw: "{@code cannot write <target>:
 * <reason>}" (e.g. "No space left on device").
 *
 * <p>Staged files and folders are created with the process's default permissions (the umask). A
 * process killed outright (SIGKILL) runs no clean-up: what it left beside a target is removed when
 * the target is next written ({@link TemporarySiblings}).
 */
public final class OutputSet implements AutoCloseable {

    /** Renames a staged output over its target (a seam for tests of the roll-back). */
    @FunctionalInterface
    interface Mover {
        void move(Path staged, Path target) throws IOException;
    }

    /** Writes one output at the path it is staged at. */
    @FunctionalInterface
    public interface Write {
        /**
         * Writes the output.
         *
         * @param staged where to write it: a path that does not exist yet for a file, an empty
         *     directory for a directory
         * @throws IOException if it cannot be written
         */
        void to(Path staged) throws IOException;
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Thread hook;
    private final Mover mover;
    private boolean committed;

    OutputSet(boolean withHook, Mover mover) {
        this.mover = mover;
        hook = withHook ? new Thread(this::rollBackQuietly, "powerquant-output-cleanup") : null;
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }

    /**
     * Returns an empty set, with a shutdown hook that cleans up if the process stops before {@link
     * #close()}.
     *
     * @return an empty set, with a shutdown hook that cleans up if the process stops before {@link
     *     #close()}
     */
    public static OutputSet create() {
        return new OutputSet(true, AtomicFiles::moveAtomically);
    }

    /**
     * Stages a file output.
     *
     * @param target where the file goes
     * @return the path to write it to (nothing exists there yet)
     */
    public synchronized Path file(Path target) {
        return stage(target);
    }

    /**
     * Stages a directory output: the directory returned exists and is empty; on commit it replaces
     * the target directory as a whole (so no file of an older output survives).
     *
     * @param target where the directory goes
     * @return the directory to write into
     * @throws IOException if it cannot be created
     */
    public synchronized Path directory(Path target) throws IOException {
        Path staged = stage(target);
        Files.createDirectory(staged);
        return staged;
    }

    /**
     * Stages a file output and writes it.
     *
     * @param target where the file goes
     * @param write writes the file at the staged path it is given
     * @throws IOException naming the target ("cannot write <target>: <reason>") if it cannot be
     *     written
     */
    public void file(Path target, Write write) throws IOException {
        Path staged = file(target);
        try {
            write.to(staged);
        } catch (IOException | UncheckedIOException e) {
            throw cannotWrite(target, e);
        }
    }

    /**
     * Stages a directory output and writes it; on commit it replaces the target directory as a
     * whole.
     *
     * @param target where the directory goes
     * @param write writes into the empty staged directory it is given
     * @throws IOException naming the target ("cannot write <target>: <reason>") if it cannot be
     *     written
     */
    public void directory(Path target, Write write) throws IOException {
        try {
            write.to(directory(target));
        } catch (IOException | UncheckedIOException e) {
            throw cannotWrite(target, e);
        }
    }

    /**
     * The failure of an output, naming the target the caller gave: the path in the cause is a
     * staged one, or none (a full disk's "No space left on device").
     */
    private static IOException cannotWrite(Path target, Exception e) {
        IOException io =
                e instanceof UncheckedIOException unchecked
                        ? unchecked.getCause()
                        : (IOException) e;
        return new IOException("cannot write " + target + ": " + IoReasons.reason(io), e);
    }

    private Path stage(Path target) {
        if (committed) {
            throw new IllegalStateException("outputs already committed");
        }
        Path absolute = target.toAbsolutePath().normalize();
        TemporarySiblings.sweep(absolute);
        Path staged = TemporarySiblings.of(absolute, "stage");
        entries.add(new Entry(target, absolute, staged));
        return staged;
    }

    /**
     * Puts every staged output in place. Each existing target is first moved aside, then the staged
     * output renamed over it; the moved-aside copies are deleted at the end. On failure everything
     * is put back as it was.
     *
     * @throws IOException if an output cannot be put in place (nothing is changed then)
     */
    public synchronized void commit() throws IOException {
        if (committed) {
            return;
        }
        for (Entry e : entries) {
            if (!Files.exists(e.staged)) {
                throw new IOException("output " + e.target + " was not written");
            }
        }
        List<Entry> done = new ArrayList<>();
        Entry current = null;
        try {
            for (Entry e : entries) {
                current = e;
                // another process writing the same target at once is taken into account there
                e.placement = Placement.place(e.staged, e.target, mover);
                done.add(e);
            }
        } catch (IOException thrown) {
            IOException failure = cannotWrite(current.given, thrown);
            restore(done, failure);
            throw failure;
        } catch (RuntimeException thrown) {
            restore(done, thrown);
            throw thrown;
        }
        committed = true;
        for (Entry e : entries) {
            e.placement.finish();
            e.placement = null;
        }
    }

    /** Puts back the targets a failed commit had replaced. */
    private static void restore(List<Entry> done, Exception failure) {
        for (Entry e : done) {
            try {
                e.restore();
            } catch (IOException | RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
    }

    /** Deletes every staged output not committed and removes the shutdown hook. */
    @Override
    public synchronized void close() {
        rollBackQuietly();
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or has run
            }
        }
    }

    private synchronized void rollBackQuietly() {
        for (Entry e : entries) {
            try {
                if (!committed) {
                    e.restore();
                }
            } catch (IOException | UncheckedIOException ignored) {
                // best effort: the staged output is deleted all the same
            }
            try {
                TemporarySiblings.deleteWithTemporaries(e.staged);
            } catch (IOException | UncheckedIOException ignored) {
                // best effort: nothing else can be done while cleaning up
            }
        }
    }

    private static final class Entry {
        /** The target as the caller named it, for messages. */
        final Path given;

        final Path target;
        final Path staged;

        /** Where the output was put in place, until the commit ends. */
        Placement placement;

        Entry(Path given, Path target, Path staged) {
            this.given = given;
            this.target = target;
            this.staged = staged;
        }

        /** Puts the target back as it was before the commit started. */
        void restore() throws IOException {
            if (placement != null) {
                Placement p = placement;
                placement = null;
                p.undo();
            }
        }
    }
}
