package org.powerquant.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.powerquant.quant.ActivationGrid;
import org.powerquant.quant.CodeRounding;

/**
 * The activation quantizers installed on a {@link ConvNetwork}, as a map from site name to grid,
 * and their JSON form: {@code Model.save} stores parameters only, so a saved activation- quantized
 * model keeps its grids in a JSON sidecar that {@link #install} puts back after loading.
 *
 * <p>Site names: a ReLU's dotted name (e.g. {@code layer1.0.relu1}), {@code fc.input} (the input of
 * the final dense layer) and {@code input} (the image input).
 */
public final class ActivationQuantizers {

    /** Site name of the final dense layer's input. */
    public static final String CLASSIFIER_INPUT = "fc.input";

    /** Site name of the image input. */
    public static final String IMAGE_INPUT = "input";

    private ActivationQuantizers() {}

    /**
     * Lists the activation quantizers installed on a network, in forward order.
     *
     * @param network the network
     * @return the grid of every installed {@link ActivationQuantizer} by site name
     */
    public static Map<String, ActivationGrid> installed(ConvNetwork network) {
        Map<String, ActivationGrid> out = new LinkedHashMap<>();
        add(out, IMAGE_INPUT, network.getInputTransform());
        for (Map.Entry<String, Block> e : TorchNames.blocks(network).entrySet()) {
            if (e.getValue() instanceof Relu relu) {
                add(out, e.getKey(), relu.getOutputTransform());
            }
        }
        add(out, CLASSIFIER_INPUT, network.getClassifierInputTransform());
        return out;
    }

    /**
     * The manager that owns the native tables of the quantizers installed on a network: the one
     * that holds its parameters (the model's manager for an imported, loaded or built model), so
     * that the tables live as long as the weights and are freed when the model closes.
     *
     * @param network the network
     * @return the manager of its first initialised parameter
     * @throws IllegalArgumentException if no parameter is initialised
     */
    public static NDManager tableOwner(ConvNetwork network) {
        for (Parameter p : network.getParameters().values()) {
            if (p.isInitialized()) {
                return p.getArray().getManager();
            }
        }
        throw new IllegalArgumentException(
                "network " + network + " has no initialised parameter to own its quantizers");
    }

    /**
     * Installs activation quantizers on a network, their tables owned by {@link
     * #tableOwner(ConvNetwork)}, looked up on their first call (the network's parameters may be
     * loaded after this).
     *
     * @param network the network
     * @param grids the grid of each site
     * @throws IllegalArgumentException naming the site if the network has no such site
     */
    public static void install(ConvNetwork network, Map<String, ActivationGrid> grids) {
        Map<String, Block> blocks = TorchNames.blocks(network);
        Supplier<NDManager> owner = () -> tableOwner(network);
        for (Map.Entry<String, ActivationGrid> e : grids.entrySet()) {
            ActivationQuantizer quantizer = new ActivationQuantizer(e.getValue(), owner);
            if (IMAGE_INPUT.equals(e.getKey())) {
                network.setInputTransform(quantizer);
            } else if (CLASSIFIER_INPUT.equals(e.getKey())) {
                network.setClassifierInputTransform(quantizer);
            } else if (blocks.get(e.getKey()) instanceof Relu relu) {
                relu.setOutputTransform(quantizer);
            } else {
                throw new IllegalArgumentException(
                        "activation site "
                                + e.getKey()
                                + " is not a ReLU, "
                                + CLASSIFIER_INPUT
                                + " or "
                                + IMAGE_INPUT
                                + " of "
                                + network);
            }
        }
    }

    /**
     * Serialises grids as a JSON object {@code {site: {bits, exponent, lower, range, expectedError,
     * uniformExpectedError}}}, with {@code "rounding": "nearest-level"} in the grids that are not
     * rounded in the power domain (so that the default writes what it always wrote).
     *
     * @param grids the grids by site name
     * @return the JSON text
     */
    public static String toJson(Map<String, ActivationGrid> grids) {
        JsonObject root = new JsonObject();
        for (Map.Entry<String, ActivationGrid> e : grids.entrySet()) {
            ActivationGrid g = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("bits", g.bits());
            o.addProperty("exponent", g.exponent());
            o.addProperty("lower", g.lower());
            o.addProperty("range", g.range());
            o.addProperty("expectedError", g.expectedError());
            o.addProperty("uniformExpectedError", g.uniformExpectedError());
            if (g.rounding() != CodeRounding.POWER_DOMAIN) {
                o.addProperty("rounding", g.rounding().label());
            }
            root.add(e.getKey(), o);
        }
        return new com.google.gson.GsonBuilder().setPrettyPrinting().create().toJson(root);
    }

    /**
     * Parses the JSON written by {@link #toJson}; a grid without {@code rounding} (as every grid
     * written before the field existed) is rounded in the power domain.
     *
     * @param json the text
     * @return the grids by site name, in file order
     * @throws IllegalArgumentException naming the site if an entry is malformed
     */
    public static Map<String, ActivationGrid> fromJson(String json) {
        Map<String, ActivationGrid> out = new LinkedHashMap<>();
        JsonObject root;
        try {
            root = JsonParser.parseString(json).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    "activation grids: not a JSON object: " + e.getMessage(), e);
        }
        for (Map.Entry<String, com.google.gson.JsonElement> e : root.entrySet()) {
            try {
                JsonObject o = e.getValue().getAsJsonObject();
                out.put(
                        e.getKey(),
                        new ActivationGrid(
                                o.get("bits").getAsInt(),
                                o.get("exponent").getAsDouble(),
                                o.get("lower").getAsDouble(),
                                o.get("range").getAsDouble(),
                                o.has("expectedError") ? o.get("expectedError").getAsDouble() : 0,
                                o.has("uniformExpectedError")
                                        ? o.get("uniformExpectedError").getAsDouble()
                                        : 0,
                                o.has("rounding")
                                        ? CodeRounding.parse(o.get("rounding").getAsString())
                                        : CodeRounding.POWER_DOMAIN));
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException(
                        "activation site " + e.getKey() + ": malformed grid: " + ex.getMessage(),
                        ex);
            }
        }
        return out;
    }

    private static void add(
            Map<String, ActivationGrid> out, String name, UnaryOperator<NDArray> t) {
        if (t instanceof ActivationQuantizer q) {
            out.put(name, q.grid());
        }
    }
}
