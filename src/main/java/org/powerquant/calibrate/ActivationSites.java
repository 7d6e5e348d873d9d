package org.powerquant.calibrate;

import ai.djl.nn.Block;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.powerquant.Role;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.NetworkGraph;
import org.powerquant.nn.Relu;
import org.powerquant.nn.Relu6;
import org.powerquant.nn.TorchNames;
import org.powerquant.quant.BitWidth;
import org.powerquant.quant.CodeRounding;

/**
 * The activation tensors of a {@link ConvNetwork} that get quantizers, with their bit widths, under
 * the data-free protocol of SQuant (so that figures compare with published data-free results):
 *
 * <ul>
 *   <li>every ReLU or ReLU6 output that feeds a convolution gets {@code bits} (all but the last,
 *       which feeds the global pooling);
 *   <li>the input of the final dense layer {@code fc} (the pooled features, site {@code fc.input})
 *       gets {@code lastLayerBits}, {@code max(bits, 8)} by default;
 *   <li>the image input (site {@code input}) stays float unless {@code quantizeInput} is set, when
 *       it gets {@code bits}.
 * </ul>
 *
 * <p>Sites are listed in forward order.
 */
public final class ActivationSites implements Iterable<ActivationSite> {

    /** Name of the classifier-input site. */
    public static final String CLASSIFIER_INPUT =
            org.powerquant.nn.ActivationQuantizers.CLASSIFIER_INPUT;

    /** Name of the image-input site. */
    public static final String IMAGE_INPUT = org.powerquant.nn.ActivationQuantizers.IMAGE_INPUT;

    private final int bits;
    private final List<ActivationSite> sites;

    private ActivationSites(int bits, List<ActivationSite> sites) {
        this.bits = bits;
        this.sites = Collections.unmodifiableList(sites);
    }

    /**
     * Lists the sites of a network.
     *
     * @param network the network
     * @param bits the activation bit width, 2 to 8
     * @param lastLayerBits the bit width of the classifier input, 2 to 8
     * @param quantizeInput whether the image input is quantized (at {@code bits})
     * @return the sites in forward order
     * @throws IllegalArgumentException if a bit width is out of range
     */
    public static ActivationSites of(
            ConvNetwork network, int bits, int lastLayerBits, boolean quantizeInput) {
        return of(network, bits, lastLayerBits, quantizeInput, CodeRounding.POWER_DOMAIN);
    }

    /**
     * Lists the sites of a network, every one rounded to its codes by a given rule.
     *
     * @param network the network
     * @param bits the activation bit width, 2 to 8
     * @param lastLayerBits the bit width of the classifier input, 2 to 8
     * @param quantizeInput whether the image input is quantized (at {@code bits})
     * @param rounding how every site's values are rounded to their codes
     * @return the sites in forward order
     * @throws IllegalArgumentException if a bit width is out of range
     */
    public static ActivationSites of(
            ConvNetwork network,
            int bits,
            int lastLayerBits,
            boolean quantizeInput,
            CodeRounding rounding) {
        BitWidth.check(bits, Role.ACTIVATION_BITS);
        BitWidth.check(lastLayerBits, Role.LAST_LAYER_BITS);
        List<ActivationSite> sites = new ArrayList<>();
        if (quantizeInput) {
            sites.add(
                    new ActivationSite(
                            IMAGE_INPUT,
                            ActivationSite.Kind.IMAGE_INPUT,
                            bits,
                            rounding,
                            network::setInputTransform));
        }
        Map<String, Block> blocks = TorchNames.blocks(network);
        List<String> relus = NetworkGraph.of(network).activations();
        // The last ReLU feeds the global pooling and the classifier, whose input is its own site.
        for (String name : relus.subList(0, Math.max(0, relus.size() - 1))) {
            Relu relu = (Relu) blocks.get(name);
            sites.add(
                    new ActivationSite(
                            name,
                            relu instanceof Relu6
                                    ? ActivationSite.Kind.RELU6
                                    : ActivationSite.Kind.RELU,
                            bits,
                            rounding,
                            relu::setOutputTransform));
        }
        sites.add(
                new ActivationSite(
                        CLASSIFIER_INPUT,
                        ActivationSite.Kind.CLASSIFIER_INPUT,
                        lastLayerBits,
                        rounding,
                        network::setClassifierInputTransform));
        return new ActivationSites(bits, sites);
    }

    /**
     * Lists the sites of a network under the default protocol: classifier input at {@code max(bits,
     * 8)}, image input float.
     *
     * @param network the network
     * @param bits the activation bit width, 2 to 8
     * @return the sites in forward order
     */
    public static ActivationSites of(ConvNetwork network, int bits) {
        return of(network, bits, Math.max(bits, BitWidth.MAX), false);
    }

    /**
     * Returns the activation bit width of the ReLU sites.
     *
     * @return the activation bit width of the ReLU sites
     */
    public int bits() {
        return bits;
    }

    /**
     * Returns the sites in forward order.
     *
     * @return the sites in forward order
     */
    public List<ActivationSite> list() {
        return sites;
    }

    /**
     * Finds a site by name.
     *
     * @param name the site's name
     * @return the site
     * @throws IllegalArgumentException if there is no such site
     */
    public ActivationSite get(String name) {
        return sites.stream()
                .filter(s -> s.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("no activation site named " + name));
    }

    /** Removes every installed transform. */
    public void clearAll() {
        sites.forEach(ActivationSite::clear);
    }

    @Override
    public Iterator<ActivationSite> iterator() {
        return sites.iterator();
    }
}
