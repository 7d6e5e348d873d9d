package org.powerquant.nn;

import ai.djl.nn.Block;
import ai.djl.nn.ParallelBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * PyTorch-style dotted names (e.g. {@code layer1.0.conv1.weight}) for the blocks and parameters of
 * a DJL block tree.
 *
 * <p>DJL stores a child under the key {@code "%02d" + name} (e.g. {@code 01conv1}); the name is
 * that key without its numeric prefix. The children of a {@link SequentialBlock} (and of a {@link
 * ParallelBlock}, whose keys are class names that repeat) are named by their zero-based position
 * ({@code "0"}, {@code "1"}, ...), as in {@code torch.nn.Sequential}. DJL's {@link BatchNorm}
 * parameters {@code gamma, beta, runningMean, runningVar} are named {@code weight, bias,
 * running_mean, running_var} as in PyTorch.
 */
public final class TorchNames {

    private static final Map<String, String> BATCH_NORM_NAMES =
            Map.of(
                    "gamma", "weight",
                    "beta", "bias",
                    "runningMean", "running_mean",
                    "runningVar", "running_var");

    private TorchNames() {}

    /**
     * Returns every block below {@code root} by dotted name, in depth-first forward order ({@code
     * root} itself is not included).
     *
     * @param root the root block
     * @return an unmodifiable insertion-ordered map from dotted name to block
     */
    public static Map<String, Block> blocks(Block root) {
        Map<String, Block> out = new LinkedHashMap<>();
        collectBlocks(root, "", out);
        return Collections.unmodifiableMap(out);
    }

    /**
     * Returns every parameter of the tree below {@code root} (including BatchNorm running
     * statistics) by PyTorch dotted name, in depth-first forward order.
     *
     * @param root the root block
     * @return an unmodifiable insertion-ordered map from dotted name to parameter
     */
    public static Map<String, Parameter> parameters(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters(root, "", out);
        for (Map.Entry<String, Block> e : blocks(root).entrySet()) {
            collectParameters(e.getValue(), e.getKey() + ".", out);
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * Returns the PyTorch name of a direct parameter of {@code owner}.
     *
     * @param owner the block that owns the parameter
     * @param djlName the parameter's DJL name (e.g. {@code gamma})
     * @return the PyTorch name (e.g. {@code weight})
     */
    public static String parameterName(Block owner, String djlName) {
        if (owner instanceof BatchNorm) {
            return BATCH_NORM_NAMES.getOrDefault(djlName, djlName);
        }
        return djlName;
    }

    /**
     * Returns the names of a block's children, in order: the zero-based positions for a {@link
     * SequentialBlock} (as {@code torch.nn.Sequential}), a {@link ParallelBlock} or for any block
     * whose child names are not unique once the numeric prefix is dropped, the keys without their
     * prefix otherwise. Every naming of this project ({@link #blocks}, {@link #parameters}, the
     * weight names of the transform) derives from this method, so names are unique within each
     * parent.
     *
     * @param parent the block
     * @return one name per child, unique
     */
    public static List<String> childNames(Block parent) {
        List<String> names = new ArrayList<>();
        for (Pair<String, Block> child : parent.getChildren()) {
            names.add(child.getKey().replaceFirst("^\\d+", ""));
        }
        if (parent instanceof SequentialBlock
                || parent instanceof ParallelBlock
                || new HashSet<>(names).size() < names.size()) {
            for (int i = 0; i < names.size(); i++) {
                names.set(i, Integer.toString(i));
            }
        }
        return names;
    }

    private static void collectBlocks(Block parent, String prefix, Map<String, Block> out) {
        List<String> names = childNames(parent);
        int index = 0;
        for (Pair<String, Block> child : parent.getChildren()) {
            String name = names.get(index++);
            out.put(prefix + name, child.getValue());
            collectBlocks(child.getValue(), prefix + name + ".", out);
        }
    }

    private static void collectParameters(Block block, String prefix, Map<String, Parameter> out) {
        for (Pair<String, Parameter> p : block.getDirectParameters()) {
            out.put(prefix + parameterName(block, p.getKey()), p.getValue());
        }
    }
}
