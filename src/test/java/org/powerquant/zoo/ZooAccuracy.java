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
import org.powerquant.transform.PowerQuantTransform;

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
            for (Map.Entry<String, PowerQuantTransform> s : settings().entrySet()) {
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
