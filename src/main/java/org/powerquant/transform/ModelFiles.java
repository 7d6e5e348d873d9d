package org.powerquant.transform;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Atomic replacement of output files: written beside the target, then renamed over it. */
public final class ModelFiles {

    private ModelFiles() {}

    /**
     * Moves a finished temporary file over its target in one step.
     *
     * @param temp the temporary file, in the target's directory
     * @param target the target
     * @throws IOException if the move fails
     */
    public static void moveAtomically(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Writes text atomically.
     *
     * @param target the file
     * @param text its content (UTF-8)
     * @throws IOException if it cannot be written
     */
    public static void writeString(Path target, String text) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path temp = Files.createTempFile(absolute.getParent(), "." + absolute.getFileName(), ".tmp");
        try {
            Files.writeString(temp, text);
            moveAtomically(temp, absolute);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * Checks, before any work is done, that a file can be written at a path.
     *
     * @param target the file to be written
     * @param flag the command-line flag or option that named it, for the message
     * @throws IllegalArgumentException naming the path if its directory is missing or not writable, or it is a
     *     directory
     */
    public static void checkWritable(Path target, String flag) {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(flag + " " + target + " is a directory, not a file");
        }
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(flag + " " + target + ": directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent) || (Files.exists(absolute) && !Files.isWritable(absolute))) {
            throw new IllegalArgumentException(flag + " " + target + " cannot be written");
        }
    }
}
