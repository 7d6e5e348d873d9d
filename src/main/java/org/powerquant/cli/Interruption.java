package org.powerquant.cli;

import com.sun.jna.Function;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.powerquant.io.OutputSet;
import sun.misc.Signal;

/**
 * What the command line does when it is interrupted (SIGINT, SIGTERM, SIGHUP): every output staged
 * so far is rolled back ({@link OutputSet#close()}: nothing half-written stays, no target changes
 * unless its set was committed) and the process ends at once with {@code 128 +} the signal's
 * number.
 *
 * <p>It ends with the C library's {@code _exit}, not {@link System#exit}: a JVM exit runs the C
 * library's exit handlers, libtorch's static destructors among them, while the main thread may
 * still be inside a libtorch call (an autograd step of the synthetic calibration, a forward pass);
 * that call then crashed the JVM (SIGSEGV in {@code at::accelerator::getAccelerator}, exit 134 and
 * an {@code hs_err_pid*.log} in the working directory). Nothing is lost by skipping the JVM's
 * shutdown: the outputs, the only thing this command line leaves behind, are rolled back here
 * first. Where {@code _exit} cannot be called (no C library through JNA), {@link Runtime#halt} is
 * used.
 *
 * <p>One instance per run; {@link #install()} is for the process's entry point only ({@link
 * PowerQuantCli#main}), so tests and embedding callers keep their own signal handling.
 */
final class Interruption {

    private static final String[] SIGNALS = {"INT", "TERM", "HUP"};

    private final List<OutputSet> staged = new ArrayList<>();
    private final IntConsumer exit;

    /**
     * Creates an interruption policy.
     *
     * @param exit ends the process with a status, without running exit handlers
     */
    Interruption(IntConsumer exit) {
        this.exit = exit;
    }

    /**
     * Returns the policy of a command-line process: {@code _exit} through JNA, {@link Runtime#halt}
     * if the C library cannot be reached.
     *
     * @return the policy of a command-line process
     */
    static Interruption forProcess() {
        return new Interruption(Interruption::exitWithoutHandlers);
    }

    /**
     * Opens a set of outputs that an interruption rolls back.
     *
     * @return a new set, tracked until the process ends
     */
    synchronized OutputSet outputs() {
        OutputSet set = OutputSet.create();
        staged.add(set);
        return set;
    }

    /**
     * Handles SIGINT, SIGTERM and SIGHUP with {@link #interrupted(int)} from now on. A signal the
     * JVM may not take over (under {@code -Xrs}, or one the OS reserves) keeps the JVM's own
     * handling.
     */
    void install() {
        for (String name : SIGNALS) {
            try {
                Signal.handle(new Signal(name), s -> interrupted(s.getNumber()));
            } catch (IllegalArgumentException reserved) {
                // "Signal already used by VM or OS": leave it as the JVM has it
            }
        }
    }

    /**
     * Rolls back every tracked output (one being committed finishes its commit first: the sets are
     * synchronised) and ends the process with {@code 128 + signal}.
     *
     * @param signal the signal's number
     */
    void interrupted(int signal) {
        List<OutputSet> sets;
        synchronized (this) {
            sets = new ArrayList<>(staged);
        }
        for (OutputSet set : sets) {
            set.close();
        }
        System.out.flush();
        System.err.flush();
        exit.accept(128 + signal);
    }

    private static void exitWithoutHandlers(int status) {
        try {
            Function.getFunction("c", "_exit").invokeVoid(new Object[] {status});
        } catch (UnsatisfiedLinkError | RuntimeException noLibc) {
            // not reached when _exit was called
        }
        Runtime.getRuntime().halt(status);
    }
}
