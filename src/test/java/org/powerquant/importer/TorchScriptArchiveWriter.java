package org.powerquant.importer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Test-only writer of TorchScript-like archives: the zip layout and the {@code data.pkl} opcodes
 * that {@code torch.jit.save} emits (protocol 2, GLOBAL/NEWOBJ/BUILD module objects, tensors as
 * {@code _rebuild_tensor_v2} over persistent-id storages), without the code files.
 */
final class TorchScriptArchiveWriter {

    /** A module object: its TorchScript class ({@code module name}) and attributes in order. */
    static final class Module {
        final String module;
        final String name;
        final Map<String, Object> attributes = new LinkedHashMap<>();

        Module(String qualifiedClass) {
            int dot = qualifiedClass.lastIndexOf('.');
            this.module = qualifiedClass.substring(0, dot);
            this.name = qualifiedClass.substring(dot + 1);
        }

        Module put(String key, Object value) {
            attributes.put(key, value);
            return this;
        }
    }

    /**
     * A tensor view over a storage.
     *
     * @param storageType e.g. FloatStorage, DoubleStorage, LongStorage
     * @param storage the storage elements (as doubles, converted on writing)
     * @param offset the storage offset
     * @param shape the sizes
     * @param stride the strides
     */
    record Tensor(String storageType, double[] storage, long offset, long[] shape, long[] stride) {

        /** A contiguous float tensor. */
        static Tensor of(float[] values, long... shape) {
            double[] storage = new double[values.length];
            for (int i = 0; i < values.length; i++) {
                storage[i] = values[i];
            }
            return new Tensor("FloatStorage", storage, 0, shape, contiguousStrides(shape));
        }

        static long[] contiguousStrides(long[] shape) {
            long[] stride = new long[shape.length];
            long s = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                stride[d] = s;
                s *= shape[d];
            }
            return stride;
        }
    }

    private final ByteArrayOutputStream pickle = new ByteArrayOutputStream();
    private final List<Tensor> storages = new ArrayList<>();

    private TorchScriptArchiveWriter() {}

    /** Writes {@code root} as {@code <rootName>/data.pkl} plus storages into {@code file}. */
    static void write(Path file, String rootName, Module root) throws IOException {
        write(file, rootName, root, Map.of());
    }

    /**
     * As {@link #write(Path, String, Module)}, plus entries {@code <rootName>/<path>} with the
     * given text.
     */
    static void write(Path file, String rootName, Module root, Map<String, String> extra)
            throws IOException {
        TorchScriptArchiveWriter w = new TorchScriptArchiveWriter();
        w.op(0x80).op(2);
        w.object(root);
        w.op('.');
        try (OutputStream out = Files.newOutputStream(file);
                ZipOutputStream zip = new ZipOutputStream(out)) {
            entry(zip, rootName + "/data.pkl", w.pickle.toByteArray());
            for (int i = 0; i < w.storages.size(); i++) {
                entry(zip, rootName + "/data/" + i, bytes(w.storages.get(i)));
            }
            entry(zip, rootName + "/version", "3\n".getBytes(StandardCharsets.US_ASCII));
            // torch.jit.save writes the constants table (an empty tuple here) beside data.pkl: it
            // is
            // what tells a TorchScript archive from a file torch.save wrote
            entry(zip, rootName + "/constants.pkl", new byte[] {(byte) 0x80, 2, ')', '.'});
            for (Map.Entry<String, String> e : extra.entrySet()) {
                entry(
                        zip,
                        rootName + "/" + e.getKey(),
                        e.getValue().getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private static void entry(ZipOutputStream zip, String name, byte[] data) throws IOException {
        zip.putNextEntry(new ZipEntry(name));
        zip.write(data);
        zip.closeEntry();
    }

    private static byte[] bytes(Tensor t) {
        int size =
                switch (t.storageType()) {
                    case "DoubleStorage", "LongStorage" -> 8;
                    case "HalfStorage" -> 2;
                    default -> 4;
                };
        ByteBuffer b =
                ByteBuffer.allocate(t.storage().length * size).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : t.storage()) {
            switch (t.storageType()) {
                case "DoubleStorage" -> b.putDouble(v);
                case "LongStorage" -> b.putLong((long) v);
                case "IntStorage" -> b.putInt((int) v);
                default -> b.putFloat((float) v);
            }
        }
        return b.array();
    }

    private void object(Module m) {
        global(m.module, m.name).op(')').op(0x81).op('}').op('(');
        for (Map.Entry<String, Object> e : m.attributes.entrySet()) {
            string(e.getKey());
            value(e.getValue());
        }
        op('u').op('b');
    }

    private void value(Object v) {
        if (v instanceof Module m) {
            object(m);
        } else if (v instanceof Tensor t) {
            tensor(t);
        } else if (v instanceof Boolean b) {
            op(b ? 0x88 : 0x89);
        } else if (v == null) {
            op('N');
        } else if (v instanceof Number n) {
            integer(n.longValue());
        } else {
            string(String.valueOf(v));
        }
    }

    private void tensor(Tensor t) {
        int key = storages.size();
        storages.add(t);
        global("torch._utils", "_rebuild_tensor_v2").op('(');
        op('(');
        string("storage");
        global("torch", t.storageType());
        string(Integer.toString(key));
        string("cpu");
        integer(t.storage().length);
        op('t').op('Q');
        integer(t.offset());
        tuple(t.shape());
        tuple(t.stride());
        op(0x89);
        global("collections", "OrderedDict").op(')').op('R');
        op('t').op('R');
    }

    private void tuple(long[] values) {
        op('(');
        for (long v : values) {
            integer(v);
        }
        op('t');
    }

    private TorchScriptArchiveWriter global(String module, String name) {
        op('c');
        byte[] text = (module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8);
        pickle.writeBytes(text);
        return this;
    }

    private void string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        int32(utf8.length);
        pickle.writeBytes(utf8);
    }

    private void integer(long v) {
        op('J');
        int32(Math.toIntExact(v));
    }

    private void int32(int v) {
        pickle.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
    }

    private TorchScriptArchiveWriter op(int code) {
        pickle.write(code);
        return this;
    }
}
