package org.powerquant.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import org.junit.jupiter.api.Test;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/**
 * A model without any convolution or dense layer is refused by the transform, for the model; it was
 * "quantized" with a report of 0 layers, as if it had worked.
 */
class NoQuantizableLayerTest {

    @Test
    void aBlockWithoutConvolutionOrDenseLayerIsRefused() {
        try (Model model = Model.newInstance("activations-only", Device.cpu())) {
            SequentialBlock block =
                    new SequentialBlock()
                            .add(Activation.reluBlock())
                            .add(Blocks.batchFlattenBlock());
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 4, 4));
            PowerQuantTransform w4 = PowerQuantTransform.builder().weightBits(4).build();
            for (org.junit.jupiter.api.function.Executable call :
                    new org.junit.jupiter.api.function.Executable[] {
                        () -> w4.apply(model), () -> w4.check(model)
                    }) {
                InvalidInputException e = assertThrows(InvalidInputException.class, call);
                assertEquals(Role.MODEL, e.role());
                assertEquals(
                        "model has no convolution or dense layer to quantize (its SequentialBlock"
                                + " holds none)",
                        e.getMessage());
            }
        }
    }
}
