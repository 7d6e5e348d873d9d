package org.powerquant.artifact;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;

/**
 * A damaged artifact is refused with one line naming the file at fault, by {@link PowerQuant#load}
 * and by plain DJL alike.
 */
class ArtifactRefusalTest {

    @TempDir static Path shared;
    @TempDir Path dir;

    private static Path original;

    @BeforeAll
    static void writeArtifact() throws Exception {
        original = ArtifactFixtures.savedDemoW4(shared.resolve("demo-w4"));
    }

    private Path copy() throws IOException {
        return ArtifactFixtures.copy(original, dir.resolve("copy"));
    }

    private static ArtifactException refused(Path artifact, String file, String reason) {
        ArtifactException e =
                assertThrows(ArtifactException.class, () -> PowerQuant.load(artifact));
        assertEquals(artifact.resolve(file), e.file(), e.getMessage());
        assertTrue(e.getMessage().startsWith(artifact.resolve(file).toString()), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        Criteria<NDList, NDList> plain =
                Criteria.builder()
                        .setTypes(NDList.class, NDList.class)
                        .optModelPath(artifact)
                        .build();
        Exception viaDjl = assertThrows(Exception.class, plain::loadModel);
        assertTrue(causes(viaDjl, e.getMessage()), "plain DJL refuses it too: " + viaDjl);
        return e;
    }

    private static boolean causes(Throwable t, String message) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ArtifactException && message.equals(c.getMessage())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void aFileThatCannotBeReadIsRefusedWithTheReasonNamingTheFileOnce() throws Exception {
        // a link to itself: unreadable even for root (for a user, a file without read permission
        // gave "F: cannot be read: F", the path twice and no reason)
        for (String name : new String[] {QuantizedArtifact.PARAMETERS, ArtifactManifest.FILE}) {
            Path a = ArtifactFixtures.copy(original, dir.resolve("unreadable-" + name));
            Path f = a.resolve(name);
            Files.delete(f);
            Files.createSymbolicLink(f, f.getFileName());
            ArtifactException e = refused(a, name, "cannot be read: ");
            String prefix = f + ": cannot be read: Too many levels of symbolic links";
            assertTrue(e.getMessage().startsWith(prefix), "the reason: " + e.getMessage());
            assertFalse(
                    e.getMessage().substring(prefix.length()).contains(f.toString()),
                    "the file named once: " + e.getMessage());
        }
    }

    @Test
    void aTruncatedParameterFileIsRefused() throws Exception {
        Path a = copy();
        Path f = a.resolve(QuantizedArtifact.PARAMETERS);
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        refused(a, QuantizedArtifact.PARAMETERS, "truncated");
    }

    @Test
    void aCorruptedByteIsRefusedByItsChecksum() throws Exception {
        Path a = copy();
        Path f = a.resolve(QuantizedArtifact.PARAMETERS);
        byte[] bytes = Files.readAllBytes(f);
        bytes[bytes.length - 100] ^= 0x10;
        Files.write(f, bytes);
        refused(a, QuantizedArtifact.PARAMETERS, "checksum");
    }

    @Test
    void anEditedReportIsRefused() throws Exception {
        Path a = copy();
        Path f = a.resolve(QuantizedArtifact.REPORT);
        String text = Files.readString(f);
        Files.writeString(f, text.replaceFirst("\"power\"", "\"POWER\""));
        refused(a, QuantizedArtifact.REPORT, "checksum");
    }

    @Test
    void anUnknownFormatVersionIsRefused() throws Exception {
        Path a = copy();
        edit(a, "\"formatVersion\": 1", "\"formatVersion\": 99");
        refused(a, ArtifactManifest.FILE, "format version 99 is not supported");
    }

    @Test
    void aHandEditedManifestIsRefused() throws Exception {
        Path a = copy();
        edit(a, "\"bits\": 4", "\"bits\": 5");
        refused(a, ArtifactManifest.FILE, "edited by hand");
    }

    @Test
    void aDirectoryWithoutManifestIsRefused() throws Exception {
        Path a = copy();
        Files.delete(a.resolve(ArtifactManifest.FILE));
        ArtifactException e = assertThrows(ArtifactException.class, () -> PowerQuant.load(a));
        assertEquals(a.resolve(ArtifactManifest.FILE), e.file());
        assertTrue(e.getMessage().contains("not a PowerQuant artifact"), e.getMessage());
    }

    @Test
    void aMissingFileIsRefused() throws Exception {
        Path a = copy();
        Files.delete(a.resolve(QuantizedArtifact.PARAMETERS));
        refused(a, QuantizedArtifact.PARAMETERS, "missing");
    }

    @Test
    void aNonEmptyDirectoryThatIsNotAnArtifactIsNeverReplaced() throws Exception {
        Path other = dir.resolve("photos");
        Files.createDirectories(other);
        Files.writeString(other.resolve("keep.jpg"), "precious");
        try (QuantizedModel<NDList, NDList> q = ArtifactFixtures.quantizedDemo(4, 0)) {
            ArtifactException e =
                    assertThrows(ArtifactException.class, () -> PowerQuant.save(q, other));
            assertEquals(other, e.file());
        }
        assertEquals("precious", Files.readString(other.resolve("keep.jpg")));
    }

    private static void edit(Path artifact, String from, String to) throws IOException {
        Path f = artifact.resolve(ArtifactManifest.FILE);
        String text = Files.readString(f, StandardCharsets.UTF_8);
        assertTrue(text.contains(from), "manifest has " + from);
        Files.writeString(f, text.replaceFirst(java.util.regex.Pattern.quote(from), to));
    }
}
