package org.powerquant.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.powerquant.InvalidInputException;
import org.powerquant.Role;

/**
 * Whether the PyTorch engine can place arrays on a device. Asked for a GPU it does not see (no GPU,
 * or the CPU native library), libtorch fails at the first array it makes, with a message about the
 * operator it was running; every loader checks the device first, so that the failure names the
 * device rather than the file being read when it happened.
 */
public final class EngineDevices {

    private EngineDevices() {}

    /**
     * Checks that a device is available.
     *
     * @param device the device, or null for the engine's default (always available)
     * @return the device
     * @throws InvalidInputException (role device) naming the device if it is a GPU the PyTorch
     *     engine does not see
     */
    public static Device requireAvailable(Device device) {
        if (device != null && device.isGpu()) {
            int gpus = Engine.getEngine("PyTorch").getGpuCount();
            if (device.getDeviceId() >= gpus) {
                throw new InvalidInputException(
                        Role.DEVICE,
                        device
                                + " is not available: the PyTorch engine sees "
                                + (gpus == 0 ? "no GPU (CPU native library?)" : gpus + " GPU(s)"));
            }
        }
        return device;
    }
}
