package org.powerquant.importer;

import ai.djl.MalformedModelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import net.razorvine.pickle.PickleException;
import org.powerquant.importer.TorchPickleUnpickler.PickledObject;

/**
 * The module tree and tensors of a TorchScript {@code .pt} archive, read without PyTorch.
 *
 * <p>A TorchScript archive is a zip holding {@code <root>/data.pkl}, a pickle of the module objects
 * whose tensors refer by persistent id {@code ('storage', torch.FloatStorage, key, location,
 * numel)} to raw little-endian storages {@code <root>/data/<key>}, each tensor being {@code
 * torch._utils._rebuild_tensor_v2(storage, offset, size, stride, ...)}. This class exposes every
 * tensor attribute of every module by dotted name, <em>including</em> buffers such as BatchNorm's
 * {@code running_mean}, {@code running_var} and {@code num_batches_tracked} (which DJL's {@code
 * PtSymbolBlock} does not expose), every module's class, and the TorchScript source of each class
 * (which, for a traced model, records hyper-parameters such as strides and epsilons).
 */
public final class TorchScriptArchive {

    private static final String MANGLE = "\\.___torch_mangle_\\d+";

    private final Path file;
    private final Map<String, TorchModule> modules;
    private final Map<String, TorchTensor> tensors;
    private final Map<String, String> code;

    private TorchScriptArchive(
            Path file,
            Map<String, TorchModule> modules,
            Map<String, TorchTensor> tensors,
            Map<String, String> code) {
        this.file = file;
        this.modules = Collections.unmodifiableMap(modules);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.code = code;
    }

    /**
     * Checks, before an engine is asked to load it, that a file is a TorchScript archive: a zip
     * holding {@code <root>/constants.pkl} beside {@code <root>/data.pkl}. The file {@code
     * torch.save} writes (a {@code state_dict} or a pickled module) is a zip of the same layout
     * without the TorchScript parts, and the engine refuses it only with "PytorchStreamReader
     * failed locating file constants.pkl"; another file gives "failed finding central directory".
     * Both are said here in words, and the engine never makes a model for them (DJL leaves the
     * model of a failed load unclosed).
     *
     * @param file the file
     * @throws MalformedModelException saying what the file is instead, if it is not TorchScript
     * @throws IOException if it cannot be read
     */
    public static void checkTorchScript(Path file) throws IOException, MalformedModelException {
        if (!Files.isRegularFile(file)) {
            return; // not a file: the loader says what it is
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String root = findRoot(zip, file);
            if (zip.getEntry(root + "constants.pkl") == null) {
                throw new MalformedModelException(
                        "it was saved by torch.save (a state_dict or a pickled module), not as"
                                + " TorchScript: save the model with"
                                + " torch.jit.save(torch.jit.trace(model, example_input), path) or"
                                + " torch.jit.script");
            }
        } catch (ZipException e) {
            throw new MalformedModelException(
                    "it is not a TorchScript file (not a zip archive, as torch.jit.save writes)",
                    e);
        }
    }

    /**
     * Reads a TorchScript archive.
     *
     * @param file the {@code .pt} file; not modified
     * @return the archive's modules and tensors
     * @throws IOException if the file cannot be read
     * @throws MalformedModelException if the file is not a TorchScript archive this class can read;
     *     the message names the file
     */
    public static TorchScriptArchive read(Path file) throws IOException, MalformedModelException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such file");
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String root = findRoot(zip, file);
            checkByteOrder(zip, root, file);
            TorchPickleUnpickler unpickler =
                    new TorchPickleUnpickler(key -> readEntry(zip, root + "data/" + key));
            Object top;
            try (InputStream in = zip.getInputStream(zip.getEntry(root + "data.pkl"))) {
                top = unpickler.load(in);
            } catch (IOException | RuntimeException e) {
                throw new MalformedModelException(
                        file + ": unreadable TorchScript data.pkl (" + oneLine(e) + ")", e);
            }
            if (!(top instanceof PickledObject object)) {
                throw new MalformedModelException(
                        file + ": data.pkl does not hold a TorchScript module");
            }
            Map<String, TorchModule> modules = new LinkedHashMap<>();
            Map<String, TorchTensor> tensors = new LinkedHashMap<>();
            collect(object, "", modules, tensors);
            return new TorchScriptArchive(file, modules, tensors, readCode(zip, root));
        } catch (UncheckedIOException e) {
            throw new MalformedModelException(file + ": unreadable entry (" + oneLine(e) + ")", e);
        } catch (ZipException e) {
            throw new MalformedModelException(file + ": not a zip archive (" + oneLine(e) + ")", e);
        }
    }

    /**
     * Returns the file this archive was read from.
     *
     * @return the file
     */
    public Path getFile() {
        return file;
    }

    /**
     * Returns every module by dotted name ({@code ""} for the root), in pickle order.
     *
     * @return an unmodifiable insertion-ordered map
     */
    public Map<String, TorchModule> getModules() {
        return modules;
    }

    /**
     * Returns every tensor attribute by dotted name (e.g. {@code layer1.0.bn1.running_var}), in
     * pickle order.
     *
     * @return an unmodifiable insertion-ordered map
     */
    public Map<String, TorchTensor> getTensors() {
        return tensors;
    }

    /**
     * Returns the tensor of the given dotted name.
     *
     * @param name the dotted name
     * @return the tensor
     * @throws IllegalArgumentException if the archive has no such tensor; the message names the
     *     file and the tensor
     */
    public TorchTensor getTensor(String name) {
        TorchTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException(file + ": no tensor " + name);
        }
        return t;
    }

    /**
     * Returns the TorchScript source of a module's class ({@code class Name(Module): ...} from
     * {@code code/}), if the archive holds it.
     *
     * @param module a module of this archive
     * @return the class source, or empty if the archive has no code for it
     */
    public Optional<String> getSource(TorchModule module) {
        String qualified = module.pickledClassName();
        int dot = qualified.lastIndexOf('.');
        String path = qualified.substring(0, dot).replace('.', '/') + ".py";
        String text = code.get(path);
        if (text == null) {
            return Optional.empty();
        }
        String header = "class " + qualified.substring(dot + 1) + "(";
        int start = text.startsWith(header) ? 0 : text.indexOf("\n" + header);
        if (start < 0) {
            return Optional.empty();
        }
        int end = text.indexOf("\nclass ", start + 1);
        return Optional.of(text.substring(start, end < 0 ? text.length() : end).strip());
    }

    /**
     * Removes the {@code .___torch_mangle_N} segment TorchScript adds to the module of a class.
     *
     * @param className a TorchScript class name
     * @return the class name without mangling
     */
    static String unmangle(String className) {
        return className.replaceAll(MANGLE, "");
    }

    private static void collect(
            PickledObject object,
            String name,
            Map<String, TorchModule> modules,
            Map<String, TorchTensor> tensors) {
        modules.put(name, new TorchModule(name, unmangle(object.className), object.className));
        String prefix = name.isEmpty() ? "" : name + ".";
        for (Map.Entry<Object, Object> e : object.state.entrySet()) {
            String key = String.valueOf(e.getKey());
            if (e.getValue() instanceof TorchTensor t) {
                tensors.put(prefix + key, t);
            } else if (e.getValue() instanceof PickledObject child && isModule(child)) {
                collect(child, prefix + key, modules, tensors);
            }
        }
    }

    private static boolean isModule(PickledObject o) {
        return o.className.startsWith("__torch__.");
    }

    private static String findRoot(ZipFile zip, Path file) throws MalformedModelException {
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String n = entries.nextElement().getName();
            if (n.endsWith("data.pkl")) {
                String root = n.substring(0, n.length() - "data.pkl".length());
                if (root.isEmpty() || root.indexOf('/') == root.length() - 1) {
                    return root;
                }
            }
        }
        throw new MalformedModelException(file + ": not a TorchScript archive (no data.pkl)");
    }

    private static void checkByteOrder(ZipFile zip, String root, Path file)
            throws IOException, MalformedModelException {
        ZipEntry entry = zip.getEntry(root + "byteorder");
        if (entry != null) {
            String order =
                    new String(readEntry(zip, root + "byteorder"), StandardCharsets.US_ASCII)
                            .trim();
            if (!"little".equals(order)) {
                throw new MalformedModelException(file + ": unsupported byte order " + order);
            }
        }
    }

    private static Map<String, String> readCode(ZipFile zip, String root) {
        Map<String, String> code = new HashMap<>();
        String prefix = root + "code/";
        Enumeration<? extends ZipEntry> entries = zip.entries();
        while (entries.hasMoreElements()) {
            String n = entries.nextElement().getName();
            if (n.startsWith(prefix) && n.endsWith(".py")) {
                code.put(
                        n.substring(prefix.length()),
                        new String(readEntry(zip, n), StandardCharsets.UTF_8));
            }
        }
        return Collections.unmodifiableMap(code);
    }

    private static String oneLine(Exception e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static byte[] readEntry(ZipFile zip, String name) {
        ZipEntry entry = zip.getEntry(name);
        if (entry == null) {
            throw new PickleException("missing entry " + name);
        }
        try (InputStream in = zip.getInputStream(entry)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(name + ": " + e.getMessage(), e);
        }
    }
}
