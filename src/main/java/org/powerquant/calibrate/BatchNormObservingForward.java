package org.powerquant.calibrate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.InvertedResidual;
import org.powerquant.nn.ResidualUnit;
import org.powerquant.nn.TorchNames;

/**
 * The inference forward pass of a {@link ConvNetwork} up to its last residual stage, unit by unit,
 * handing every batch-norm output to an observer.
 *
 * <p>DJL's {@link BatchNorm} cannot be subclassed outside its package and has no forward hook, so
 * this class walks the documented structure itself: the root's children in order, {@link
 * SequentialBlock} children in order, each {@link ResidualUnit} as main path, optional {@code
 * downsample}, sum, output ReLU, and each {@link InvertedResidual} as main path and optional sum.
 * Every other block is forwarded as it is. The head ({@link ConvNetwork#getHeadNames()}: global
 * pooling and the classifier) is not run: no batch norm follows it. The walk records an autograd
 * graph when a gradient collector is open, which is what {@link DistilledData} uses.
 */
final class BatchNormObservingForward {

    private final ConvNetwork network;
    private final ParameterStore parameters;
    private final IdentityHashMap<Block, String> names = new IdentityHashMap<>();

    BatchNormObservingForward(ConvNetwork network, ParameterStore parameters) {
        this.network = network;
        this.parameters = parameters;
        for (Map.Entry<String, Block> e : TorchNames.blocks(network).entrySet()) {
            names.put(e.getValue(), e.getKey());
        }
    }

    /**
     * Runs the network's stem and residual stages on a batch.
     *
     * @param input the images, (N, C, H, W)
     * @param observer receives each batch norm's dotted name and output, in forward order
     * @return the output of the last stage
     */
    NDArray forward(NDArray input, BiConsumer<String, NDArray> observer) {
        NDArray x = input;
        java.util.List<String> childNames = TorchNames.childNames(network);
        int index = 0;
        for (var child : network.getChildren()) {
            if (network.getHeadNames().contains(childNames.get(index++))) {
                break;
            }
            x = walk(child.getValue(), x, observer);
        }
        return x;
    }

    private NDArray walk(Block block, NDArray x, BiConsumer<String, NDArray> observer) {
        if (block instanceof BatchNorm) {
            NDArray y = run(block, x);
            observer.accept(names.get(block), y);
            return y;
        }
        if (block instanceof SequentialBlock sequence) {
            NDArray out = x;
            for (Block child : sequence.getChildren().values()) {
                out = walk(child, out, observer);
            }
            return out;
        }
        if (block instanceof InvertedResidual unit) {
            NDArray out = walk(unit.getMainPath(), x, observer);
            return unit.isResidual() ? out.add(x) : out;
        }
        if (block instanceof ResidualUnit unit) {
            NDArray out = x;
            for (Block child : unit.getMainPath()) {
                out = walk(child, out, observer);
            }
            NDArray identity =
                    unit.getDownsample() == null ? x : walk(unit.getDownsample(), x, observer);
            return run(unit.getOutputRelu(), out.add(identity));
        }
        return run(block, x);
    }

    private NDArray run(Block block, NDArray x) {
        return block.forward(parameters, new NDList(x), false, null).singletonOrThrow();
    }
}
