package org.powerquant.calibrate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.BatchNormFolding;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionMobileNetV2;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.ActivationGridSearch;
import org.powerquant.quant.NormalMixture;
import org.powerquant.quant.QuantizationMethod;

/** ReLU6 outputs never exceed 6, and the range search knows it. */
class Relu6SitesTest {

    @Test
    void aBoundedSearchNeverChoosesARangeAboveTheBound() {
        ActivationGridSearch search = ActivationGridSearch.defaults();
        // pre-activations around 5 with spread 3: the unbounded best 8-bit range is well above 6
        NormalMixture wide =
                NormalMixture.rectified(new double[] {5, 4, 6}, new double[] {3, 2, 3});
        for (QuantizationMethod method : QuantizationMethod.values()) {
            ActivationGrid free = search.search(wide, 8, method);
            ActivationGrid bounded = search.search(wide, 8, method, 6.0);
            assertTrue(free.range() > 6, method + " unbounded range " + free.range());
            assertTrue(bounded.range() <= 6, method + " bounded range " + bounded.range());
        }
    }

    @Test
    void everyMobileNetV2SiteIsARelu6SiteAndItsBatchNormModelGridStaysWithinSix() {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionMobileNetV2 net =
                    TorchvisionMobileNetV2.builder()
                            .optWidthMultiplier(0.25f)
                            .optNumClasses(10)
                            .build();
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            // batch norms that push their outputs to 5 ± 4: well beyond 6 before clipping
            for (var e : TorchNames.blocks(net).entrySet()) {
                if (e.getValue() instanceof BatchNorm bn) {
                    Parameter beta = bn.getDirectParameters().get("beta");
                    Parameter gamma = bn.getDirectParameters().get("gamma");
                    beta.getArray()
                            .set(manager.full(beta.getArray().getShape(), 5f).toFloatArray());
                    gamma.getArray()
                            .set(manager.full(gamma.getArray().getShape(), 4f).toFloatArray());
                }
            }
            Map<String, FoldedBatchNorm> folded = new LinkedHashMap<>();
            for (FoldedBatchNorm bn : BatchNormFolding.fold(net)) {
                folded.put(bn.batchNormName(), bn);
            }
            ActivationSites sites = ActivationSites.of(net, 6);
            assertEquals(1 + 1 + 2 * 16, sites.list().size() - 1, "all ReLU6 but the last");
            Map<String, ActivationGrid> grids =
                    new BatchNormModel().calibrate(net, folded, sites, QuantizationMethod.POWER);
            for (ActivationSite site : sites) {
                if (site.kind() == ActivationSite.Kind.CLASSIFIER_INPUT) {
                    continue;
                }
                assertEquals(ActivationSite.Kind.RELU6, site.kind(), site.name());
                assertEquals(6.0, site.upperBound());
                assertTrue(grids.get(site.name()).range() <= 6, site.name() + " " + grids);
            }
        }
    }
}
