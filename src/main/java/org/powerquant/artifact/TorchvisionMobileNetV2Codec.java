package org.powerquant.artifact;

import com.google.gson.JsonObject;
import org.powerquant.nn.TorchvisionMobileNetV2;

/**
 * {@link ArchitectureCodec} of {@link TorchvisionMobileNetV2}: imported torchvision MobileNetV2s.
 * Described by its builder's settings ({@code widthMultiplier}, {@code inputChannels}, {@code
 * classes}; the dropout rate is not kept, dropout being the identity at inference); activation
 * sites as {@link org.powerquant.nn.ActivationQuantizers} names them (each ReLU6 by its dotted
 * name, e.g. {@code features.2.conv.0.2}, plus {@code input} and {@code fc.input}).
 */
public final class TorchvisionMobileNetV2Codec extends ConvNetworkCodec<TorchvisionMobileNetV2> {

    /** The kind name in a manifest. */
    public static final String KIND = "torchvision-mobilenet-v2";

    /** Creates the codec. */
    public TorchvisionMobileNetV2Codec() {
        super(KIND, TorchvisionMobileNetV2.class);
    }

    @Override
    protected JsonObject describeNetwork(TorchvisionMobileNetV2 net) {
        JsonObject o = new JsonObject();
        o.addProperty("widthMultiplier", net.getWidthMultiplier());
        o.addProperty("inputChannels", net.getInputChannels());
        o.addProperty("classes", net.getNumClasses());
        return o;
    }

    @Override
    protected TorchvisionMobileNetV2 buildNetwork(JsonObject d) {
        return buildUnchecked(d);
    }

    @Override
    TorchvisionMobileNetV2 buildChecked(JsonObject d, JsonFields f, String at)
            throws ArtifactException {
        return TorchvisionMobileNetV2.builder()
                .optWidthMultiplier((float) f.number(d, at, "widthMultiplier"))
                .optInputChannels(f.intValue(d, at, "inputChannels"))
                .optNumClasses(f.intValue(d, at, "classes"))
                .build();
    }
}
