package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.powerquant.nn.HookableNetwork;

/**
 * {@link ArchitectureCodec} of {@link HookableNetwork}: DJL's zoo {@code ResNetV1}, {@code
 * MobileNetV1}, {@code MobileNetV2} and other DJL sequential classifiers after the rewrite that
 * makes their activations quantizable. Described by the rewritten tree itself ({@link
 * LayerTreeCodec}: {@code layers}, one object per child with its type and settings, the residual
 * units and reshapes included) plus {@code inputChannels}, {@code classifier} and {@code headStart}
 * (the positions of the classifier and of the global pooling), so that loading needs neither DJL's
 * zoo builders nor the network's training code, and no rewrite runs again. Activation sites as
 * {@link org.powerquant.nn.ActivationQuantizers} names them ({@code input}, each ReLU/ReLU6 by its
 * dotted name, {@code fc.input}).
 */
public final class HookableNetworkCodec extends ConvNetworkCodec<HookableNetwork> {

    /** The kind name in a manifest. */
    public static final String KIND = "djl-hookable";

    /** Creates the codec. */
    public HookableNetworkCodec() {
        super(KIND, HookableNetwork.class);
    }

    @Override
    protected JsonObject describeNetwork(HookableNetwork network) {
        JsonObject o = new JsonObject();
        o.addProperty("inputChannels", network.getInputChannels());
        o.addProperty("classifier", network.classifierIndex());
        o.addProperty("headStart", network.headStart());
        o.add("layers", LayerTreeCodec.describeChildren(network, ""));
        return o;
    }

    @Override
    protected HookableNetwork buildNetwork(JsonObject d) {
        List<Block> blocks = new ArrayList<>();
        for (JsonElement layer : LayerTreeCodec.entry(d, "layers").getAsJsonArray()) {
            blocks.add(LayerTreeCodec.build(layer.getAsJsonObject()));
        }
        return HookableNetwork.of(
                LayerTreeCodec.entry(d, "inputChannels").getAsInt(),
                blocks,
                LayerTreeCodec.entry(d, "classifier").getAsInt(),
                LayerTreeCodec.entry(d, "headStart").getAsInt());
    }
}
