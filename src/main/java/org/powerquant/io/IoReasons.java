package org.powerquant.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * Why a file operation failed, in words, without the path it failed on: for messages that name the
 * file themselves ("{@code F: cannot be read: Permission denied}"). A {@link FileSystemException}'s
 * own message is its path (and its reason, if any), so using it there named the file twice and, for
 * a file the user may not read, gave no reason at all.
 */
public final class IoReasons {

    private IoReasons() {}

    /**
     * Returns why an operation failed, without the path it failed on.
     *
     * @param e the failure
     * @return its reason, e.g. "Permission denied" or "No space left on device"
     */
    public static String reason(IOException e) {
        if (e instanceof FileSystemException fs) {
            if (fs.getReason() != null) {
                return fs.getReason();
            }
            if (e instanceof AccessDeniedException) {
                return "Permission denied";
            }
            if (e instanceof NoSuchFileException) {
                return "No such file or directory";
            }
            if (e instanceof FileAlreadyExistsException) {
                return "File exists";
            }
            return e.getClass().getSimpleName();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
