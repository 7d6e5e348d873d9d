package org.powerquant;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

/** The plugin descriptor names this build and entry points that exist. */
class PluginDescriptorTest {

    @Test
    void describesThisBuild() {
        PluginDescriptor plugin = PluginDescriptor.load();
        assertEquals("powerquant-djl", plugin.name());
        assertEquals(
                System.getProperty("project.version"),
                plugin.version(),
                "djl-plugin.properties lags the pom");
        assertFalse(plugin.exports().isEmpty());
        for (String entry : plugin.exports()) {
            assertDoesNotThrow(() -> Class.forName(entry), entry);
        }
        assertFalse(plugin.requires().isEmpty());
    }
}
