package org.powerquant.artifact;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import org.powerquant.nn.ResidualKind;
import org.powerquant.nn.TorchvisionResNet;

/**
 * {@link ArchitectureCodec} of {@link TorchvisionResNet}: imported torchvision ResNets and the demo
 * network. Described by its builder's settings ({@code residual}, {@code layers}, {@code
 * baseWidth}, {@code widthPerGroup}, {@code groups}, {@code inputChannels}, {@code classes}, {@code
 * smallInput}; {@code groups} is 1 when absent, as in artifacts written before ResNeXts were
 * imported); activation sites as {@link org.powerquant.nn.ActivationQuantizers} names them.
 */
public final class TorchvisionResNetCodec extends ConvNetworkCodec<TorchvisionResNet> {

    /** The kind name in a manifest. */
    public static final String KIND = "torchvision-resnet";

    /** Creates the codec. */
    public TorchvisionResNetCodec() {
        super(KIND, TorchvisionResNet.class);
    }

    @Override
    protected JsonObject describeNetwork(TorchvisionResNet net) {
        JsonObject o = new JsonObject();
        o.addProperty("residual", net.getKind().name());
        JsonArray layers = new JsonArray();
        for (int n : net.getLayers()) {
            layers.add(n);
        }
        o.add("layers", layers);
        o.addProperty("baseWidth", net.getBaseWidth());
        o.addProperty("widthPerGroup", net.getWidthPerGroup());
        o.addProperty("groups", net.getGroups());
        o.addProperty("inputChannels", net.getInputChannels());
        o.addProperty("classes", net.getNumClasses());
        o.addProperty("smallInput", net.isSmallInput());
        return o;
    }

    @Override
    protected TorchvisionResNet buildNetwork(JsonObject d) {
        return buildUnchecked(d);
    }

    @Override
    TorchvisionResNet buildChecked(JsonObject d, JsonFields f, String at) throws ArtifactException {
        return TorchvisionResNet.builder()
                .setKind(f.enumValue(d, at, "residual", ResidualKind.class))
                .setLayers(f.ints(f.array(d, at, "layers"), at + "layers"))
                .optBaseWidth(f.intValue(d, at, "baseWidth"))
                .optWidthPerGroup(f.intValue(d, at, "widthPerGroup"))
                .optGroups(d.has("groups") ? f.intValue(d, at, "groups") : 1)
                .optInputChannels(f.intValue(d, at, "inputChannels"))
                .optNumClasses(f.intValue(d, at, "classes"))
                .optSmallInput(f.bool(d, at, "smallInput"))
                .build();
    }
}
