package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;
import java.util.Map;
import org.powerquant.nn.ActivationQuantizers;
import org.powerquant.nn.TorchvisionMobileNetV2;
import org.powerquant.quant.ActivationGrid;

/**
 * {@link ArchitectureCodec} of {@link TorchvisionMobileNetV2}: imported torchvision MobileNetV2s.
 * Described by its builder's settings ({@code widthMultiplier}, {@code inputChannels}, {@code
 * classes}; the dropout rate is not kept, dropout being the identity at inference); activation
 * sites as {@link ActivationQuantizers} names them (each ReLU6 by its dotted name, e.g. {@code
 * features.2.conv.0.2}, plus {@code input} and {@code fc.input}).
 */
public final class TorchvisionMobileNetV2Codec implements ArchitectureCodec {

    /** The kind name in a manifest. */
    public static final String KIND = "torchvision-mobilenet-v2";

    /** Creates the codec. */
    public TorchvisionMobileNetV2Codec() {}

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public boolean handles(Block block) {
        return block instanceof TorchvisionMobileNetV2;
    }

    @Override
    public JsonObject describe(Block block) {
        TorchvisionMobileNetV2 net = (TorchvisionMobileNetV2) block;
        JsonObject o = new JsonObject();
        o.addProperty("widthMultiplier", net.getWidthMultiplier());
        o.addProperty("inputChannels", net.getInputChannels());
        o.addProperty("classes", net.getNumClasses());
        return o;
    }

    @Override
    public Block build(JsonObject d) {
        try {
            return TorchvisionMobileNetV2.builder()
                    .optWidthMultiplier(d.get("widthMultiplier").getAsFloat())
                    .optInputChannels(d.get("inputChannels").getAsInt())
                    .optNumClasses(d.get("classes").getAsInt())
                    .build();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    KIND + " architecture is malformed: " + e.getMessage(), e);
        }
    }

    @Override
    public Map<String, ActivationGrid> activations(Block block) {
        return ActivationQuantizers.installed((TorchvisionMobileNetV2) block);
    }

    @Override
    public void install(Block block, Map<String, ActivationGrid> grids) {
        ActivationQuantizers.install((TorchvisionMobileNetV2) block, grids);
    }
}
