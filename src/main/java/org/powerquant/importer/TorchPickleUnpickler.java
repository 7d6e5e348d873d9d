package org.powerquant.importer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * Unpickles the {@code data.pkl} of a TorchScript archive: module objects become {@link
 * PickledObject}s with their attributes in pickle order, tensors become {@link TorchTensor}s read
 * from the archive's storages, and every other global becomes an opaque {@link PickledObject}.
 *
 * <p>Overrides the opcodes that would otherwise use razorvine's global constructor registry (which
 * is static state) or lose dictionary order.
 */
final class TorchPickleUnpickler extends Unpickler {

    private static final Map<String, Integer> STORAGE_ELEMENT_BYTES =
            Map.ofEntries(
                    Map.entry("FloatStorage", 4),
                    Map.entry("DoubleStorage", 8),
                    Map.entry("HalfStorage", 2),
                    Map.entry("BFloat16Storage", 2),
                    Map.entry("LongStorage", 8),
                    Map.entry("IntStorage", 4),
                    Map.entry("ShortStorage", 2),
                    Map.entry("CharStorage", 1),
                    Map.entry("ByteStorage", 1),
                    Map.entry("BoolStorage", 1));

    private final Function<String, byte[]> storageReader;
    private final Map<String, ByteBuffer> storages = new HashMap<>();

    /**
     * Creates an unpickler.
     *
     * @param storageReader reads the raw bytes of storage {@code key} ({@code data/<key>})
     */
    TorchPickleUnpickler(Function<String, byte[]> storageReader) {
        this.storageReader = storageReader;
    }

    /** An instance of a pickled class: its class name and the state given by BUILD. */
    static final class PickledObject {
        final String className;
        final Map<Object, Object> state = new LinkedHashMap<>();

        PickledObject(String className) {
            this.className = className;
        }
    }

    /** A reference to a storage from a persistent id. */
    record StorageRef(String type, String key, long numel) {}

    /** A global (class or function) pushed by GLOBAL / STACK_GLOBAL. */
    private final class Global implements IObjectConstructor {
        private final String module;
        private final String name;

        Global(String module, String name) {
            this.module = module;
            this.name = name;
        }

        @Override
        public Object construct(Object[] args) {
            String qualified = module + "." + name;
            return switch (qualified) {
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" ->
                        rebuildTensor(args);
                case "torch._utils._rebuild_parameter" -> args[0];
                default -> new PickledObject(qualified);
            };
        }
    }

    /** {@inheritDoc} */
    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(new Global(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                String globalName = (String) stack.pop();
                String globalModule = (String) stack.pop();
                stack.add(new Global(globalModule, globalName));
            }
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> stack.add(pairsToMap(stack.pop_all_since_marker()));
            case Opcodes.SETITEMS -> {
                Map<Object, Object> items = pairsToMap(stack.pop_all_since_marker());
                asMap(stack.peek()).putAll(items);
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object k = stack.pop();
                asMap(stack.peek()).put(k, value);
            }
            case Opcodes.BUILD -> {
                Object state = stack.pop();
                Object target = stack.peek();
                if (target instanceof PickledObject object && state instanceof Map<?, ?> map) {
                    object.state.putAll(map);
                }
            }
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    /** {@inheritDoc} */
    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])) {
            throw new PickleException("unsupported persistent id " + pid);
        }
        String type;
        if (t[1] instanceof Global g) {
            type = g.name;
        } else {
            throw new PickleException("unsupported storage type " + t[1]);
        }
        return new StorageRef(type, String.valueOf(t[2]), ((Number) t[4]).longValue());
    }

    private TorchTensor rebuildTensor(Object[] args) {
        if (!(args[0] instanceof StorageRef storage)) {
            throw new PickleException("tensor without storage: " + args[0]);
        }
        long offset = ((Number) args[1]).longValue();
        long[] shape = toLongs((Object[]) args[2]);
        long[] stride = toLongs((Object[]) args[3]);
        Integer elementBytes = STORAGE_ELEMENT_BYTES.get(storage.type());
        if (elementBytes == null) {
            throw new PickleException("unsupported storage type " + storage.type());
        }
        ByteBuffer bytes =
                storages.computeIfAbsent(
                        storage.key(),
                        k ->
                                ByteBuffer.wrap(storageReader.apply(k))
                                        .order(ByteOrder.LITTLE_ENDIAN));
        if (bytes.capacity() < storage.numel() * elementBytes) {
            throw new PickleException(
                    "storage data/"
                            + storage.key()
                            + " holds "
                            + bytes.capacity()
                            + " bytes, expected "
                            + storage.numel() * elementBytes);
        }
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        float[] values = new float[Math.toIntExact(size)];
        int rank = shape.length;
        long[] index = new long[rank];
        for (int i = 0; i < values.length; i++) {
            long element = offset;
            for (int d = 0; d < rank; d++) {
                element += index[d] * stride[d];
            }
            if (element < 0 || element >= storage.numel()) {
                throw new PickleException(
                        "tensor element " + element + " outside storage data/" + storage.key());
            }
            values[i] = read(bytes, storage.type(), Math.toIntExact(element * elementBytes));
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return new TorchTensor(storage.type(), shape, values);
    }

    private static float read(ByteBuffer b, String type, int pos) {
        return switch (type) {
            case "FloatStorage" -> b.getFloat(pos);
            case "DoubleStorage" -> (float) b.getDouble(pos);
            case "HalfStorage" -> halfToFloat(b.getShort(pos));
            case "BFloat16Storage" -> Float.intBitsToFloat((b.getShort(pos) & 0xffff) << 16);
            case "LongStorage" -> b.getLong(pos);
            case "IntStorage" -> b.getInt(pos);
            case "ShortStorage" -> b.getShort(pos);
            case "CharStorage" -> b.get(pos);
            case "ByteStorage", "BoolStorage" -> b.get(pos) & 0xff;
            default -> throw new PickleException("unsupported storage type " + type);
        };
    }

    /** IEEE 754 binary16 to float. */
    private static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static long[] toLongs(Object[] tuple) {
        long[] out = new long[tuple.length];
        for (int i = 0; i < tuple.length; i++) {
            out[i] = ((Number) tuple[i]).longValue();
        }
        return out;
    }

    private static Map<Object, Object> pairsToMap(List<Object> pairs) {
        Map<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            map.put(pairs.get(i), pairs.get(i + 1));
        }
        return map;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> asMap(Object o) {
        if (o instanceof Map<?, ?>) {
            return (Map<Object, Object>) o;
        }
        throw new PickleException("SETITEM on a non-dict " + (o == null ? "null" : o.getClass()));
    }
}
