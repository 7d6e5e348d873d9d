package org.powerquant.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.powerquant.nn.ConvNetwork;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

/**
 * A network is imported only if it computes what its TorchScript file computes. The fixtures
 * ({@code src/test/python/tiny_resnets.py}) are one tiny torchvision ResNet traced twice: as
 * torchvision's forward computes it, and with its forward changed to normalise the input inside;
 * both have the same modules and weights. A tiny ResNeXt (grouped 3x3 convolutions) is the third.
 */
class ForwardCheckTest {

    private static Path fixture(String name) throws URISyntaxException {
        return Paths.get(ForwardCheckTest.class.getResource(name).toURI());
    }

    @Test
    void aTracedTorchvisionResNetImports() throws Exception {
        try (Model model =
                TorchvisionImporter.importModel(fixture("tiny_resnet.pt"), Device.cpu())) {
            assertInstanceOf(ConvNetwork.class, model.getBlock());
        }
    }

    @Test
    void aTracedTorchvisionResNeXtImportsWithItsGroups() throws Exception {
        // the import's forward check compares the rebuilt network's output with TorchScript's
        try (Model model =
                TorchvisionImporter.importModel(fixture("tiny_resnext.pt"), Device.cpu())) {
            TorchvisionResNet net = assertInstanceOf(TorchvisionResNet.class, model.getBlock());
            assertEquals(ResidualKind.BOTTLENECK, net.getKind());
            assertEquals(2, net.getGroups());
            assertEquals(32, net.getWidthPerGroup());
        }
    }

    @Test
    void theSameModulesWithAnotherForwardAreRefusedNamingTheFile() throws Exception {
        Path file = fixture("tiny_resnet_forward_changed.pt");
        UnsupportedModelException e =
                assertThrows(
                        UnsupportedModelException.class,
                        () -> TorchvisionImporter.importModel(file, Device.cpu()));
        assertTrue(
                e.getMessage().startsWith(file + ": its TorchScript forward differs"),
                e.getMessage());
        assertTrue(e.getMessage().contains("was its forward changed?"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
