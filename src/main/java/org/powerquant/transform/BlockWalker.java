package org.powerquant.transform;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SymbolBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.convolutional.Deconvolution;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds every quantizable weight in a DJL block tree.
 *
 * <p>DJL-native blocks are recognised by type: {@link Convolution} ({@code Conv1d/2d/3d}), {@link
 * Deconvolution} (transposed convolutions) and {@link Linear}; their {@code weight} parameter is
 * quantized. A weight is named by the path of child names from the root: a named child keeps its
 * name ({@code 01conv1} becomes {@code conv1}), a child named after its block type, as {@code
 * SequentialBlock.add} names them, becomes its zero-based position, as in PyTorch ({@code
 * 02SequentialBlock.01Conv2d} becomes {@code 1.0.weight}). TorchScript blocks (any {@link
 * SymbolBlock}) are delegated to {@link TorchScriptWeights}, which identifies weights by name and
 * shape.
 */
public final class BlockWalker {

    private BlockWalker() {}

    /**
     * Lists the quantizable weights of a block, depth first, in the order the block runs them.
     *
     * @param root the block
     * @return the weights
     */
    public static List<WeightSite> sites(Block root) {
        List<WeightSite> sites = new ArrayList<>();
        walk(root, "", sites);
        return sites;
    }

    private static void walk(Block block, String path, List<WeightSite> sites) {
        if (block instanceof SymbolBlock symbol) {
            for (WeightSite site : TorchScriptWeights.sites(symbol)) {
                String name = path.isEmpty() ? site.name() : path + "." + site.name();
                sites.add(new WeightSite(name, site.kind(), site.parameter()));
            }
            return;
        }
        if (block instanceof Convolution || block instanceof Deconvolution) {
            add(block, path, LayerKind.CONV, sites);
            return;
        }
        if (block instanceof Linear) {
            add(block, path, LayerKind.DENSE, sites);
            return;
        }
        for (Pair<String, Block> child : block.getChildren()) {
            String name = childName(child.getKey());
            walk(child.getValue(), path.isEmpty() ? name : path + "." + name, sites);
        }
    }

    private static void add(Block block, String path, LayerKind kind, List<WeightSite> sites) {
        Parameter weight = block.getDirectParameters().get("weight");
        if (weight != null) {
            sites.add(new WeightSite(path.isEmpty() ? "weight" : path + ".weight", kind, weight));
        }
    }

    /**
     * The readable name of a child: DJL stores children as {@code NNname} ({@code 01conv1}); the
     * two-digit position is dropped when a name follows it, and kept when the name is the bare
     * block type of a sequence.
     */
    static String childName(String key) {
        if (key.length() > 2
                && Character.isDigit(key.charAt(0))
                && Character.isDigit(key.charAt(1))) {
            String rest = key.substring(2);
            int position = Integer.parseInt(key.substring(0, 2));
            boolean generic =
                    rest.endsWith("Block")
                            || rest.startsWith("Conv")
                            || rest.equals("Linear")
                            || rest.startsWith("BatchNorm")
                            || rest.contains("Pool")
                            || rest.equals("LambdaBlock");
            return generic ? (position - 1) + "" : rest;
        }
        return key;
    }
}
