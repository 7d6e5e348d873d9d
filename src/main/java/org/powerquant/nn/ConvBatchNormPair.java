package org.powerquant.nn;

import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A {@link Conv2d} whose output feeds directly and only into a {@link BatchNorm}, the pair that
 * batch-norm folding merges.
 *
 * @param convName the dotted name of the convolution (e.g. {@code layer1.0.conv1})
 * @param conv the convolution
 * @param batchNormName the dotted name of the batch norm (e.g. {@code layer1.0.bn1})
 * @param batchNorm the batch norm
 */
public record ConvBatchNormPair(
        String convName, Conv2d conv, String batchNormName, BatchNorm batchNorm) {

    /**
     * Finds every convolution immediately followed by a batch norm in the blocks of this package
     * ({@link TorchvisionResNet}, {@link ResidualUnit} and their {@code downsample} sequences),
     * where a {@link BatchNorm} registered right after a {@link Conv2d} under the same parent
     * always consumes exactly that convolution's output.
     *
     * @param root the root block
     * @return the pairs in forward order
     */
    public static List<ConvBatchNormPair> findAll(Block root) {
        List<ConvBatchNormPair> pairs = new ArrayList<>();
        String previousName = null;
        Block previous = null;
        for (Map.Entry<String, Block> e : TorchNames.blocks(root).entrySet()) {
            Block block = e.getValue();
            if (block instanceof BatchNorm bn
                    && previous instanceof Conv2d conv
                    && parentOf(previousName).equals(parentOf(e.getKey()))) {
                pairs.add(new ConvBatchNormPair(previousName, conv, e.getKey(), bn));
            }
            previousName = e.getKey();
            previous = block;
        }
        return Collections.unmodifiableList(pairs);
    }

    private static String parentOf(String dottedName) {
        int dot = dottedName.lastIndexOf('.');
        return dot < 0 ? "" : dottedName.substring(0, dot);
    }
}
