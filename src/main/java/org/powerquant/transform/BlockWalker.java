package org.powerquant.transform;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SymbolBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.convolutional.Deconvolution;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.powerquant.nn.TorchNames;

/**
 * Finds every quantizable weight in a DJL block tree.
 *
 * <p>DJL-native blocks are recognised by type: {@link Convolution} ({@code Conv1d/2d/3d}), {@link
 * Deconvolution} (transposed convolutions) and {@link Linear}; their {@code weight} parameter is
 * quantized. A weight is named by the path of child names from the root, as {@link
 * TorchNames#childNames} names them: a named child keeps its name ({@code 01conv1} becomes {@code
 * conv1}), a child of a {@link ai.djl.nn.SequentialBlock} becomes its zero-based position, as in
 * PyTorch ({@code layer1.0.conv1.weight}); names are unique. TorchScript blocks (any {@link
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
        Set<String> seen = new HashSet<>();
        for (WeightSite site : sites) {
            if (!seen.add(site.name())) {
                throw new IllegalStateException("two weights are named " + site.name());
            }
        }
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
        List<String> names = TorchNames.childNames(block);
        int index = 0;
        for (Pair<String, Block> child : block.getChildren()) {
            String name = names.get(index++);
            walk(child.getValue(), path.isEmpty() ? name : path + "." + name, sites);
        }
    }

    private static void add(Block block, String path, LayerKind kind, List<WeightSite> sites) {
        Parameter weight = block.getDirectParameters().get("weight");
        if (weight != null) {
            sites.add(new WeightSite(path.isEmpty() ? "weight" : path + ".weight", kind, weight));
        }
    }
}
