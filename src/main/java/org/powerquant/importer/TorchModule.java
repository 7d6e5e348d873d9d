package org.powerquant.importer;

/**
 * A module object of a TorchScript archive.
 *
 * @param name the dotted name of the module ({@code ""} for the root, e.g. {@code layer1.0.conv1})
 * @param className the qualified TorchScript class name with the {@code ___torch_mangle_N} segment
 *     removed, e.g. {@code __torch__.torch.nn.modules.conv.Conv2d}
 * @param pickledClassName the class name as pickled, e.g. {@code
 *     __torch__.torch.nn.modules.conv.___torch_mangle_3.Conv2d}, which locates its TorchScript code
 */
public record TorchModule(String name, String className, String pickledClassName) {

    /**
     * Returns the class name without its package, e.g. {@code Conv2d}.
     *
     * @return the simple class name
     */
    public String simpleClassName() {
        return className.substring(className.lastIndexOf('.') + 1);
    }
}
