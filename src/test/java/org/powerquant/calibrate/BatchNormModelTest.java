package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.BatchNormFolding;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchvisionResNet;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.CodeRounding;
import org.powerquant.quant.NormalMixture;
import org.powerquant.quant.QuantizationMethod;

/** The propagation of batch-norm statistics through a folded ResNet. */
class BatchNormModelTest {

    @Test
    void rectifiedMomentsMatchNumericalIntegration() {
        Random random = new Random(9);
        for (int i = 0; i < 200; i++) {
            double mu = random.nextGaussian() * 3;
            double sigma = 0.01 + random.nextDouble() * 3;
            double m1 = 0;
            double m2 = 0;
            int n = 200_000;
            double lo = Math.max(0, mu - 12 * sigma);
            double hi = Math.max(lo, mu + 12 * sigma);
            double h = (hi - lo) / n;
            for (int k = 0; k <= n; k++) {
                double x = lo + k * h;
                double w = (k == 0 || k == n ? 1 : k % 2 == 1 ? 4 : 2) * h / 3;
                double pdf =
                        Math.exp(-0.5 * Math.pow((x - mu) / sigma, 2))
                                / (sigma * Math.sqrt(2 * Math.PI));
                m1 += w * x * pdf;
                m2 += w * x * x * pdf;
            }
            double[] r = RectifiedNormal.moments(mu, sigma);
            assertEquals(m1, r[0], 1e-9 + 1e-7 * m1, "mean, mu=" + mu + " sigma=" + sigma);
            assertEquals(
                    m2 - m1 * m1, r[1], 1e-9 + 1e-6 * m2, "variance, mu=" + mu + " sigma=" + sigma);
        }
    }

    private static Map<String, FoldedBatchNorm> fold(TorchvisionResNet net) {
        Map<String, FoldedBatchNorm> out = new LinkedHashMap<>();
        for (FoldedBatchNorm f : BatchNormFolding.fold(net)) {
            out.put(f.batchNormName(), f);
        }
        return out;
    }

    private static double[] doubles(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    @Test
    void propagatesThroughStemMainPathsAndBothKindsOfShortcut() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            org.powerquant.nn.BatchNormFoldingTestSupport.randomiseBatchNorms(net, new Random(1));
            Map<String, FoldedBatchNorm> bn = fold(net);
            Map<String, NormalMixture> model = new BatchNormModel().model(net, bn);

            // stem and a main-path ReLU: the batch norm's N(beta, gamma^2), rectified
            assertArrayEquals(doubles(bn.get("bn1").mean()), model.get("relu").means());
            assertArrayEquals(doubles(bn.get("bn1").std()), model.get("relu").stds());
            assertArrayEquals(
                    doubles(bn.get("layer2.1.bn1").std()), model.get("layer2.1.relu1").stds());
            assertTrue(model.get("relu").isRectified());

            // projection shortcut: means and variances of bn2 and downsample.1 add
            FoldedBatchNorm main = bn.get("layer2.0.bn2");
            FoldedBatchNorm down = bn.get("layer2.0.downsample.1");
            double[] means = model.get("layer2.0.relu").means();
            double[] stds = model.get("layer2.0.relu").stds();
            for (int c = 0; c < means.length; c++) {
                assertEquals(main.mean()[c] + (double) down.mean()[c], means[c], 1e-12);
                assertEquals(
                        Math.sqrt(
                                (double) main.std()[c] * main.std()[c]
                                        + (double) down.std()[c] * down.std()[c]),
                        stds[c],
                        1e-12);
            }

            // identity shortcut: the previous unit's ReLU output as a rectified normal
            FoldedBatchNorm bn2 = bn.get("layer2.1.bn2");
            double[] inMeans = means;
            double[] inStds = stds;
            double[] outMeans = model.get("layer2.1.relu").means();
            double[] outStds = model.get("layer2.1.relu").stds();
            for (int c = 0; c < outMeans.length; c++) {
                double[] r = RectifiedNormal.moments(inMeans[c], inStds[c]);
                assertEquals(bn2.mean()[c] + r[0], outMeans[c], 1e-12);
                assertEquals(
                        Math.sqrt((double) bn2.std()[c] * bn2.std()[c] + r[1]), outStds[c], 1e-12);
            }

            // the classifier input follows the last ReLU
            assertArrayEquals(
                    model.get("layer4.1.relu").means(),
                    model.get(ActivationSites.CLASSIFIER_INPUT).means());
        }
    }

    @Test
    void calibratesEverySiteDeterministically() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            org.powerquant.nn.BatchNormFoldingTestSupport.randomiseBatchNorms(net, new Random(2));
            Map<String, FoldedBatchNorm> bn = fold(net);
            ActivationSites sites = ActivationSites.of(net, 4, 8, true);
            List<String> names = sites.list().stream().map(ActivationSite::name).toList();
            assertEquals("input", names.get(0));
            assertEquals(ActivationSites.CLASSIFIER_INPUT, names.get(names.size() - 1));
            assertTrue(
                    !names.contains("layer4.1.relu"),
                    "the last ReLU feeds pooling, not a convolution");
            assertEquals(1 + 16 + 1, names.size());
            Map<String, ActivationGrid> first =
                    new BatchNormModel().calibrate(net, bn, sites, QuantizationMethod.POWER);
            Map<String, ActivationGrid> second =
                    new BatchNormModel().calibrate(net, bn, sites, QuantizationMethod.POWER);
            assertEquals(first, second);
            assertEquals(names, List.copyOf(first.keySet()));
            assertEquals(8, first.get(ActivationSites.CLASSIFIER_INPUT).bits());
            assertEquals(4, first.get("layer1.0.relu1").bits());
            assertTrue(first.get("input").lower() < 0);
            Map<String, ActivationGrid> uniform =
                    new BatchNormModel().calibrate(net, bn, sites, QuantizationMethod.UNIFORM);
            for (String name : names) {
                assertEquals(1.0, uniform.get(name).exponent());
            }
            Map<String, ActivationGrid> nearest =
                    new BatchNormModel()
                            .calibrate(
                                    net,
                                    bn,
                                    ActivationSites.of(net, 4, 8, true, CodeRounding.NEAREST_LEVEL),
                                    QuantizationMethod.POWER);
            for (String name : names) {
                ActivationGrid grid = nearest.get(name);
                assertEquals(CodeRounding.NEAREST_LEVEL, grid.rounding(), name);
                assertTrue(grid.expectedError() <= grid.uniformExpectedError(), name);
            }
        }
    }

    @Test
    void unfoldedStatisticsAreRequired() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(3).build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class,
                            () -> new BatchNormModel().model(net, Map.of()));
            assertTrue(e.getMessage().contains("bn1"), e.getMessage());
        }
    }
}
