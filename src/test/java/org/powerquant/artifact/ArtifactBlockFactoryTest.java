package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * When DJL calls the factory: named by an artifact's {@code serving.properties}, or found by DJL's
 * scan of a model directory that merely holds the plugin's jar.
 */
class ArtifactBlockFactoryTest {

    @TempDir Path dir;

    @Test
    void aDirectoryThatNeitherIsNorClaimsToBeAnArtifactIsLeftToDjl() throws Exception {
        try (Model model = Model.newInstance("scanned")) {
            assertNull(new ArtifactBlockFactory().newBlock(model, dir, Map.of()));
        }
    }

    @Test
    void aDirectoryWhosePropertiesNameTheFactoryMustBeAnArtifact() {
        Model model = Model.newInstance("declared"); // the factory closes it when it refuses
        ArtifactException e =
                assertThrows(
                        ArtifactException.class,
                        () ->
                                new ArtifactBlockFactory()
                                        .newBlock(
                                                model,
                                                dir,
                                                Map.of(
                                                        "blockFactory",
                                                        ArtifactBlockFactory.class.getName())));
        assertTrue(e.getMessage().contains(ArtifactManifest.FILE), e.getMessage());
    }
}
