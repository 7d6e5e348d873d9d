package org.powerquant.eval;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import org.powerquant.nn.EngineDevices;

/** Resolves a device name given on the command line to a DJL {@link Device}. */
public final class Devices {

    private Devices() {}

    /**
     * Resolves {@code auto}, {@code cpu} or {@code gpu}. {@code auto} is the first GPU when the
     * PyTorch engine sees one, else the CPU.
     *
     * @param name the device name, case-insensitive
     * @return the device
     * @throws IllegalArgumentException for another name, or {@code gpu} when no GPU is visible
     */
    public static Device resolve(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "cpu" -> Device.cpu();
            case "gpu" -> EngineDevices.requireAvailable(Device.gpu());
            case "auto" -> gpuCount() > 0 ? Device.gpu() : Device.cpu();
            default ->
                    throw new org.powerquant.InvalidInputException(
                            org.powerquant.Role.DEVICE,
                            "must be auto, cpu or gpu, got '" + name + "'");
        };
    }

    private static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }
}
