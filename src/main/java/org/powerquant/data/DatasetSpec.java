package org.powerquant.data;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/**
 * Names a labelled image data set on the command line.
 *
 * <ul>
 *   <li>{@code idx:IMAGES,LABELS} &mdash; an IDX image file and label file (MNIST family), raw or
 *       gzip;
 *   <li>{@code imagenet:DIR} &mdash; an ImageNet validation folder (classes are the 1,000 sorted
 *       WordNet ids);
 *   <li>{@code folder:DIR} &mdash; any {@code DIR/<class>/<image>} tree (classes sorted by name);
 *   <li>{@code DIR} &mdash; either of the two above: ImageNet when every sub-folder name is a
 *       WordNet id ({@code n} and eight digits), else an image folder.
 * </ul>
 */
public final class DatasetSpec {

    /** The layout of a data set. */
    public enum Kind {
        /** IDX image and label files. */
        IDX,
        /** ImageNet validation layout. */
        IMAGENET,
        /** Generic image folder. */
        FOLDER,
        /** A bare folder, resolved to {@link #IMAGENET} or {@link #FOLDER} when opened. */
        AUTO
    }

    private final Kind kind;
    private final Path path;
    private final Path labels;
    private final String text;
    private final Role role;

    private DatasetSpec(Kind kind, Path path, Path labels, String text, Role role) {
        this.kind = kind;
        this.path = path;
        this.labels = labels;
        this.text = text;
        this.role = role;
    }

    /**
     * Parses a data set specification.
     *
     * @param spec {@code idx:A,B}, {@code imagenet:DIR}, {@code folder:DIR} or a bare {@code DIR}
     * @return the parsed specification (nothing is read yet)
     * @throws IllegalArgumentException when the text is malformed
     */
    public static DatasetSpec parse(String spec) {
        return parse(spec, Role.DATASET);
    }

    /**
     * Parses a data set specification for a role (the evaluation data set, or the calibration
     * data); errors name that role.
     *
     * @param spec {@code idx:A,B}, {@code imagenet:DIR}, {@code folder:DIR} or a bare {@code DIR}
     * @param role {@link Role#DATASET} or {@link Role#CALIBRATION_DATA}
     * @return the parsed specification (nothing is read yet)
     * @throws InvalidInputException for the role when the text is malformed
     */
    public static DatasetSpec parse(String spec, Role role) {
        if (spec == null || spec.isBlank()) {
            throw new InvalidInputException(role, "is an empty data set specification");
        }
        String s = spec.trim();
        if (s.startsWith("idx:")) {
            String[] parts = s.substring(4).split(",", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new InvalidInputException(
                        role, "'" + spec + "' is malformed: expected idx:IMAGES,LABELS");
            }
            return new DatasetSpec(
                    Kind.IDX,
                    path(parts[0].trim(), spec, role),
                    path(parts[1].trim(), spec, role),
                    s,
                    role);
        }
        if (s.startsWith("imagenet:")) {
            return new DatasetSpec(
                    Kind.IMAGENET, folder(s.substring(9), spec, role), null, s, role);
        }
        if (s.startsWith("folder:")) {
            return new DatasetSpec(Kind.FOLDER, folder(s.substring(7), spec, role), null, s, role);
        }
        return new DatasetSpec(Kind.AUTO, path(s, spec, role), null, s, role);
    }

    private static Path folder(String text, String spec, Role role) {
        if (text.isBlank()) {
            throw new InvalidInputException(role, "'" + spec + "' names no folder");
        }
        return path(text.trim(), spec, role);
    }

    private static Path path(String text, String spec, Role role) {
        try {
            return Paths.get(text);
        } catch (java.nio.file.InvalidPathException e) {
            throw new InvalidInputException(role, "'" + spec + "' is not a valid path", e);
        }
    }

    /**
     * Returns the files and folders this data set reads, to check that no output overwrites them.
     *
     * @return the image file and label file, or the folder
     */
    public List<Path> files() {
        return labels == null ? List.of(path) : List.of(path, labels);
    }

    /**
     * Opens the data set, listing its files (IDX files are read whole).
     *
     * @return the data set
     * @throws IOException never: unreadable files are reported as below
     * @throws InvalidInputException for this specification's role, naming the path, when it is
     *     missing, unreadable, empty or malformed
     */
    public LabelledImageDataset open() throws IOException {
        try {
            return openAs();
        } catch (InvalidInputException e) {
            throw e;
        } catch (IOException | IllegalArgumentException | java.io.UncheckedIOException e) {
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new InvalidInputException(role, text + " cannot be read: " + reason, e);
        }
    }

    private LabelledImageDataset openAs() throws IOException {
        switch (kind) {
            case IDX:
                return IdxDataset.open(path, labels);
            case IMAGENET:
                return ImageFolderDataset.imageNet(path);
            case FOLDER:
                return ImageFolderDataset.open(path);
            case AUTO:
            default:
                return resolvedKind() == Kind.IMAGENET
                        ? ImageFolderDataset.imageNet(path)
                        : ImageFolderDataset.open(path);
        }
    }

    /**
     * Returns the layout, resolving {@link Kind#AUTO} by listing the folder.
     *
     * @return {@link Kind#IDX}, {@link Kind#IMAGENET} or {@link Kind#FOLDER}
     * @throws IOException when the folder cannot be listed
     * @throws IllegalArgumentException when an auto-detected folder does not exist
     */
    public Kind resolvedKind() throws IOException {
        if (kind != Kind.AUTO) {
            return kind;
        }
        List<String> folders = ImageFolderDataset.classFolders(path);
        boolean imageNet =
                !folders.isEmpty() && folders.stream().allMatch(ImageNetClasses::isWordNetId);
        return imageNet ? Kind.IMAGENET : Kind.FOLDER;
    }

    /**
     * Returns the layout as written ({@link Kind#AUTO} for a bare folder).
     *
     * @return the layout
     */
    public Kind kind() {
        return kind;
    }

    /**
     * Returns the folder, or the IDX image file.
     *
     * @return the main path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the IDX label file.
     *
     * @return the label file, or null for folder layouts
     */
    public Path labels() {
        return labels;
    }

    /** {@inheritDoc} */
    @Override
    public String toString() {
        return text;
    }
}
