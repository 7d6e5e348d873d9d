package org.powerquant;

import java.util.Objects;

/**
 * A setting or a file the library refuses, with the {@link Role} at fault and the problem apart, so
 * that a caller can name the role its own way (the command line names the flag). The message reads
 * "{@code <role> <problem>}", e.g. "weight bits must be between 2 and 8, got 9".
 */
public final class InvalidInputException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final Role role;
    private final String problem;

    /**
     * Creates the exception.
     *
     * @param role what is at fault
     * @param problem what is wrong, worded to follow the role's name (e.g. "must be at least 1, got
     *     0")
     */
    public InvalidInputException(Role role, String problem) {
        this(role, problem, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param role what is at fault
     * @param problem what is wrong, worded to follow the role's name
     * @param cause the cause, or null
     */
    public InvalidInputException(Role role, String problem, Throwable cause) {
        super(role.label() + " " + problem, cause);
        this.role = Objects.requireNonNull(role, "role");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /**
     * Returns what is at fault.
     *
     * @return what is at fault
     */
    public Role role() {
        return role;
    }

    /**
     * Returns what is wrong, without the role's name.
     *
     * @return what is wrong, without the role's name
     */
    public String problem() {
        return problem;
    }
}
