package org.powerquant.quant;

/** Which grid a quantizer uses. */
public enum QuantizationMethod {
    /** PowerQuant: the exponent is searched per layer (or per activation tensor). */
    POWER,
    /**
     * The baseline: uniform quantization, the power grid with {@code a = 1}, through the same code.
     */
    UNIFORM;

    /**
     * Parses a method name, case-insensitively.
     *
     * @param name {@code power} or {@code uniform}
     * @return the method
     */
    public static QuantizationMethod parse(String name) {
        for (QuantizationMethod m : values()) {
            if (m.name().equalsIgnoreCase(name.trim())) {
                return m;
            }
        }
        throw new IllegalArgumentException(
                "unknown method '" + name + "': expected power or uniform");
    }
}
