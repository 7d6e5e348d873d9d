package org.powerquant.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One finished output put in place of its target by renames: the target is moved aside, then the
 * output renamed over it; what was moved aside is deleted by {@link #finish()} or put back by
 * {@link #undo()}.
 *
 * <p>Another process may write the same target at the same time (two processes saving one model
 * directory). A file is replaced by one rename whatever the other does, but a directory cannot be
 * renamed over a non-empty one: when the other writer's output lands on the target between this
 * one's move aside and its rename, it is moved aside in turn and the rename tried again, so the
 * later writer wins as with files, both succeed, and no half of either is mixed into the target.
 * Everything moved aside is deleted at the end, so nothing is left beside the target.
 */
final class Placement {

    /** How often the target is taken back from concurrent writers before giving up. */
    private static final int ATTEMPTS = 16;

    private final Path staged;
    private final Path target;

    /** What was moved aside, oldest first: the target as it was, then other writers' outputs. */
    private final List<Path> aside = new ArrayList<>();

    private boolean placed;

    private Placement(Path staged, Path target) {
        this.staged = staged;
        this.target = target;
    }

    /**
     * Puts a staged output in place of its target.
     *
     * @param staged the finished output, beside the target
     * @param target the target, absolute
     * @param mover renames the output over the (moved aside) target
     * @return the placement, to be finished or undone
     * @throws IOException if the output cannot be put in place; the target is then as it was (or
     *     holds what another writer put there meanwhile) and nothing was left beside it
     */
    static Placement place(Path staged, Path target, OutputSet.Mover mover) throws IOException {
        Placement placement = new Placement(staged, target);
        try {
            placement.run(mover);
        } catch (IOException | RuntimeException e) {
            try {
                placement.undo();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return placement;
    }

    private void run(OutputSet.Mover mover) throws IOException {
        for (int attempt = 1; ; attempt++) {
            moveAside();
            try {
                mover.move(staged, target);
                placed = true;
                return;
            } catch (IOException e) {
                // another writer put its output there after the target was moved aside: a
                // directory is not renamed over a non-empty one, so it is moved aside in turn
                if (attempt >= ATTEMPTS || !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
            }
        }
    }

    private void moveAside() throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path old = TemporarySiblings.of(target, "old");
        try {
            Files.move(target, old);
        } catch (NoSuchFileException e) {
            return; // another writer moved it aside first
        }
        aside.add(old);
    }

    /**
     * Deletes what was moved aside: the output is in place for good.
     *
     * @throws IOException if something moved aside cannot be deleted
     */
    void finish() throws IOException {
        while (!aside.isEmpty()) {
            TemporarySiblings.deleteRecursively(aside.remove(aside.size() - 1));
        }
    }

    /**
     * Takes the output back to its staged path and puts back the newest of what was moved aside, if
     * the target is still free; the rest is deleted.
     *
     * @throws IOException if the target cannot be put back
     */
    void undo() throws IOException {
        if (placed) {
            Files.move(target, staged);
            placed = false;
        }
        IOException failure = null;
        while (!aside.isEmpty()) {
            Path old = aside.remove(aside.size() - 1);
            try {
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.move(old, target);
                } else {
                    TemporarySiblings.deleteRecursively(old);
                }
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
