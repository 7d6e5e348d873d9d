package org.powerquant;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * The plugin's description, read from {@code META-INF/djl-plugin.properties} in the jar (the
 * project's top-level {@code djl-plugin.properties}): name, version, exported entry points and
 * requirements, with the keys DJL Serving's {@code plugin.definition} uses.
 *
 * @param name the plugin name
 * @param version its version
 * @param exports the exported entry points (class names)
 * @param requires the Maven coordinates it needs
 */
public record PluginDescriptor(
        String name, String version, List<String> exports, List<String> requires) {

    /** Where the build puts the descriptor on the class path. */
    public static final String RESOURCE = "META-INF/djl-plugin.properties";

    /**
     * Reads the descriptor from the class path.
     *
     * @return the descriptor
     * @throws IllegalStateException if the jar carries none
     */
    public static PluginDescriptor load() {
        Properties properties = new Properties();
        try (InputStream in =
                PluginDescriptor.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new PluginDescriptor(
                properties.getProperty("name"),
                properties.getProperty("version"),
                list(properties.getProperty("export", "")),
                list(properties.getProperty("requires", "")));
    }

    private static List<String> list(String value) {
        return value.isBlank() ? List.of() : Arrays.asList(value.trim().split("\\s*,\\s*"));
    }
}
