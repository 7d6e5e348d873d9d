package org.powerquant.cli;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ModelException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.powerquant.data.LabelledImageDataset;
import org.powerquant.data.Preprocessing;
import org.powerquant.demo.DemoData;
import org.powerquant.demo.DemoModel;
import org.powerquant.eval.Comparison;
import org.powerquant.eval.ComparisonTable;
import org.powerquant.eval.Devices;
import org.powerquant.eval.Evaluator;
import org.powerquant.eval.ModelSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code powerquant demo}: the bundled Fashion-MNIST ResNet quantized at 8, 6 and 4 bits with both
 * methods, evaluated on the bundled test set. Runs offline on a fresh clone.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description =
                "Quantize the bundled Fashion-MNIST ResNet at several bit widths with uniform and PowerQuant,"
                        + " and compare them on the bundled 10,000-image test set.")
public final class DemoCommand implements Callable<Integer> {

    @Spec private CommandSpec spec;

    @Mixin private ComparisonOptions comparison;

    @Option(
            names = "--limit",
            paramLabel = "N",
            defaultValue = "0",
            description = "Only the first N test images.")
    private int limit;

    @Option(
            names = "--device",
            paramLabel = "D",
            defaultValue = "auto",
            description = "auto, cpu or gpu.")
    private String device;

    @Override
    public Integer call() throws IOException, ModelException {
        var settingList = comparison.settings();
        var methodList = comparison.methods();
        comparison.checkOutputs();
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must not be negative, got " + limit);
        }
        Device target = Devices.resolve(device);
        DemoModel demo = DemoModel.bundled();
        LabelledImageDataset testSet = DemoData.testSet();
        Preprocessing preprocessing =
                Preprocessing.builder()
                        .imageSize((int) demo.getInputShape().get(2))
                        .channels(1)
                        .mean(demo.getMean())
                        .std(demo.getStd())
                        .build();
        Evaluator evaluator =
                Evaluator.builder()
                        .preprocessing(preprocessing)
                        .batchSize(250)
                        .device(target)
                        .limit(limit)
                        .build();
        PrintStream out =
                new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
        out.println(
                String.format(
                        Locale.ROOT,
                        "PowerQuant demo: %s (%s), Fashion-MNIST test set (%d images), %s",
                        DemoModel.NAME,
                        "DJL-native torchvision-style ResNet, batch norm",
                        limit > 0 ? Math.min(limit, testSet.size()) : testSet.size(),
                        target));
        ModelSource source =
                new ModelSource() {
                    @Override
                    public String name() {
                        return DemoModel.NAME;
                    }

                    @Override
                    public Model open(boolean nativeGraph) throws IOException, ModelException {
                        return demo.loadModel(target);
                    }
                };
        long start = System.nanoTime();
        ComparisonTable table =
                Comparison.builder()
                        .source(source)
                        .dataset(testSet)
                        .evaluator(evaluator)
                        .settings(settingList)
                        .methods(methodList)
                        .log(out::println)
                        .build()
                        .run();
        out.println();
        comparison.report(spec, table, DemoModel.NAME + " on the bundled Fashion-MNIST test set");
        out.println(
                String.format(Locale.ROOT, "done in %.1f s", (System.nanoTime() - start) / 1e9));
        return 0;
    }
}
