package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.importer.TorchScriptArchiveWriter.Module;
import org.powerquant.importer.TorchScriptArchiveWriter.Tensor;
import org.powerquant.nn.InvertedResidual;
import org.powerquant.nn.Relu6;
import org.powerquant.nn.TorchNames;
import org.powerquant.nn.TorchvisionMobileNetV2;

/**
 * Specification of {@link MobileNetV2Importer} on archives written from random DJL-native
 * MobileNetV2s with torchvision's module and class names.
 */
class MobileNetV2ImporterTest {

    @TempDir Path dir;

    private static TorchvisionMobileNetV2 randomNet(NDManager manager, float width, int classes) {
        TorchvisionMobileNetV2 net =
                TorchvisionMobileNetV2.builder()
                        .optWidthMultiplier(width)
                        .optInputChannels(1)
                        .optNumClasses(classes)
                        .build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, 1, 32, 32));
        for (Map.Entry<String, Parameter> e : TorchNames.parameters(net).entrySet()) {
            NDArray a = e.getValue().getArray();
            NDArray r =
                    e.getKey().endsWith("running_var")
                            ? manager.randomUniform(0.5f, 2f, a.getShape())
                            : manager.randomNormal(0f, 0.3f, a.getShape(), DataType.FLOAT32);
            a.set(r.toByteBuffer());
        }
        return net;
    }

    /** The module tree torchvision would pickle for {@code net}. */
    private static Module modulesOf(TorchvisionMobileNetV2 net) {
        Module root = new Module(MobileNetV2Importer.ROOT_CLASS).put("training", false);
        Map<String, Module> modules = new HashMap<>();
        modules.put("", root);
        int mangle = 0;
        for (Map.Entry<String, Block> e : TorchNames.blocks(net).entrySet()) {
            String name = e.getKey();
            if ("avgpool".equals(name)) {
                continue; // a function call in torchvision
            }
            String cls = classOf(e.getValue());
            int dot = cls.lastIndexOf('.');
            Module m =
                    new Module(
                                    cls.substring(0, dot)
                                            + ".___torch_mangle_"
                                            + mangle++
                                            + cls.substring(dot))
                            .put("training", false);
            modules.put(name, m);
            modules.get(ResNetArchives.parentOf(name))
                    .put(name.substring(name.lastIndexOf('.') + 1), m);
        }
        for (Map.Entry<String, Parameter> e : TorchNames.parameters(net).entrySet()) {
            String name = e.getKey();
            NDArray a = e.getValue().getArray();
            modules.get(ResNetArchives.parentOf(name))
                    .put(
                            name.substring(name.lastIndexOf('.') + 1),
                            Tensor.of(a.toFloatArray(), a.getShape().getShape()));
        }
        return root;
    }

    private static String classOf(Block block) {
        if (block instanceof Conv2d) {
            return "__torch__.torch.nn.modules.conv.Conv2d";
        } else if (block instanceof BatchNorm) {
            return "__torch__.torch.nn.modules.batchnorm.BatchNorm2d";
        } else if (block instanceof Relu6) {
            return "__torch__.torch.nn.modules.activation.ReLU6";
        } else if (block instanceof Linear) {
            return "__torch__.torch.nn.modules.linear.Linear";
        } else if (block instanceof Dropout) {
            return "__torch__.torch.nn.modules.dropout.Dropout";
        } else if (block instanceof InvertedResidual) {
            return "__torch__.torchvision.models.mobilenetv2.InvertedResidual";
        } else if (block instanceof SequentialBlock s
                && s.getChildren().size() == 3
                && s.getChildren().get(2).getValue() instanceof Relu6) {
            return "__torch__.torchvision.ops.misc.Conv2dNormActivation";
        }
        return "__torch__.torch.nn.modules.container.Sequential";
    }

    private static NDArray logits(Block net, NDManager manager, NDArray x) {
        return net.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow();
    }

    @Test
    void importedNetworksReproduceTheOriginalExactly() throws Exception {
        for (float width : new float[] {0.25f, 0.35f}) {
            try (NDManager manager = NDManager.newBaseManager()) {
                TorchvisionMobileNetV2 original = randomNet(manager, width, 7);
                Path file = dir.resolve("mobilenet_" + width + ".pt");
                ResNetArchives.write(modulesOf(original), file);
                TorchvisionMobileNetV2 imported =
                        (TorchvisionMobileNetV2)
                                TorchvisionImporter.importBlock(
                                        TorchScriptArchive.read(file), manager);
                NDArray x = manager.randomNormal(new Shape(2, 1, 32, 32));
                assertArrayEquals(
                        logits(original, manager, x).toFloatArray(),
                        logits(imported, manager, x).toFloatArray(),
                        0f,
                        "width " + width);
            }
        }
    }

    @Test
    void aMissingUnitIsRejectedNamingTheFile() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            Module root = modulesOf(randomNet(manager, 0.25f, 3));
            Module features = (Module) root.attributes.get("features");
            features.attributes.remove("17");
            Path file = ResNetArchives.write(root, dir.resolve("short.pt"));
            UnsupportedModelException e =
                    assertThrows(
                            UnsupportedModelException.class,
                            () ->
                                    TorchvisionImporter.importBlock(
                                            TorchScriptArchive.read(file), manager));
            assertTrue(e.getMessage().contains("short.pt"), e.getMessage());
            assertTrue(e.getMessage().contains("not a torchvision MobileNetV2"), e.getMessage());
        }
    }
}
