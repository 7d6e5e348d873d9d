package org.powerquant.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.powerquant.artifact.ArtifactManifest;
import org.powerquant.artifact.QuantizedArtifact;
import org.powerquant.data.Preprocessing;
import org.powerquant.transform.ActivationReport;
import org.powerquant.transform.QuantizationReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code powerquant inspect DIR}: print a quantized-model artifact's manifest and report, after
 * verifying every file's checksum, without starting the engine.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description =
                "Print a quantized-model artifact's manifest and report (architecture, bits, per-layer"
                        + " exponents, size on disk, bits per weight) after checking every file; the"
                        + " engine is not loaded.")
public final class InspectCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "DIR",
            description = "The artifact directory (written by quantize --output DIR).")
    private Path directory;

    // --quiet has nothing to silence here (inspect prints no progress); it is accepted like every
    // command's, so one set of run flags works everywhere.
    @Mixin private RunOptions run;

    @Override
    public Integer call() throws IOException {
        ArtifactManifest manifest = ArtifactManifest.read(directory);
        if (run.dryRun) {
            return 0; // the directory holds a readable, sealed manifest; the files are not hashed
        }
        manifest.verifyFiles();
        manifest.checkArchitecture();
        QuantizationReport report = QuantizedArtifact.readReport(directory);
        PrintWriter out = spec.commandLine().getOut();
        JsonObject q = manifest.quantization();
        JsonObject size = manifest.size();
        long onDisk =
                manifest.files().values().stream().mapToLong(Long::longValue).sum()
                        + java.nio.file.Files.size(directory.resolve(ArtifactManifest.FILE));
        out.printf(
                Locale.ROOT,
                "%s: PowerQuant artifact, format %d, model %s%n",
                directory,
                ArtifactManifest.FORMAT_VERSION,
                manifest.name());
        out.printf(Locale.ROOT, "architecture: %s%n", manifest.architecture());
        out.println(inputShape(manifest));
        out.printf(
                Locale.ROOT,
                "quantization: %s, method %s, calibration %s (%s)%n",
                setting(report),
                q.get("method").getAsString(),
                q.get("calibrationMode").getAsString(),
                q.get("dataFree").getAsBoolean() ? "data-free" : "calibrated on real data");
        JsonObject p = manifest.preprocessing();
        out.printf(
                Locale.ROOT,
                "preprocessing: %s%n",
                p == null
                        ? "not recorded"
                        : PreprocessingOptions.flags(QuantizedArtifact.preprocessing(manifest))
                                + " (what evaluate applies by itself)");
        out.printf(
                Locale.ROOT,
                "size on disk: %d bytes; quantized weights: %d in %d bytes = %.3f bits per weight"
                        + " (codes, scales and exponents); float parameters: %d in %d bytes%n",
                onDisk,
                size.get("quantizedWeights").getAsLong(),
                size.get("quantizedBytes").getAsLong(),
                size.get("bitsPerQuantizedWeight").getAsDouble(),
                size.get("floatParameters").getAsLong(),
                size.get("floatBytes").getAsLong());
        out.println(codeBits(manifest));
        for (Map.Entry<String, Long> f : manifest.files().entrySet()) {
            out.printf(Locale.ROOT, "  %-20s %12d bytes, checksum ok%n", f.getKey(), f.getValue());
        }
        out.println("per layer (name, bits, exponent, scales, packed bytes):");
        for (JsonObject t : manifest.tensors()) {
            if (t.has("bits")) {
                out.printf(
                        Locale.ROOT,
                        "  %-28s %d bits  a = %.4f  %4d scales  %8d bytes%n",
                        t.get("name").getAsString(),
                        t.get("bits").getAsInt(),
                        t.get("exponent").getAsDouble(),
                        t.get("scales").getAsInt(),
                        t.get("codeBytes").getAsLong());
            }
        }
        JsonObject activations = manifest.activations();
        if (activations.size() > 0) {
            out.println("activation grids (site, bits, exponent, lower, range):");
            for (Map.Entry<String, JsonElement> e : activations.entrySet()) {
                JsonObject g = e.getValue().getAsJsonObject();
                out.printf(
                        Locale.ROOT,
                        "  %-28s %d bits  a = %.4f  [%.4g, %.4g]%n",
                        e.getKey(),
                        g.get("bits").getAsInt(),
                        g.get("exponent").getAsDouble(),
                        g.get("lower").getAsDouble(),
                        g.get("lower").getAsDouble() + g.get("range").getAsDouble());
            }
        }
        out.println();
        out.println(report.toTable());
        return 0;
    }

    /**
     * The input the model takes, labelled for what it is: for a network that ends in global
     * pooling, the shape the recorded preprocessing produces (whatever the manifest recorded:
     * artifacts written before this held the importer's placeholder size), or any height and width
     * when the preprocessing fixes none; for another network, the recorded shape.
     *
     * @param manifest the artifact's manifest
     * @return one line
     */
    static String inputShape(ArtifactManifest manifest) {
        long[] recorded = manifest.inputShape();
        if (!manifest.poolsGlobally() || recorded.length != 4) {
            return "input shape: " + java.util.Arrays.toString(recorded);
        }
        long[] preprocessed = manifest.preprocessedInputShape();
        if (preprocessed != null) {
            return "input shape: "
                    + java.util.Arrays.toString(preprocessed)
                    + ", as the recorded preprocessing makes it (the network ends in global"
                    + " pooling, so other heights and widths fit it too)";
        }
        Preprocessing p = manifest.recordedPreprocessing();
        return "input shape: "
                + recorded[1]
                + (recorded[1] == 1 ? " channel" : " channels")
                + ", any height and width (the network ends in global pooling; "
                + (p == null
                        ? "no preprocessing recorded"
                        : p.outputSize() == null
                                ? "the recorded preprocessing fixes no size"
                                : "the recorded preprocessing's "
                                        + p.channels()
                                        + " channels are not the network's")
                + ")";
    }

    /**
     * The code bits per quantized weight, from the manifest's tensors: the figure a size budget
     * bounds (the bits per weight above add the scales and exponents).
     *
     * @param manifest the artifact's manifest
     * @return one line
     */
    static String codeBits(ArtifactManifest manifest) {
        long weights = 0;
        long bits = 0;
        java.util.IntSummaryStatistics widths = new java.util.IntSummaryStatistics();
        for (JsonObject t : manifest.tensors()) {
            if (t.has("bits")) {
                long count = 1;
                for (com.google.gson.JsonElement d : t.getAsJsonArray("shape")) {
                    count *= d.getAsLong();
                }
                int b = t.get("bits").getAsInt();
                weights += count;
                bits += count * b;
                widths.accept(b);
            }
        }
        if (weights == 0) {
            return "codes: no quantized weight";
        }
        return String.format(
                Locale.ROOT,
                "codes: %.3f bits per quantized weight on average (%s)",
                (double) bits / weights,
                widths.getMin() == widths.getMax()
                        ? "every layer at " + widths.getMin() + " bits"
                        : "mixed precision, "
                                + widths.getMin()
                                + " to "
                                + widths.getMax()
                                + " bits per layer");
    }

    /**
     * The setting a report describes, e.g. {@code w4a4} or {@code w8}, by the widths its layers
     * have ({@code w4-8} under a size budget that mixes them).
     *
     * @param report the report
     * @return the label
     */
    static String setting(QuantizationReport report) {
        int activationBits =
                report.activations().stream().mapToInt(ActivationReport::bits).min().orElse(0);
        return "w" + report.layerBits() + (activationBits > 0 ? "a" + activationBits : "");
    }
}
