package org.powerquant.importer;

import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.powerquant.importer.TorchScriptArchiveWriter.Module;
import org.powerquant.importer.TorchScriptArchiveWriter.Tensor;
import org.powerquant.nn.BasicBlock;
import org.powerquant.nn.Relu;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionResNet;

/**
 * Test-only: writes an initialised {@link TorchvisionResNet} as torch.jit.save would a torchvision
 * ResNet.
 */
public final class ResNetArchives {

    private ResNetArchives() {}

    /** Returns the module tree torchvision would pickle for {@code net}; the caller may edit it. */
    static Module modulesOf(TorchvisionResNet net) {
        Module root =
                new Module("__torch__.torchvision.models.resnet.ResNet").put("training", false);
        Map<String, Module> modules = new HashMap<>();
        modules.put("", root);
        int mangle = 0;
        for (Map.Entry<String, Block> e : TorchNames.blocks(net).entrySet()) {
            String name = e.getKey();
            String last = name.substring(name.lastIndexOf('.') + 1);
            if (last.matches("relu\\d")) {
                continue; // torchvision reuses the unit's single relu
            }
            String cls = classOf(e.getValue(), last);
            int dot = cls.lastIndexOf('.');
            String mangled =
                    cls.substring(0, dot) + ".___torch_mangle_" + mangle++ + cls.substring(dot);
            Module m = new Module(mangled).put("training", false);
            modules.put(name, m);
            modules.get(parentOf(name)).put(last, m);
        }
        if (net.isSmallInput()) {
            root.put("maxpool", new Module("__torch__.torch.nn.modules.linear.Identity"));
        }
        for (Map.Entry<String, Parameter> e : net.getTorchParameters().entrySet()) {
            String name = e.getKey();
            Module owner = modules.get(parentOf(name));
            float[] values = e.getValue().getArray().toFloatArray();
            owner.put(
                    name.substring(name.lastIndexOf('.') + 1),
                    Tensor.of(values, e.getValue().getArray().getShape().getShape()));
            if (name.endsWith(".running_var")) {
                owner.put(
                        "num_batches_tracked",
                        new Tensor(
                                "LongStorage", new double[] {1234}, 0, new long[0], new long[0]));
            }
        }
        return root;
    }

    /**
     * Writes an initialised network as torch.jit.save would the torchvision ResNet it mirrors.
     *
     * @param net the network, initialised
     * @param file where to write
     * @return {@code file}
     * @throws IOException if it cannot be written
     */
    public static Path write(TorchvisionResNet net, Path file) throws IOException {
        return write(modulesOf(net), file);
    }

    /** Writes {@code root} as a TorchScript archive. */
    static Path write(Module root, Path file) throws IOException {
        TorchScriptArchiveWriter.write(file, "model", root);
        return file;
    }

    static String parentOf(String dotted) {
        int dot = dotted.lastIndexOf('.');
        return dot < 0 ? "" : dotted.substring(0, dot);
    }

    private static String classOf(Block block, String name) {
        if (block instanceof Conv2d) {
            return "__torch__.torch.nn.modules.conv.Conv2d";
        } else if (block instanceof BatchNorm) {
            return "__torch__.torch.nn.modules.batchnorm.BatchNorm2d";
        } else if (block instanceof Relu) {
            return "__torch__.torch.nn.modules.activation.ReLU";
        } else if (block instanceof Linear) {
            return "__torch__.torch.nn.modules.linear.Linear";
        } else if (block instanceof SequentialBlock) {
            return "__torch__.torch.nn.modules.container.Sequential";
        } else if (block instanceof BasicBlock) {
            return "__torch__.torchvision.models.resnet.BasicBlock";
        } else if (block instanceof LambdaBlock) {
            return "maxpool".equals(name)
                    ? "__torch__.torch.nn.modules.pooling.MaxPool2d"
                    : "__torch__.torch.nn.modules.pooling.AdaptiveAvgPool2d";
        }
        return "__torch__.torchvision.models.resnet.Bottleneck";
    }
}
