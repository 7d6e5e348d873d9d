package org.powerquant.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Every file a command reads and writes, checked before any work: inputs exist and can be read,
 * outputs can be written, and no output is an input, lies inside an input folder or is another
 * output, compared as real files (symbolic links and hard links resolved), so that no command ever
 * writes over what it reads.
 */
final class FileChecks {

    private record Named(String flag, Path path, boolean directory) {
        String describe() {
            return flag + " " + path;
        }
    }

    /** The manifest file that marks a saved quantized-model artifact directory. */
    private static final String ARTIFACT_MANIFEST = "powerquant.json";

    private final List<Named> inputs = new ArrayList<>();
    private final List<Named> outputs = new ArrayList<>();

    /** Adds an input file or folder (checked to exist and be readable). */
    FileChecks input(String flag, Path path) {
        inputs.add(new Named(flag, path, false));
        return this;
    }

    /** Adds inputs (e.g. the files of a data set). */
    FileChecks inputs(String flag, List<Path> paths) {
        for (Path p : paths) {
            input(flag, p);
        }
        return this;
    }

    /** Adds an output file, if given. */
    FileChecks output(String flag, Path path) {
        if (path != null) {
            outputs.add(named(flag, path, false));
        }
        return this;
    }

    /** Adds an output directory, replaced as a whole, if given. */
    FileChecks outputDirectory(String flag, Path path) {
        if (path != null) {
            outputs.add(named(flag, path, true));
        }
        return this;
    }

    /**
     * An output, refused at once when it names no file: an empty path (the working directory) or
     * the file system's root.
     */
    private static Named named(String flag, Path path, boolean directory) {
        if (path.toString().isEmpty()) {
            throw new IllegalArgumentException(flag + " is empty: name the file to write");
        }
        if (path.toAbsolutePath().normalize().getFileName() == null) {
            throw new IllegalArgumentException(
                    flag + " " + path + " is the root directory: name the file to write");
        }
        return new Named(flag, path, directory);
    }

    /**
     * Checks everything.
     *
     * @throws IllegalArgumentException naming the flag and the file at fault
     */
    void check() {
        for (Named in : inputs) {
            if (!Files.exists(in.path)) {
                throw new IllegalArgumentException(in.describe() + " does not exist");
            }
            if (!Files.isReadable(in.path)) {
                throw new IllegalArgumentException(in.describe() + " cannot be read");
            }
        }
        for (Named out : outputs) {
            for (Named in : inputs) {
                if (same(out.path, in.path)) {
                    throw new IllegalArgumentException(
                            out.describe()
                                    + " is the input "
                                    + in.describe()
                                    + ": it would be overwritten");
                }
                if (Files.isDirectory(in.path) && inside(out.path, in.path)) {
                    // an image folder: a file written there could replace or join its images
                    throw new IllegalArgumentException(
                            out.describe()
                                    + " lies inside the input "
                                    + in.describe()
                                    + ": write it elsewhere");
                }
                if (out.directory && inside(in.path, out.path)) {
                    throw new IllegalArgumentException(
                            out.describe()
                                    + " holds the input "
                                    + in.describe()
                                    + ": the directory is replaced as a whole");
                }
            }
        }
        for (int i = 0; i < outputs.size(); i++) {
            for (int j = i + 1; j < outputs.size(); j++) {
                Named a = outputs.get(i);
                Named b = outputs.get(j);
                if (same(a.path, b.path)) {
                    throw new IllegalArgumentException(
                            a.describe() + " and " + b.describe() + " name the same file");
                }
                for (Named[] pair : new Named[][] {{a, b}, {b, a}}) {
                    if (pair[0].directory && inside(pair[1].path, pair[0].path)) {
                        throw new IllegalArgumentException(
                                pair[1].describe()
                                        + " lies inside "
                                        + pair[0].describe()
                                        + ", which is replaced as a whole: write it elsewhere");
                    }
                }
            }
        }
        // after the pairs: an output inside an output directory not made yet is named as such,
        // not as a file whose directory does not exist
        for (Named out : outputs) {
            if (out.directory) {
                checkDirectory(out);
            } else {
                checkFile(out);
            }
        }
    }

    private static void checkFile(Named out) {
        Path absolute = out.path.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(out.describe() + " is a directory, not a file");
        }
        checkParent(out, absolute);
        if (Files.exists(absolute) && !Files.isWritable(absolute)) {
            throw new IllegalArgumentException(out.describe() + " cannot be written");
        }
    }

    private static void checkDirectory(Named out) {
        Path absolute = out.path.toAbsolutePath();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw new IllegalArgumentException(
                    out.describe() + " is a file; this model is saved into a directory");
        }
        checkParent(out, absolute);
        if (Files.isDirectory(absolute) && !isReplaceable(absolute)) {
            throw new IllegalArgumentException(
                    out.describe()
                            + " exists and holds other files than a saved model: name a new or"
                            + " empty directory");
        }
    }

    private static void checkParent(Named out, Path absolute) {
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new IllegalArgumentException(
                    out.describe() + ": directory " + parent + " does not exist");
        }
        if (!Files.isWritable(parent)) {
            throw new IllegalArgumentException(
                    out.describe() + ": directory " + parent + " cannot be written");
        }
    }

    /**
     * An existing output directory is replaced as a whole only when it is empty or holds nothing
     * but the files of an earlier save (DJL parameters, activation grids, an artifact), so that no
     * unrelated file is ever deleted.
     */
    private static boolean isReplaceable(Path directory) {
        if (Files.isRegularFile(directory.resolve(ARTIFACT_MANIFEST))) {
            return true;
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.allMatch(
                    f -> {
                        String name = f.getFileName().toString();
                        return Files.isRegularFile(f)
                                && (name.endsWith(".params") || name.endsWith("-activations.json"));
                    });
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether two paths name the same file, through links and relative paths. */
    static boolean same(Path a, Path b) {
        try {
            if (Files.exists(a) && Files.exists(b)) {
                return Files.isSameFile(a, b);
            }
        } catch (IOException e) {
            // fall through to the name comparison
        }
        return real(a).equals(real(b));
    }

    /** Whether a path lies inside a directory (real paths). */
    private static boolean inside(Path path, Path directory) {
        Path d = real(directory);
        Path p = real(path);
        return !p.equals(d) && p.startsWith(d);
    }

    /** The real path of a file, or of its nearest existing ancestor with the rest appended. */
    static Path real(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        Path rest = null;
        while (existing != null && !Files.exists(existing)) {
            Path name = existing.getFileName();
            rest = rest == null ? name : name.resolve(rest);
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            Path realExisting = existing.toRealPath();
            return rest == null ? realExisting : realExisting.resolve(rest);
        } catch (IOException e) {
            return absolute;
        }
    }
}
