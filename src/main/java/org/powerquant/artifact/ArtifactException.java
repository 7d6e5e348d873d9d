package org.powerquant.artifact;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A quantized-model artifact that cannot be read or written: truncated, corrupted (a checksum that
 * does not match), of an unknown format version, edited by hand, or not an artifact at all. The
 * message is one line that names the file at fault; nothing half-loaded is ever returned.
 *
 * <p>It is an {@link IOException} so that it passes through DJL's {@link ai.djl.nn.BlockFactory}
 * unchanged when plain DJL loads an artifact.
 */
public class ArtifactException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The file at fault, as a string (paths are not serializable). */
    private final String file;

    /**
     * Creates the exception.
     *
     * @param file the file at fault
     * @param reason what is wrong with it
     */
    public ArtifactException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file.toString();
    }

    /**
     * Creates the exception with a cause.
     *
     * @param file the file at fault
     * @param reason what is wrong with it
     * @param cause the underlying failure
     */
    public ArtifactException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file.toString();
    }

    /**
     * Returns the file at fault.
     *
     * @return the path of the file
     */
    public Path file() {
        return Path.of(file);
    }
}
