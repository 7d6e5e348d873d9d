package org.powerquant.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Every output of this project is written the same way: to a temporary file in the target's folder,
 * then renamed over the target in one step, so that a reader never sees a half-written file and a
 * failure leaves nothing behind (and what a killed process left is removed when the target is next
 * written, {@link TemporarySiblings}).
 */
public final class AtomicFiles {

    /** Writes content to a stream. */
    @FunctionalInterface
    public interface Writer {
        /**
         * Writes the content.
         *
         * @param out the stream to the temporary file
         * @throws IOException if writing fails
         */
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Writes a file atomically.
     *
     * @param target the file
     * @param writer what to write
     * @throws IOException if it cannot be written, or the target is a directory (refused before
     *     anything is written)
     * @throws IllegalArgumentException if the target's folder does not exist
     */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw new IllegalArgumentException("output folder not found: " + folder);
        }
        if (Files.isDirectory(absolute)) {
            throw new FileSystemException(
                    absolute.toString(), null, "is a directory; a file cannot replace it");
        }
        // not Files.createTempFile, which makes the file private (0600): outputs follow the umask
        TemporarySiblings.sweep(absolute);
        Path temp = TemporarySiblings.of(absolute, "part");
        try {
            try (OutputStream out =
                    Files.newOutputStream(
                            temp,
                            java.nio.file.StandardOpenOption.CREATE_NEW,
                            java.nio.file.StandardOpenOption.WRITE)) {
                writer.write(out);
            }
            moveAtomically(temp, absolute);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Writes text atomically, in UTF-8.
     *
     * @param target the file
     * @param text its content
     * @throws IOException if it cannot be written
     */
    public static void writeString(Path target, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        write(target, out -> out.write(bytes));
    }

    /**
     * Moves a finished temporary file over its target in one step (a plain replacing move where the
     * file system cannot rename atomically).
     *
     * @param temp the temporary file, in the target's folder
     * @param target the target
     * @throws IOException if the move fails
     */
    public static void moveAtomically(Path temp, Path target) throws IOException {
        try {
            Files.move(
                    temp,
                    target,
                    StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Puts a finished directory (or file) written beside its target in place of the target by
     * renames: an existing target is replaced whole. Another process replacing the same target at
     * the same time is taken into account: the later one wins, both succeed, the target is never a
     * mix of the two and nothing is left beside it.
     *
     * @param staged the finished output, in the target's folder
     * @param target the target
     * @throws IOException if it cannot be put in place (the target is then as it was)
     */
    public static void replace(Path staged, Path target) throws IOException {
        Placement.place(staged, target.toAbsolutePath(), AtomicFiles::moveAtomically).finish();
    }

    /**
     * Checks, before any work is done, that a file can be written at a path.
     *
     * @param target the file to be written
     * @param flag the command-line flag or option that named it, for the message
     * @throws IllegalArgumentException naming the path if its folder is missing or not writable, or
     *     it is a folder
     */
    public static void checkWritable(Path target, String flag) {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(flag + " " + target + " is a directory, not a file");
        }
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(
                    flag + " " + target + ": directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent) || (Files.exists(absolute) && !Files.isWritable(absolute))) {
            throw new IllegalArgumentException(flag + " " + target + " cannot be written");
        }
    }
}
