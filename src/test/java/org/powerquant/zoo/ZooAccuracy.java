package org.powerquant.zoo;

import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.ZooModel;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.powerquant.PowerQuant;
import org.powerquant.QuantizedModel;
import org.powerquant.quant.QuantizationMethod;
import org.powerquant.quant.WeightRounding;
import org.powerquant.transform.PowerQuantTransform;
import org.powerquant.transform.QuantizationSetting;

/**
 * Measures the trained DJL zoo fixtures on the first 2,000 Fashion-MNIST test images: float, and
 * data-free W8A8 and W4A4 with both methods (default calibration: synthetic images distilled from
 * the batch norms; classifier input at 8 bits, image input float), each loaded afresh through DJL's
 * {@code Criteria} ({@code ResnetBlockFactory} for the ResNet) and quantized with {@code
 * PowerQuant.loadQuantized}.
 *
 * <pre>
 * java -Dai.djl.offline=true -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) \
 *     org.powerquant.zoo.ZooAccuracy [resnet|mobilenetv1|mobilenetv2 ...]
 * </pre>
 *
 * <p>{@code -Dsettings=w4,w3} measures those settings instead, both methods, and {@code
 * -Drounding=error-aware} rounds their weights so.
 */
public final class ZooAccuracy {

    private ZooAccuracy() {}

    /**
     * The settings measured: label to transform (null for float).
     *
     * @return the settings in order
     */
    static Map<String, PowerQuantTransform> settings() {
        Map<String, PowerQuantTransform> settings = new LinkedHashMap<>();
        settings.put("fp32", null);
        settings.put("W8A8 power", transform(8, 8, QuantizationMethod.POWER));
        settings.put("W4A4 uniform", transform(4, 4, QuantizationMethod.UNIFORM));
        settings.put("W4A4 power", transform(4, 4, QuantizationMethod.POWER));
        return settings;
    }

    /**
     * The settings of a run: {@link #settings()}, or with {@code -Dsettings=w4,w3} those settings
     * with both methods, with {@code -Drounding=error-aware} (or {@code nearest-level}) for the
     * weights.
     */
    private static Map<String, PowerQuantTransform> asked() {
        String settings = System.getProperty("settings");
        if (settings == null) {
            return settings();
        }
        WeightRounding rounding =
                WeightRounding.valueOf(
                        System.getProperty("rounding", "nearest")
                                .toUpperCase(Locale.ROOT)
                                .replace('-', '_'));
        Map<String, PowerQuantTransform> asked = new LinkedHashMap<>();
        for (QuantizationSetting setting : QuantizationSetting.parseList(settings)) {
            if (setting.isFloat()) {
                asked.put("fp32", null);
                continue;
            }
            for (QuantizationMethod m : QuantizationMethod.values()) {
                PowerQuantTransform.Builder builder =
                        PowerQuantTransform.builder()
                                .weightBits(setting.weightBits())
                                .method(m)
                                .rounding(rounding)
                                .imageSize(ZooFixtures.SIDE, ZooFixtures.SIDE);
                if (setting.quantizesActivations()) {
                    builder.activationBits(setting.activationBits());
                }
                asked.put(
                        setting.label().toUpperCase(Locale.ROOT)
                                + " "
                                + m.name().toLowerCase(Locale.ROOT),
                        builder.build());
            }
        }
        return asked;
    }

    static PowerQuantTransform transform(int weightBits, int activationBits, QuantizationMethod m) {
        return PowerQuantTransform.builder()
                .weightBits(weightBits)
                .activationBits(activationBits)
                .method(m)
                .imageSize(ZooFixtures.SIDE, ZooFixtures.SIDE)
                .build();
    }

    /**
     * The top-1 of one network under one setting.
     *
     * @param network the network
     * @param test the test images
     * @param transform the quantization, or null for float
     * @return top-1 in percent
     * @throws Exception if loading or quantizing fails
     */
    static double top1(
            ZooFixtures.Network network, ZooFixtures.TestImages test, PowerQuantTransform transform)
            throws Exception {
        Path dir = ZooFixtures.directory(network);
        if (transform == null) {
            try (ZooModel<NDList, NDList> model = ZooFixtures.load(network, dir)) {
                return test.top1(model.getBlock());
            }
        }
        try (QuantizedModel<NDList, NDList> q =
                PowerQuant.loadQuantized(ZooFixtures.criteria(network, dir), transform)) {
            return test.top1(q.model().getBlock());
        }
    }

    /**
     * Prints one table per network.
     *
     * @param args the networks ({@code resnet}, {@code mobilenetv1}, {@code mobilenetv2}); all
     *     committed ones by default
     * @throws Exception if a measurement fails
     */
    public static void main(String[] args) throws Exception {
        ZooFixtures.TestImages test =
                ZooFixtures.testImages(
                        Paths.get(System.getProperty("powerquant.shared", "../shared"))
                                .resolve("data/fashion-mnist"));
        for (ZooFixtures.Network network : ZooFixtures.Network.values()) {
            boolean asked = args.length == 0;
            for (String a : args) {
                asked |= a.equalsIgnoreCase(network.name());
            }
            if (!asked || ZooFixtures.directory(network) == null) {
                continue;
            }
            for (Map.Entry<String, PowerQuantTransform> s : asked().entrySet()) {
                long start = System.nanoTime();
                double top1 = top1(network, test, s.getValue());
                System.out.printf(
                        Locale.ROOT,
                        "%s %-13s top-1 %.2f %% (%d images, %.0f s)%n",
                        network.modelName(),
                        s.getKey(),
                        top1,
                        test.labels().length,
                        (System.nanoTime() - start) / 1e9);
            }
        }
    }
}
