package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.powerquant.importer.TorchScriptArchiveWriter.Module;
import org.powerquant.importer.TorchScriptArchiveWriter.Tensor;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

/**
 * Specification of {@link ResNetImporter} on archives written from random DJL-native ResNets with
 * torchvision's module and class names.
 */
class ResNetImporterTest {

    @TempDir Path dir;

    /** A network with random weights and random BatchNorm statistics (running_var &gt; 0). */
    private static TorchvisionResNet randomNet(
            NDManager manager, TorchvisionResNet.Builder builder, long side) {
        TorchvisionResNet net = builder.build();
        net.initialize(manager, DataType.FLOAT32, new Shape(1, net.getInputChannels(), side, side));
        for (Map.Entry<String, Parameter> e : net.getTorchParameters().entrySet()) {
            NDArray a = e.getValue().getArray();
            NDArray r =
                    e.getKey().endsWith("running_var")
                            ? manager.randomUniform(0.5f, 2f, a.getShape())
                            : manager.randomNormal(0f, 0.3f, a.getShape(), DataType.FLOAT32);
            a.set(r.toByteBuffer());
        }
        return net;
    }

    private static NDArray logits(TorchvisionResNet net, NDManager manager, NDArray x) {
        return net.forward(new ParameterStore(manager, false), new NDList(x), false)
                .singletonOrThrow();
    }

    @Test
    void importedNetworksReproduceTheOriginalExactly() throws Exception {
        List<TorchvisionResNet.Builder> configs =
                List.of(
                        TorchvisionResNet.builder()
                                .setKind(ResidualKind.BASIC)
                                .setLayers(1, 2)
                                .optBaseWidth(8)
                                .optNumClasses(7)
                                .optInputChannels(1)
                                .optSmallInput(true),
                        TorchvisionResNet.builder()
                                .setKind(ResidualKind.BOTTLENECK)
                                .setLayers(2, 1, 1)
                                .optBaseWidth(8)
                                .optNumClasses(5),
                        TorchvisionResNet.builder()
                                .setKind(ResidualKind.BOTTLENECK)
                                .setLayers(1, 1)
                                .optBaseWidth(4)
                                .optWidthPerGroup(128)
                                .optNumClasses(3)
                                .optSmallInput(true),
                        TorchvisionResNet.builder()
                                .setKind(ResidualKind.BOTTLENECK)
                                .setLayers(1, 2)
                                .optBaseWidth(8)
                                .optGroups(4)
                                .optWidthPerGroup(16)
                                .optNumClasses(3),
                        TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(10));
        int i = 0;
        for (TorchvisionResNet.Builder config : configs) {
            try (NDManager manager = NDManager.newBaseManager()) {
                manager.getEngine().setRandomSeed(7 + i);
                TorchvisionResNet original = randomNet(manager, config, 32);
                Path file =
                        ResNetArchives.write(
                                ResNetArchives.modulesOf(original),
                                dir.resolve("net" + i++ + ".pt"));

                TorchvisionResNet imported =
                        ResNetImporter.importBlock(TorchScriptArchive.read(file), manager);
                assertEquals(original.getKind(), imported.getKind());
                assertArrayEquals(original.getLayers(), imported.getLayers());
                assertEquals(original.getBaseWidth(), imported.getBaseWidth());
                assertEquals(original.getWidthPerGroup(), imported.getWidthPerGroup());
                assertEquals(original.getGroups(), imported.getGroups());
                assertEquals(original.getNumClasses(), imported.getNumClasses());
                assertEquals(original.isSmallInput(), imported.isSmallInput());
                assertEquals(original.getInputChannels(), imported.getInputChannels());

                NDArray x = manager.randomNormal(new Shape(3, original.getInputChannels(), 32, 32));
                NDArray expected = logits(original, manager, x);
                assertArrayEquals(
                        expected.toFloatArray(),
                        logits(imported, manager, x).toFloatArray(),
                        0f,
                        original.toString());
            }
        }
    }

    @Test
    void recognisesEveryTorchvisionDepthAndWidth() throws Exception {
        List<TorchvisionResNet.Builder> depths =
                List.of(
                        TorchvisionResNet.resnet18().optBaseWidth(2),
                        TorchvisionResNet.resnet34().optBaseWidth(2),
                        TorchvisionResNet.resnet50().optBaseWidth(2),
                        TorchvisionResNet.resnet101().optBaseWidth(2),
                        TorchvisionResNet.resnet152().optBaseWidth(2),
                        // 32 groups of width 4 need a stem of 16 for a bottleneck of 32 channels
                        TorchvisionResNet.resnext50().optBaseWidth(16),
                        TorchvisionResNet.wideResnet50().optBaseWidth(2));
        int i = 0;
        for (TorchvisionResNet.Builder depth : depths) {
            try (NDManager manager = NDManager.newBaseManager()) {
                TorchvisionResNet net = depth.optNumClasses(4).build();
                net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, 64, 64));
                Path file =
                        ResNetArchives.write(
                                ResNetArchives.modulesOf(net), dir.resolve("d" + i++ + ".pt"));
                TorchvisionResNet recognised =
                        ResNetImporter.recognize(TorchScriptArchive.read(file)).build();
                assertEquals(net.getKind(), recognised.getKind());
                assertArrayEquals(net.getLayers(), recognised.getLayers());
                assertEquals(net.getWidthPerGroup(), recognised.getWidthPerGroup());
                assertEquals(net.getGroups(), recognised.getGroups());
            }
        }
    }

    @Test
    void importModelGivesAnInitialisedPyTorchModel() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet original =
                    randomNet(
                            manager,
                            TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(6),
                            64);
            Path file =
                    ResNetArchives.write(
                            ResNetArchives.modulesOf(original), dir.resolve("my_net.pt"));
            try (Model model = ResNetImporter.importModel(file, Device.cpu())) {
                assertEquals("my_net", model.getName());
                assertEquals("PyTorch", model.getNDManager().getEngine().getEngineName());
                assertTrue(model.getBlock().isInitialized());
                assertTrue(model.getBlock() instanceof TorchvisionResNet);
            }
        }
    }

    /** The code file torch.jit.trace writes for a module's class, with the given forward body. */
    private static Map<String, String> tracedCode(Module module, String body) {
        String path = "code/" + module.module.replace('.', '/') + ".py";
        String text =
                "class Other(Module):\n  x : int\nclass "
                        + module.name
                        + "(Module):\n"
                        + "  def forward(self, argument_1: Tensor) -> Tensor:\n    input = "
                        + body
                        + "\n    return input\n";
        return Map.of(path, text);
    }

    @Test
    void tracedCodeMustHoldTorchvisionHyperParameters() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    randomNet(
                            manager,
                            TorchvisionResNet.resnet50().setLayers(1, 1).optBaseWidth(4),
                            64);
            Module root = ResNetArchives.modulesOf(net);
            Module stem = (Module) root.attributes.get("conv1");
            Module unitConv2 =
                    (Module)
                            ((Module) ((Module) root.attributes.get("layer2")).attributes.get("0"))
                                    .attributes.get("conv2");
            Module bn = (Module) root.attributes.get("bn1");
            Module pool = (Module) root.attributes.get("maxpool");
            String conv =
                    "torch._convolution(argument_1, weight, None, %s, %s, [1, 1], False, [0, 0], 1, False, False, True, True)";
            String norm =
                    "torch.batch_norm(argument_1, weight, bias, running_mean, running_var, False, 0.10000000000000001, %s, True)";
            String maxPool = "torch.max_pool2d(argument_1, [3, 3], [2, 2], %s, [1, 1])";
            Map<String, Map<String, String>> rejected =
                    Map.of(
                            "conv1 has stride [1, 1], padding [3, 3]",
                                    tracedCode(stem, conv.formatted("[1, 1]", "[3, 3]")),
                            "layer2.0.conv2 has stride [1, 1]",
                                    tracedCode(unitConv2, conv.formatted("[1, 1]", "[1, 1]")),
                            "bn1 has epsilon 0.001", tracedCode(bn, norm.formatted("0.001")),
                            "maxpool has kernel [3, 3], stride [2, 2], padding [0, 0]",
                                    tracedCode(pool, maxPool.formatted("[0, 0]")));
            for (Map.Entry<String, Map<String, String>> c : rejected.entrySet()) {
                Path file = dir.resolve("traced.pt");
                TorchScriptArchiveWriter.write(file, "model", root, c.getValue());
                UnsupportedModelException e =
                        assertThrows(
                                UnsupportedModelException.class,
                                () ->
                                        ResNetImporter.importBlock(
                                                TorchScriptArchive.read(file), manager),
                                c.getKey());
                assertTrue(e.getMessage().contains(c.getKey()), e.getMessage());
            }
            Map<String, String> torchvision = new java.util.HashMap<>();
            torchvision.putAll(tracedCode(stem, conv.formatted("[2, 2]", "[3, 3]")));
            torchvision.putAll(tracedCode(unitConv2, conv.formatted("[2, 2]", "[1, 1]")));
            torchvision.putAll(tracedCode(bn, norm.formatted("1.0000000000000001e-05")));
            torchvision.putAll(tracedCode(pool, maxPool.formatted("[1, 1]")));
            Path file = dir.resolve("good.pt");
            TorchScriptArchiveWriter.write(file, "model", root, torchvision);
            TorchScriptArchive archive = TorchScriptArchive.read(file);
            assertTrue(
                    archive.getSource(archive.getModules().get("conv1"))
                            .orElseThrow()
                            .startsWith("class Conv2d("));
            ResNetImporter.importBlock(archive, manager);
        }
    }

    @Test
    void anythingElseIsRejectedWithTheWeightOnlyAdvice() throws Exception {
        try (NDManager manager = NDManager.newBaseManager()) {
            TorchvisionResNet net =
                    randomNet(
                            manager,
                            TorchvisionResNet.resnet18().optBaseWidth(4).optNumClasses(6),
                            64);

            Module notResNet =
                    new Module("__torch__.my.Net")
                            .put(
                                    "conv",
                                    new Module("__torch__.torch.nn.modules.conv.Conv2d")
                                            .put("weight", Tensor.of(new float[8], 2, 1, 2, 2)));
            Module withBias = ResNetArchives.modulesOf(net);
            ((Module) withBias.attributes.get("conv1")).put("bias", Tensor.of(new float[4], 4));
            Module extraModule = ResNetArchives.modulesOf(net);
            ((Module) extraModule.attributes.get("layer1"))
                    .put("2", new Module("__torch__.torch.nn.modules.dropout.Dropout"));
            Module wrongFc = ResNetArchives.modulesOf(net);
            ((Module) wrongFc.attributes.get("fc"))
                    .put("weight", Tensor.of(new float[6 * 31], 6, 31));
            Module stem5x5 = ResNetArchives.modulesOf(net);
            ((Module) stem5x5.attributes.get("conv1"))
                    .put("weight", Tensor.of(new float[4 * 3 * 25], 4, 3, 5, 5));
            Module smallStemWithPool = ResNetArchives.modulesOf(net);
            ((Module) smallStemWithPool.attributes.get("conv1"))
                    .put("weight", Tensor.of(new float[4 * 3 * 9], 4, 3, 3, 3));

            Map<String, Module> cases =
                    Map.of(
                            "root module is __torch__.my.Net", notResNet,
                            "unexpected tensor conv1.bias", withBias,
                            "layer1.2", extraModule,
                            "fc.weight", wrongFc,
                            "conv1 kernel 5x5", stem5x5,
                            "maxpool = Identity", smallStemWithPool);
            for (Map.Entry<String, Module> c : cases.entrySet()) {
                Path file = ResNetArchives.write(c.getValue(), dir.resolve("bad.pt"));
                UnsupportedModelException e =
                        assertThrows(
                                UnsupportedModelException.class,
                                () ->
                                        ResNetImporter.importBlock(
                                                TorchScriptArchive.read(file), manager),
                                c.getKey());
                String m = e.getMessage();
                assertTrue(
                        m.startsWith(file.toString())
                                && m.contains(c.getKey())
                                && m.contains("weight-only")
                                && m.contains("activation quantization")
                                && !m.contains("\n"),
                        m);
            }
        }
    }
}
