package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.eval.Fixtures;

/**
 * No command writes over what it reads: every output flag of every command, pointed at every input
 * (model, data set, calibration set) directly, through a symbolic link, through a hard link or
 * through a detour in the path, and at another output, is refused with one line before any work,
 * and the input is unchanged.
 */
class FileSafetyTest {

    @TempDir Path dir;

    private Path model;
    private Path images;
    private Path labels;
    private Path calibrationImages;
    private Path calibrationLabels;

    @BeforeEach
    void inputs() throws IOException {
        model = Files.writeString(dir.resolve("model.pt"), "the model: must survive");
        images = dir.resolve("images.gz");
        labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {2, 4, 4}, new byte[32], true);
        Fixtures.writeIdx(labels, new int[] {2}, new byte[] {0, 1}, true);
        calibrationImages = dir.resolve("cal-images.gz");
        calibrationLabels = dir.resolve("cal-labels.gz");
        Fixtures.writeIdx(calibrationImages, new int[] {2, 4, 4}, new byte[32], true);
        Fixtures.writeIdx(calibrationLabels, new int[] {2}, new byte[] {0, 1}, true);
    }

    private Map<Path, byte[]> snapshot() throws IOException {
        Map<Path, byte[]> files = new LinkedHashMap<>();
        for (Path p : List.of(model, images, labels, calibrationImages, calibrationLabels)) {
            files.put(p, Files.readAllBytes(p));
        }
        return files;
    }

    private String[] command(String name, String flag, Path target) {
        String dataset = "idx:" + images + "," + labels;
        String calibration = "idx:" + calibrationImages + "," + calibrationLabels;
        List<String> args = new ArrayList<>(List.of(name, "--model", model.toString()));
        switch (name) {
            case "quantize" -> {
                args.addAll(
                        List.of(
                                "--weight-bits",
                                "4",
                                "--activation-bits",
                                "4",
                                "--image-size",
                                "4",
                                "--calibration",
                                calibration));
            }
            case "evaluate" -> {
                args.addAll(
                        List.of(
                                "--dataset",
                                dataset,
                                "--image-size",
                                "4",
                                "--weight-bits",
                                "4",
                                "--activation-bits",
                                "4",
                                "--calibration",
                                calibration));
            }
            default -> {
                args.addAll(
                        List.of(
                                "--dataset",
                                dataset,
                                "--image-size",
                                "4",
                                "--settings",
                                "fp32,w4a4",
                                "--calibration",
                                calibration));
            }
        }
        args.addAll(List.of(flag, target.toString(), "--quiet"));
        return args.toArray(new String[0]);
    }

    private static final Map<String, List<String>> OUTPUTS =
            Map.of(
                    "quantize", List.of("--output", "--report"),
                    "evaluate", List.of("--json"),
                    "compare", List.of("--json", "--plot"));

    private void assertRefusedAndUnchanged(String[] args, String why) throws IOException {
        Map<Path, byte[]> before = snapshot();
        CliRun run = CliRun.of(args);
        assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), String.join(" ", args) + run.err());
        assertEquals(1, run.errorLines().lines().count(), run.err());
        assertTrue(run.errorLines().contains(why), String.join(" ", args) + ": " + run.err());
        for (Map.Entry<Path, byte[]> e : snapshot().entrySet()) {
            assertArrayEquals(before.get(e.getKey()), e.getValue(), e.getKey() + " changed");
        }
    }

    @Test
    void noOutputMayBeAnInputHoweverItIsNamed() throws IOException {
        Path links = Files.createDirectories(dir.resolve("links"));
        for (Map.Entry<String, List<String>> command : OUTPUTS.entrySet()) {
            for (String flag : command.getValue()) {
                List<Path> inputs =
                        command.getKey().equals("quantize")
                                ? List.of(model, calibrationImages, calibrationLabels)
                                : List.of(
                                        model,
                                        images,
                                        labels,
                                        calibrationImages,
                                        calibrationLabels);
                for (Path input : inputs) {
                    String name = input.getFileName().toString();
                    Path symlink = links.resolve("sym-" + command.getKey() + flag + name);
                    Files.createSymbolicLink(symlink, input);
                    Path hardlink = links.resolve("hard-" + command.getKey() + flag + name);
                    Files.createLink(hardlink, input);
                    Path detour = links.resolve("..").resolve(name);
                    for (Path target : List.of(input, symlink, hardlink, detour)) {
                        String[] args = command(command.getKey(), flag, target);
                        if (flag.equals("--output") && command.getKey().equals("quantize")) {
                            // with activation bits --output is a directory: refused as a file
                            assertRefusedAndUnchanged(args, "--output");
                        } else {
                            assertRefusedAndUnchanged(args, "it would be overwritten");
                        }
                    }
                }
            }
        }
    }

    @Test
    void aWeightsOnlyOutputNamingTheModelThroughALinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("link.pt"), model);
        for (Path target : List.of(model, link)) {
            assertRefusedAndUnchanged(
                    new String[] {
                        "quantize",
                        "--model",
                        link.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        target.toString()
                    },
                    "it would be overwritten");
        }
    }

    @Test
    void twoOutputsMayNotNameOneFile() throws IOException {
        Path same = dir.resolve("out.json");
        Path detour = Files.createDirectories(dir.resolve("sub")).resolve("../out.json");
        assertRefusedAndUnchanged(
                new String[] {
                    "quantize",
                    "--model",
                    model.toString(),
                    "--weight-bits",
                    "4",
                    "--output",
                    same.toString(),
                    "--report",
                    same.toString()
                },
                "name the same file");
        assertRefusedAndUnchanged(
                new String[] {
                    "compare",
                    "--model",
                    model.toString(),
                    "--dataset",
                    "idx:" + images + "," + labels,
                    "--json",
                    same.toString(),
                    "--plot",
                    detour.toString()
                },
                "name the same file");
        assertTrue(!Files.exists(same));
    }

    @Test
    void anOutputDirectoryHoldingAnInputOrOtherFilesIsRefused() throws IOException {
        Path output = Files.createDirectories(dir.resolve("out"));
        Files.writeString(output.resolve("notes.txt"), "mine");
        assertRefusedAndUnchanged(command("quantize", "--output", output), "other files");
        assertRefusedAndUnchanged(command("quantize", "--output", dir), "--output " + dir);
        assertEquals("mine", Files.readString(output.resolve("notes.txt")));
    }

    @Test
    void anOutputInsideTheOutputDirectoryIsNamedAsSuchWhetherOrNotTheDirectoryExists()
            throws IOException {
        Path artifact = dir.resolve("artifact");
        for (boolean exists : new boolean[] {false, true}) {
            if (exists) {
                Files.createDirectory(artifact);
            }
            assertRefusedAndUnchanged(
                    new String[] {
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--output",
                        artifact.toString(),
                        "--report",
                        artifact.resolve("report.json").toString()
                    },
                    "--report "
                            + artifact.resolve("report.json")
                            + " lies inside --output "
                            + artifact
                            + ", which is replaced as a whole");
        }
    }

    @Test
    void noOutputMayLieInsideAnImageFolderItReads() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("images/shirt"));
        Path image = folder.resolve("a.png");
        byte[] pixels = "an image: must survive".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Files.write(image, pixels);
        Path root = folder.getParent();
        for (String[] output :
                new String[][] {
                    {"evaluate", "--json"}, {"compare", "--json"}, {"compare", "--plot"}
                }) {
            CliRun run =
                    CliRun.of(
                            output[0],
                            "--model",
                            model.toString(),
                            "--dataset",
                            "folder:" + root,
                            output[1],
                            image.toString(),
                            "--quiet");
            assertEquals(PowerQuantCli.BAD_INPUT, run.exitCode(), run.err());
            assertEquals(1, run.errorLines().lines().count(), run.err());
            assertTrue(
                    run.errorLines().contains(" lies inside the input --dataset " + root),
                    run.err());
            assertArrayEquals(pixels, Files.readAllBytes(image));
        }
        CliRun calibration =
                CliRun.of(
                        "quantize",
                        "--model",
                        model.toString(),
                        "--weight-bits",
                        "4",
                        "--activation-bits",
                        "8",
                        "--image-size",
                        "4",
                        "--calibration",
                        "folder:" + root,
                        "--report",
                        folder.resolve("report.json").toString());
        assertEquals(PowerQuantCli.BAD_INPUT, calibration.exitCode(), calibration.err());
        assertTrue(
                calibration.errorLines().contains("lies inside the input --calibration " + root),
                calibration.err());
        assertTrue(!Files.exists(folder.resolve("report.json")));
    }
}
