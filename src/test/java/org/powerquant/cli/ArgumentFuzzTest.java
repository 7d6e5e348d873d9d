package org.powerquant.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.eval.Fixtures;

/**
 * Random flag combinations through the command line's parser and validation (with {@code
 * --dry-run}, so no model is loaded; a few runs without it on a model that cannot load): exit 0 or
 * 2 and nothing else, exactly one stderr line on 2, no file outside the temporary folder changed,
 * no input changed.
 *
 * <p>Seeded and bounded: {@code -Dfuzz.seed=N} picks the seed (default fixed), {@code
 * -Dfuzz.seconds=S} the time budget (default 3 s; e.g. 300 for a long run).
 */
class ArgumentFuzzTest {

    @TempDir Path dir;

    private static final List<String> COMMANDS = List.of("quantize", "evaluate", "compare", "demo");

    private final List<Path> inputs = new ArrayList<>();
    private final List<String> paths = new ArrayList<>();
    private final List<String> datasets = new ArrayList<>();

    private void fixtures() throws IOException {
        Path model = Files.writeString(dir.resolve("model.pt"), "not a TorchScript archive");
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        Fixtures.writeIdx(images, new int[] {3, 4, 4}, new byte[48], true);
        Fixtures.writeIdx(labels, new int[] {3}, new byte[] {0, 1, 2}, true);
        Path garbage = Files.write(dir.resolve("garbage.gz"), new byte[] {0x1f, (byte) 0x8b, 1});
        Path folder = Files.createDirectories(dir.resolve("folder"));
        Fixtures.writeImage(folder.resolve("a/1.png"), 1, 5, 5, true);
        Files.createDirectories(folder.resolve("b"));
        Path broken = Files.write(folder.resolve("b/2.png"), new byte[] {1, 2});
        Path empty = Files.createDirectories(dir.resolve("empty"));
        Path old = Files.createDirectories(dir.resolve("old-output"));
        Path oldParams = Files.writeString(old.resolve("net-0000.params"), "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.pt"), model);
        inputs.addAll(
                List.of(
                        model,
                        images,
                        labels,
                        garbage,
                        folder.resolve("a/1.png"),
                        broken,
                        oldParams));
        for (Path p : List.of(model, images, labels, garbage, folder, empty, old, link)) {
            paths.add(p.toString());
        }
        paths.add(dir.resolve("missing.pt").toString());
        paths.add(dir.resolve("out.json").toString());
        paths.add(dir.resolve("out.png").toString());
        paths.add(dir.resolve("out.pt").toString());
        paths.add(dir.resolve("new-dir").toString());
        paths.add(dir.resolve("no/such/dir/out.json").toString());
        paths.add(dir.resolve("sub/../out.json").toString());
        paths.add("");
        datasets.addAll(
                List.of(
                        "idx:" + images + "," + labels,
                        "idx:" + images + "," + images,
                        "idx:" + garbage + "," + labels,
                        "idx:" + images,
                        "folder:" + folder,
                        folder.toString(),
                        "imagenet:" + folder,
                        "folder:" + empty,
                        "folder:",
                        dir.resolve("missing").toString(),
                        ""));
    }

    private static final String[] NUMBERS = {
        "0",
        "1",
        "2",
        "3",
        "4",
        "8",
        "9",
        "-1",
        "64",
        "256",
        "100000",
        "2000000000",
        "99999999999",
        "NaN",
        "Infinity",
        "-Infinity",
        "0.2",
        "1.5",
        "1e-6",
        "x",
        "",
        "4,5"
    };

    private String value(Random r, String flag) {
        switch (flag) {
            case "--model", "--output", "--report", "--json", "--plot" -> {
                return pick(r, paths);
            }
            case "--dataset", "--calibration" -> {
                return pick(r, datasets);
            }
            case "--activation-bits" -> {
                return pick(r, List.of("float", "fp32", "2", "4", "8", "9", "0", "four"));
            }
            case "--method" -> {
                return pick(r, List.of("power", "uniform", "POWER", "magic", ""));
            }
            case "--calibration-mode" -> {
                return pick(r, List.of("synthetic", "bn-model", "data", "none", ""));
            }
            case "--rounding" -> {
                return pick(r, List.of("nearest", "error-aware", "ERROR-AWARE", "squant", ""));
            }
            case "--activation-rounding" -> {
                return pick(r, List.of("power-domain", "nearest-level", "NEAREST-LEVEL", "x", ""));
            }
            case "--settings" -> {
                return pick(r, List.of("fp32", "fp32,w4", "w4a4", "w8a8,w4", "w9", "x", ","));
            }
            case "--methods" -> {
                return pick(r, List.of("power", "uniform,power", "magic", ","));
            }
            case "--device" -> {
                return pick(r, List.of("cpu", "auto", "tpu", ""));
            }
            case "--skip" -> {
                return pick(r, List.of("conv1.weight", "fc.*", " ", "*"));
            }
            case "--mean", "--std" -> {
                return pick(
                        r, List.of("0.5", "0.1,0.2,0.3", "0.1,0.2", "NaN", "Infinity", "0", "-1"));
            }
            default -> {
                return NUMBERS[r.nextInt(NUMBERS.length)];
            }
        }
    }

    private static final List<String> VALUED =
            List.of(
                    "--model",
                    "--weight-bits",
                    "--activation-bits",
                    "--last-layer-bits",
                    "--method",
                    "--skip",
                    "--exponent-min",
                    "--exponent-max",
                    "--tolerance",
                    "--calibration-mode",
                    "--rounding",
                    "--activation-rounding",
                    "--calibration",
                    "--calibration-images",
                    "--seed",
                    "--output",
                    "--report",
                    "--dataset",
                    "--limit",
                    "--batch-size",
                    "--device",
                    "--resize-short",
                    "--center-crop",
                    "--image-size",
                    "--mean",
                    "--std",
                    "--channels",
                    "--json",
                    "--plot",
                    "--settings",
                    "--methods");

    private static final List<String> SWITCHES =
            List.of(
                    "--per-tensor",
                    "--quantize-input",
                    "--clipping",
                    "--bias-correction",
                    "--antialias",
                    "--bogus-flag");

    private static <T> T pick(Random r, List<T> list) {
        return list.get(r.nextInt(list.size()));
    }

    private String[] arguments(Random r, boolean dryRun) {
        String command = pick(r, COMMANDS);
        List<String> args = new ArrayList<>(List.of(command, "--quiet"));
        if (dryRun) {
            args.add("--dry-run");
        }
        if (!command.equals("demo") && r.nextInt(10) < 9) {
            args.addAll(List.of("--model", pick(r, paths)));
        }
        if ((command.equals("evaluate") || command.equals("compare")) && r.nextInt(10) < 9) {
            args.addAll(List.of("--dataset", pick(r, datasets)));
        }
        if (command.equals("quantize") && r.nextInt(10) < 9) {
            args.addAll(List.of("--weight-bits", pick(r, List.of("4", "8", "2", "9", "0"))));
        }
        int extra = r.nextInt(6);
        for (int i = 0; i < extra; i++) {
            if (r.nextInt(6) == 0) {
                args.add(pick(r, SWITCHES));
            } else {
                String flag = pick(r, VALUED);
                args.add(flag);
                if (r.nextInt(30) > 0) {
                    args.add(value(r, flag));
                }
            }
        }
        return args.toArray(new String[0]);
    }

    private static Map<String, String> snapshot(Path folder) throws IOException {
        Map<String, String> state = new TreeMap<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                state.put(
                        p.getFileName().toString(),
                        Files.isRegularFile(p)
                                ? Files.size(p) + "@" + Files.getLastModifiedTime(p)
                                : "dir");
            }
        }
        return state;
    }

    private Map<Path, byte[]> inputBytes() throws IOException {
        Map<Path, byte[]> bytes = new TreeMap<>();
        for (Path p : inputs) {
            bytes.put(p, Files.readAllBytes(p));
        }
        return bytes;
    }

    @Test
    void randomFlagCombinationsExitZeroOrTwoWithOneLineAndTouchNothing() throws IOException {
        fixtures();
        long seed = Long.getLong("fuzz.seed", 20261201L);
        long budget = (long) (Double.parseDouble(System.getProperty("fuzz.seconds", "3")) * 1e9);
        Random random = new Random(seed);
        Path cwd = Path.of("").toAbsolutePath();
        Map<String, String> outside = snapshot(cwd);
        Map<String, String> siblings = snapshot(dir.getParent());
        Map<Path, byte[]> before = inputBytes();
        long start = System.nanoTime();
        int runs = 0;
        int refused = 0;
        while (System.nanoTime() - start < budget || runs < 50) {
            boolean dryRun = random.nextInt(20) > 0;
            String[] args = arguments(random, dryRun);
            if (!dryRun && args[0].equals("demo")) {
                continue; // a demo that passes validation would run the whole demo
            }
            CliRun run = CliRun.of(args);
            String repro = "seed " + seed + ", run " + runs + ": " + Arrays.toString(args);
            if (run.exitCode() != 0 && run.exitCode() != PowerQuantCli.BAD_INPUT) {
                fail("exit " + run.exitCode() + " for " + repro + "\n" + run.err());
            }
            if (run.exitCode() == PowerQuantCli.BAD_INPUT) {
                refused++;
                assertEquals(1, run.errorLines().lines().count(), repro + "\n" + run.err());
            }
            Map<Path, byte[]> after = inputBytes();
            for (Path p : before.keySet()) {
                assertTrue(Arrays.equals(before.get(p), after.get(p)), p + " changed: " + repro);
            }
            runs++;
        }
        System.out.println(
                "argument fuzzer: " + runs + " runs, " + refused + " refused, seed " + seed);
        assertEquals(outside, snapshot(cwd), "no file outside the temporary folder changed");
        Map<String, String> siblingsAfter = snapshot(dir.getParent());
        siblingsAfter.keySet().removeIf(name -> !siblings.containsKey(name));
        assertEquals(siblings.keySet(), siblingsAfter.keySet());
        assertTrue(refused > 0 && refused < runs, refused + " of " + runs + " refused");
    }
}
