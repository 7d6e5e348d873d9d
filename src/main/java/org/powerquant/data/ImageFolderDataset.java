package org.powerquant.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Images in a {@code DIR/<class>/<image>} tree, as torchvision's {@code ImageFolder} reads it: one
 * sub-folder per class, images found recursively below it, ordered by class and then by path.
 *
 * <p>For a plain image folder the classes are the sorted sub-folder names. For ImageNet ({@link
 * #imageNet(Path)}) they are the 1,000 sorted WordNet ids whatever sub-folders exist, so that a
 * partial copy of the validation set still scores against the right logits.
 */
public final class ImageFolderDataset implements LabelledImageDataset {

    /** Bytes a decoded pixel takes at most: an RGBA raster (4) and three float channels (12). */
    private static final long BYTES_PER_PIXEL = 16;

    /** File extensions read as images (torchvision's list), lower case. */
    private static final Set<String> EXTENSIONS =
            Set.of("jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp", "gif");

    private final String description;
    private final List<String> classNames;
    private final List<Path> files;
    private final int[] labels;

    private ImageFolderDataset(
            String description, List<String> classNames, List<Path> files, int[] labels) {
        this.description = description;
        this.classNames = classNames;
        this.files = files;
        this.labels = labels;
    }

    /**
     * Opens an image folder whose classes are its sorted sub-folder names.
     *
     * @param root the folder holding one sub-folder per class
     * @return the data set
     * @throws IOException when the folder cannot be listed
     * @throws IllegalArgumentException when the folder is missing or holds no image
     */
    public static ImageFolderDataset open(Path root) throws IOException {
        List<String> folders = classFolders(root);
        return build("folder:" + root, root, folders, folders);
    }

    /**
     * Opens an ImageNet validation folder (one sub-folder per WordNet id); the classes are the
     * 1,000 ImageNet-1k ids in sorted order, see {@link ImageNetClasses}.
     *
     * @param root the folder holding WordNet-id sub-folders (all 1,000 or any subset)
     * @return the data set
     * @throws IOException when the folder cannot be listed
     * @throws IllegalArgumentException when the folder is missing, holds no image, or has a
     *     sub-folder that is not an ImageNet-1k WordNet id
     */
    public static ImageFolderDataset imageNet(Path root) throws IOException {
        List<String> folders = classFolders(root);
        List<String> wnids = ImageNetClasses.wordNetIds();
        Set<String> known = Set.copyOf(wnids);
        for (String folder : folders) {
            if (!known.contains(folder)) {
                throw new IllegalArgumentException(
                        "not an ImageNet-1k class folder: "
                                + root.resolve(folder)
                                + " (expected a WordNet id such as n01440764)");
            }
        }
        return build("imagenet:" + root, root, folders, wnids);
    }

    /**
     * Lists the non-hidden sub-folders of a data set root in sorted order.
     *
     * @param root the data set folder
     * @return the sorted sub-folder names
     * @throws IOException when the folder cannot be listed
     * @throws IllegalArgumentException when {@code root} is not a folder
     */
    static List<String> classFolders(Path root) throws IOException {
        if (Files.isRegularFile(root)) {
            throw new IllegalArgumentException(
                    root
                            + " is a file, not a data set folder (one sub-folder of images per"
                            + " class) or an idx:IMAGES,LABELS specification");
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("data set folder not found: " + root);
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static ImageFolderDataset build(
            String description, Path root, List<String> folders, List<String> classNames)
            throws IOException {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < classNames.size(); i++) {
            index.put(classNames.get(i), i);
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (String folder : folders) {
            int label = index.get(folder);
            // links are followed, as torchvision's ImageFolder does: a class folder may be one
            try (Stream<Path> s = Files.walk(root.resolve(folder), FileVisitOption.FOLLOW_LINKS)) {
                List<Path> images =
                        s.filter(Files::isRegularFile)
                                .filter(ImageFolderDataset::isImageFile)
                                .sorted()
                                .collect(Collectors.toList());
                for (Path p : images) {
                    files.add(p);
                    labels.add(label);
                }
            } catch (UncheckedIOException e) {
                if (e.getCause() instanceof FileSystemLoopException loop) {
                    throw new IllegalArgumentException(
                            "a symbolic link loops back to a folder that holds it: "
                                    + loop.getFile(),
                            e);
                }
                throw e.getCause();
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException(
                    "empty data set: no image files under "
                            + root
                            + (folders.isEmpty() ? " (it has no class sub-folders)" : ""));
        }
        int[] labelArray = labels.stream().mapToInt(Integer::intValue).toArray();
        return new ImageFolderDataset(
                description,
                Collections.unmodifiableList(new ArrayList<>(classNames)),
                Collections.unmodifiableList(files),
                labelArray);
    }

    private static boolean isImageFile(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return !name.startsWith(".")
                && dot > 0
                && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /**
     * Returns the file of an image.
     *
     * @param index the image index
     * @return the image file
     */
    public Path file(int index) {
        return files.get(index);
    }

    /** {@inheritDoc} */
    @Override
    public int size() {
        return files.size();
    }

    /** {@inheritDoc} */
    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** {@inheritDoc} */
    @Override
    public int label(int index) {
        return labels[index];
    }

    /** {@inheritDoc} */
    @Override
    public DecodedImage image(int index) throws IOException {
        Path file = files.get(index);
        try (InputStream in = Files.newInputStream(file);
                ImageInputStream stream = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                // the file is named by describe(index), which every caller puts first
                throw new IOException(
                        Files.size(file) == 0
                                ? "the file is empty (0 bytes)"
                                : "no image decoder recognises its contents");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(stream, true, true);
                checkDecodable(reader.getWidth(0), reader.getHeight(0));
                return DecodedImage.of(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (RuntimeException e) {
            // Some ImageIO plug-ins throw unchecked exceptions on corrupt data.
            throw new IOException("cannot decode it: " + e, e);
        }
    }

    /**
     * Refuses an image whose decoding would need more than a quarter of the Java heap (about
     * {@value #BYTES_PER_PIXEL} bytes a pixel: the decoder's raster and the float channels), read
     * from its header before any pixel is: it is skipped like a corrupt one rather than ending the
     * run out of memory.
     */
    private static void checkDecodable(int width, int height) throws IOException {
        long bytes = (long) width * height * BYTES_PER_PIXEL;
        long allowed = Runtime.getRuntime().maxMemory() / 4;
        if (bytes > allowed) {
            throw new IOException(
                    "the image is "
                            + width
                            + "x"
                            + height
                            + " pixels: decoding it needs about "
                            + (bytes >> 20)
                            + " MiB, more than the "
                            + (allowed >> 20)
                            + " MiB (a quarter of the Java heap) one image may take; -Xmx raises"
                            + " it");
        }
    }

    /** {@inheritDoc} */
    @Override
    public String describe(int index) {
        return files.get(index).toString();
    }

    /** {@inheritDoc} */
    @Override
    public String description() {
        return description;
    }
}
