package org.powerquant.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.eval.Fixtures;

class ImageFolderDatasetTest {

    @TempDir Path dir;

    @Test
    void imageNetClassListIsTheSorted1000WordNetIds() {
        List<String> ids = ImageNetClasses.wordNetIds();
        assertEquals(1000, ids.size());
        assertEquals(1000, ids.stream().distinct().count());
        assertEquals("n01440764", ids.get(0));
        assertEquals("n15075141", ids.get(999));
        for (int i = 1; i < ids.size(); i++) {
            assertTrue(ids.get(i - 1).compareTo(ids.get(i)) < 0, ids.get(i));
        }
        assertTrue(ids.stream().allMatch(ImageNetClasses::isWordNetId));
        // Well-known torchvision indices: 207 golden retriever, 281 tabby, 954 banana.
        assertEquals("n02099601", ids.get(207));
        assertEquals("n02123045", ids.get(281));
        assertEquals("n07753592", ids.get(954));
    }

    @Test
    void folderClassesAreSortedNamesAndImagesAreOrderedByClassThenPath() throws IOException {
        Fixtures.writeImage(dir.resolve("zebra/b.png"), 1, 4, 4, false);
        Fixtures.writeImage(dir.resolve("zebra/a.jpg"), 2, 4, 4, true);
        Fixtures.writeImage(dir.resolve("ant/sub/c.png"), 3, 4, 4, true);
        Fixtures.writeImage(dir.resolve("Bee/x.bmp"), 4, 4, 4, false);
        Files.writeString(dir.resolve("zebra/notes.txt"), "not an image");
        Files.createDirectories(dir.resolve(".hidden"));
        Fixtures.writeImage(dir.resolve(".hidden/h.png"), 5, 4, 4, false);

        ImageFolderDataset data = ImageFolderDataset.open(dir);
        assertEquals(List.of("Bee", "ant", "zebra"), data.classNames());
        assertEquals(4, data.size());
        assertEquals(dir.resolve("Bee/x.bmp"), data.file(0));
        assertEquals(dir.resolve("ant/sub/c.png"), data.file(1));
        assertEquals(dir.resolve("zebra/a.jpg"), data.file(2));
        assertEquals(dir.resolve("zebra/b.png"), data.file(3));
        assertEquals(
                List.of(0, 1, 2, 2),
                List.of(data.label(0), data.label(1), data.label(2), data.label(3)));
        // grey PNG decodes to one exact channel, colour JPEG to three channels near the level
        DecodedImage grey = data.image(3);
        assertEquals(1, grey.channels());
        assertEquals(Fixtures.level(1) / 255f, grey.pixels()[5]);
        DecodedImage jpeg = data.image(2);
        assertEquals(3, jpeg.channels());
        assertEquals(Fixtures.level(2) / 255f, jpeg.pixels()[5], 3 / 255f);
    }

    @Test
    void partialImageNetLabelsAreIndicesInTheFullList() throws IOException {
        Fixtures.writeImage(dir.resolve("n15075141/ILSVRC2012_val_00000001.JPEG"), 1, 8, 8, true);
        Fixtures.writeImage(dir.resolve("n01440764/ILSVRC2012_val_00000002.JPEG"), 2, 8, 8, true);
        Fixtures.writeImage(dir.resolve("n02099601/ILSVRC2012_val_00000003.JPEG"), 3, 8, 8, true);
        ImageFolderDataset data = ImageFolderDataset.imageNet(dir);
        assertEquals(1000, data.classNames().size());
        assertEquals(3, data.size());
        assertEquals(0, data.label(0));
        assertEquals(207, data.label(1));
        assertEquals(999, data.label(2));
        // a bare folder of WordNet ids is detected as ImageNet
        DatasetSpec spec = DatasetSpec.parse(dir.toString());
        assertEquals(DatasetSpec.Kind.IMAGENET, spec.resolvedKind());
        assertEquals(1000, spec.open().classNames().size());
        // and the same folder read as a plain image folder has three classes
        assertEquals(3, DatasetSpec.parse("folder:" + dir).open().classNames().size());
    }

    @Test
    void bareFolderWithOtherNamesIsAnImageFolder() throws IOException {
        Fixtures.writeImage(dir.resolve("n01440764/a.png"), 1, 4, 4, false);
        Fixtures.writeImage(dir.resolve("cats/b.png"), 2, 4, 4, false);
        DatasetSpec spec = DatasetSpec.parse(dir.toString());
        assertEquals(DatasetSpec.Kind.FOLDER, spec.resolvedKind());
        assertEquals(List.of("cats", "n01440764"), spec.open().classNames());
    }

    @Test
    void imageNetRejectsAFolderThatIsNotAWordNetIdOfTheList() throws IOException {
        Fixtures.writeImage(dir.resolve("n99999999/a.png"), 1, 4, 4, false);
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> ImageFolderDataset.imageNet(dir));
        assertTrue(e.getMessage().contains("n99999999"), e.getMessage());
    }

    @Test
    void missingAndEmptyFoldersAreNamedInTheMessage() throws IOException {
        Path missing = dir.resolve("missing");
        for (String spec : new String[] {"folder:", "imagenet:", ""}) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> DatasetSpec.parse(spec + missing).open());
            assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        }
        Files.createDirectories(dir.resolve("empty/cls"));
        Files.writeString(dir.resolve("empty/cls/readme.txt"), "no images");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> DatasetSpec.parse("folder:" + dir.resolve("empty")).open());
        assertTrue(e.getMessage().contains("empty data set"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.resolve("empty").toString()));
    }

    @Test
    void linkedClassFoldersAreFollowedAndALinkLoopIsRefusedNamingIt() throws IOException {
        Path elsewhere = dir.resolve("elsewhere");
        Fixtures.writeImage(elsewhere.resolve("a.png"), 1, 4, 4, false);
        Path root = dir.resolve("root");
        Fixtures.writeImage(root.resolve("cat/b.png"), 2, 4, 4, false);
        Files.createSymbolicLink(root.resolve("dog"), elsewhere);
        ImageFolderDataset data = ImageFolderDataset.open(root);
        assertEquals(List.of("cat", "dog"), data.classNames());
        assertEquals(2, data.size());
        assertEquals(1, data.label(1));

        Files.createSymbolicLink(elsewhere.resolve("loop"), elsewhere);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> ImageFolderDataset.open(root));
        assertTrue(e.getMessage().contains("symbolic link loops"), e.getMessage());
    }

    @Test
    void anImageTooLargeForTheHeapIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        Path file = dir.resolve("images/big/huge.png");
        Fixtures.writeImage(file, 1, 4, 4, false);
        // claim a size in the header whose pixels would not fit a quarter of any heap here
        byte[] png = Files.readAllBytes(file);
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(png); // IHDR data starts at 16
        header.putInt(16, 60_000).putInt(20, 60_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17); // chunk type and data
        header.putInt(29, (int) crc.getValue());
        Files.write(file, png);
        ImageFolderDataset data = ImageFolderDataset.open(dir.resolve("images"));
        IOException e = assertThrows(IOException.class, () -> data.image(0));
        assertTrue(e.getMessage().contains("60000x60000 pixels"), e.getMessage());
        assertTrue(e.getMessage().contains("-Xmx"), e.getMessage());
    }

    @Test
    void specParsing() {
        DatasetSpec idx = DatasetSpec.parse("idx:a.gz,b.gz");
        assertEquals(DatasetSpec.Kind.IDX, idx.kind());
        assertEquals(Path.of("a.gz"), idx.path());
        assertEquals(Path.of("b.gz"), idx.labels());
        assertEquals(DatasetSpec.Kind.IMAGENET, DatasetSpec.parse("imagenet:/x").kind());
        assertEquals(DatasetSpec.Kind.FOLDER, DatasetSpec.parse("folder:/x").kind());
        assertEquals(DatasetSpec.Kind.AUTO, DatasetSpec.parse("/x").kind());
        for (String bad : new String[] {"idx:a.gz", "idx:,b", "idx:a,b,c", "imagenet:", " "}) {
            org.powerquant.InvalidInputException e =
                    assertThrows(
                            org.powerquant.InvalidInputException.class,
                            () -> DatasetSpec.parse(bad));
            assertEquals(org.powerquant.Role.DATASET, e.role(), e.getMessage());
        }
    }

    @Test
    void anUnreadableImageSaysWhyWithoutRepeatingTheNameItsCallersPutFirst() throws IOException {
        Path classFolder = Files.createDirectories(dir.resolve("images/shirt"));
        Files.write(classFolder.resolve("a-empty.png"), new byte[0]);
        Files.writeString(classFolder.resolve("b-text.png"), "hello");
        ImageFolderDataset data = ImageFolderDataset.open(dir.resolve("images"));
        String[] reasons = {"the file is empty (0 bytes)", "no image decoder recognises"};
        for (int i = 0; i < 2; i++) {
            int index = i;
            IOException e = assertThrows(IOException.class, () -> data.image(index));
            assertTrue(e.getMessage().startsWith(reasons[i]), e.getMessage());
            String skipped = new SkippedImage(data.describe(i), e.getMessage()).toString();
            assertEquals(
                    skipped.indexOf(data.describe(i)),
                    skipped.lastIndexOf(data.describe(i)),
                    "named once: " + skipped);
        }
    }
}
