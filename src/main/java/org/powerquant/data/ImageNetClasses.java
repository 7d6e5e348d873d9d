package org.powerquant.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The 1,000 ImageNet-1k (ILSVRC 2012) classes as sorted WordNet ids.
 *
 * <p>The position of a WordNet id in this list is its class index, the order torchvision and DJL's
 * ImageNet models use (index 0 is {@code n01440764}, tench; index 999 is {@code n15075141}, toilet
 * tissue).
 */
public final class ImageNetClasses {

    /** The number of ImageNet-1k classes. */
    public static final int COUNT = 1000;

    private static final Pattern WNID = Pattern.compile("n\\d{8}");
    private static final String RESOURCE = "imagenet-wnids.txt";

    private ImageNetClasses() {}

    /**
     * Returns the 1,000 WordNet ids in class-index order.
     *
     * @return an unmodifiable list of 1,000 sorted WordNet ids
     */
    public static List<String> wordNetIds() {
        try (InputStream is = ImageNetClasses.class.getResourceAsStream(RESOURCE)) {
            if (is == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            List<String> ids = new ArrayList<>(COUNT);
            BufferedReader reader =
                    new BufferedReader(new InputStreamReader(is, StandardCharsets.US_ASCII));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                if (!line.isBlank()) {
                    ids.add(line.trim());
                }
            }
            if (ids.size() != COUNT) {
                throw new IllegalStateException(
                        RESOURCE + " holds " + ids.size() + " ids, expected " + COUNT);
            }
            return Collections.unmodifiableList(ids);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Tells whether a name has the form of a WordNet id ({@code n} followed by eight digits).
     *
     * @param name a folder name
     * @return true when {@code name} matches {@code n\d{8}}
     */
    public static boolean isWordNetId(String name) {
        return WNID.matcher(name).matches();
    }
}
