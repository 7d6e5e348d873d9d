package org.powerquant.data;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

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

    private DatasetSpec(Kind kind, Path path, Path labels, String text) {
        this.kind = kind;
        this.path = path;
        this.labels = labels;
        this.text = text;
    }

    /**
     * Parses a data set specification.
     *
     * @param spec {@code idx:A,B}, {@code imagenet:DIR}, {@code folder:DIR} or a bare {@code DIR}
     * @return the parsed specification (nothing is read yet)
     * @throws IllegalArgumentException when the text is malformed
     */
    public static DatasetSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--dataset: empty data set specification");
        }
        String s = spec.trim();
        if (s.startsWith("idx:")) {
            String[] parts = s.substring(4).split(",", -1);
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                throw new IllegalArgumentException(
                        "--dataset: expected idx:IMAGES,LABELS but got '" + spec + "'");
            }
            return new DatasetSpec(
                    Kind.IDX, Paths.get(parts[0].trim()), Paths.get(parts[1].trim()), s);
        }
        if (s.startsWith("imagenet:")) {
            return new DatasetSpec(Kind.IMAGENET, folder(s.substring(9), spec), null, s);
        }
        if (s.startsWith("folder:")) {
            return new DatasetSpec(Kind.FOLDER, folder(s.substring(7), spec), null, s);
        }
        return new DatasetSpec(Kind.AUTO, Paths.get(s), null, s);
    }

    private static Path folder(String text, String spec) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("--dataset: missing folder in '" + spec + "'");
        }
        return Paths.get(text.trim());
    }

    /**
     * Opens the data set, listing its files (IDX files are read whole).
     *
     * @return the data set
     * @throws IOException when a file cannot be read
     * @throws IllegalArgumentException naming the path when it is missing, empty or malformed
     */
    public LabelledImageDataset open() throws IOException {
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
