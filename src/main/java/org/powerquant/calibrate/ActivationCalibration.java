package org.powerquant.calibrate;

import java.util.Map;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.FoldedBatchNorm;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.QuantizationMethod;

/**
 * Chooses the grid (range and exponent) of every activation quantizer of a network.
 *
 * <p>The network given is batch-norm folded (see {@link org.powerquant.nn.BatchNormFolding}) and
 * its weights are already quantized; no activation quantizer is installed yet. An implementation
 * may install observers on the sites to run data through the network, but must {@link
 * ActivationSite#clear() clear} them before returning. Implementations: {@code BatchNormModel}
 * (data-free, analytic), and calibrations on synthetic or real data.
 */
public interface ActivationCalibration {

    /**
     * A short label of how grids are found, shown in each activation row of the report (e.g. {@code
     * bn-model}, {@code synthetic}, {@code data}).
     *
     * @return the mode label
     */
    String mode();

    /**
     * Chooses one grid per site.
     *
     * @param network the folded, weight-quantized network
     * @param batchNorms the statistics of the folded batch norms, by batch-norm dotted name (e.g.
     *     {@code layer1.0.bn1}, {@code layer2.0.downsample.1})
     * @param sites the sites to calibrate, with their bit widths and roundings: each grid is chosen
     *     for its site's {@link ActivationSite#rounding() rounding} and carries it
     * @param method {@link QuantizationMethod#POWER} (exponent searched) or {@link
     *     QuantizationMethod#UNIFORM} (exponent 1)
     * @return a grid for every site, by site name
     */
    Map<String, ActivationGrid> calibrate(
            ConvNetwork network,
            Map<String, FoldedBatchNorm> batchNorms,
            ActivationSites sites,
            QuantizationMethod method);

    /**
     * Whether the grids come from the network alone. Calibrations on real images return false, and
     * the report and the command line say that the result is no longer data-free.
     *
     * @return true unless real data is used (the default)
     */
    default boolean isDataFree() {
        return true;
    }

    /**
     * Messages the report and the command line should show about this calibration (for example that
     * fewer calibration images were available than asked for).
     *
     * @return the warnings, empty by default
     */
    default java.util.List<CalibrationWarning> warnings() {
        return java.util.List.of();
    }
}
