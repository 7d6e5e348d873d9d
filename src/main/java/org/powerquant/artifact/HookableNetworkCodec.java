package org.powerquant.artifact;

import ai.djl.nn.Block;
import com.google.gson.JsonObject;
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
        return buildUnchecked(d);
    }

    @Override
    HookableNetwork buildChecked(JsonObject d, JsonFields f, String at) throws ArtifactException {
        List<Block> blocks = LayerTreeCodec.buildAll(f.array(d, at, "layers"), f, at + "layers");
        return HookableNetwork.of(
                f.intValue(d, at, "inputChannels"),
                blocks,
                f.intValue(d, at, "classifier"),
                f.intValue(d, at, "headStart"));
    }
}
