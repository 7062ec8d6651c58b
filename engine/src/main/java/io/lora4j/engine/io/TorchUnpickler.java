package io.lora4j.engine.io;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

/**
 * A Razorvine {@link Unpickler} restricted to what a PyTorch state dict contains. Class lookups
 * (GLOBAL, STACK_GLOBAL) resolve only to an allow-list: the tensor-rebuild functions, the typed storage
 * markers and {@code collections.OrderedDict}; any other class, and the opcodes that instantiate classes
 * by other routes (INST, OBJ, EXT*), is a {@link BadInputException} naming it. Nothing of the file is
 * ever executed. Dicts keep their order. Length prefixes are checked against the bytes left before
 * anything is allocated. Storages come from {@code storageLoader} (key, dtype) as zero-copy views.
 */
final class TorchUnpickler extends Unpickler {
    /** A typed storage class such as torch.FloatStorage; only a marker inside a persistent id. */
    record StorageType(String name, DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("torch." + name + " is not callable in a state dict");
        }
    }

    /** torch.Tensor / torch.nn.Parameter used as a type argument of _rebuild_from_type_v2. */
    record TypeMarker(String name) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException(name + " is not callable in a state dict");
        }
    }

    /** A storage: raw little-endian bytes of one dtype ({@code bytes} null while a legacy file's data area is not located yet). */
    record Storage(String key, DType dtype, MemorySegment bytes) {}

    /** A tensor of a storage whose bytes come later (legacy format); {@link #build} makes it. */
    record Pending(Storage storage, long offset, int[] shape, long[] strides) {}

    /** A torch dtype object (torch.float32, ...), an argument of _rebuild_tensor_v3. */
    record DTypeMarker(String name, DType dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException("torch." + name + " is not callable");
        }
    }

    private static final Map<String, DType> TORCH_DTYPES = Map.ofEntries(
            Map.entry("float64", DType.F64), Map.entry("double", DType.F64), Map.entry("float32", DType.F32),
            Map.entry("float", DType.F32), Map.entry("float16", DType.F16), Map.entry("half", DType.F16),
            Map.entry("bfloat16", DType.BF16), Map.entry("int64", DType.I64), Map.entry("long", DType.I64),
            Map.entry("int32", DType.I32), Map.entry("int", DType.I32), Map.entry("int16", DType.I16),
            Map.entry("short", DType.I16), Map.entry("int8", DType.I8), Map.entry("uint8", DType.U8), Map.entry("bool", DType.BOOL));

    private static final Map<String, DType> STORAGES = Map.ofEntries(
            Map.entry("DoubleStorage", DType.F64), Map.entry("FloatStorage", DType.F32),
            Map.entry("HalfStorage", DType.F16), Map.entry("BFloat16Storage", DType.BF16),
            Map.entry("LongStorage", DType.I64), Map.entry("IntStorage", DType.I32),
            Map.entry("ShortStorage", DType.I16), Map.entry("CharStorage", DType.I8),
            Map.entry("ByteStorage", DType.U8), Map.entry("BoolStorage", DType.BOOL),
            Map.entry("UntypedStorage", DType.U8));

    private final String file;
    private final Function<Object[], Storage> storageLoader;

    TorchUnpickler(String file, Function<Object[], Storage> storageLoader) {
        this.file = file;
        this.storageLoader = storageLoader;
    }

    /** Unpickles {@code bytes}; every failure becomes a BadInputException naming the file. */
    Object load(byte[] bytes) {
        return loadFrom(new ByteArrayInputStream(bytes), "data.pkl");
    }

    /** Unpickles one pickle from {@code in} (which must support mark/reset and an exact available()). */
    Object loadFrom(InputStream in, String what) {
        try {
            return load(in);
        } catch (BadInputException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new BadInputException(file + ": malformed pickle in " + what + ": " + SafetensorsFile.firstLine(String.valueOf(e.getMessage())), e);
        } catch (StackOverflowError e) {
            throw new BadInputException(file + ": pickle nests too deeply");
        } finally {
            close();
        }
    }

    @Override
    protected Object dispatch(short key) throws IOException {
        switch (key) {
            case 'c' -> { // GLOBAL: "module\nname\n"
                String module = PickleUtils.readline(input), name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
                return NO_RETURN_VALUE;
            }
            case 0x93 -> { // STACK_GLOBAL
                Object name = stack.pop(), module = stack.pop();
                stack.add(resolve(String.valueOf(module), String.valueOf(name)));
                return NO_RETURN_VALUE;
            }
            case 'i', 'o', 0x82, 0x83, 0x84 -> throw new BadInputException(file + ": pickle opcode 0x" + Integer.toHexString(key)
                    + " instantiates objects; not allowed in a state dict");
            case '}' -> {
                stack.add(new LinkedHashMap<Object, Object>());
                return NO_RETURN_VALUE;
            }
            case 'd' -> {
                List<Object> kv = stack.pop_all_since_marker();
                Map<Object, Object> m = new LinkedHashMap<>();
                putPairs(m, kv);
                stack.add(m);
                return NO_RETURN_VALUE;
            }
            case 'u' -> { // SETITEMS, keeping order
                List<Object> kv = stack.pop_all_since_marker();
                Object target = stack.peek();
                if (!(target instanceof Map<?, ?> m)) throw new PickleException("SETITEMS on a " + typeName(target));
                @SuppressWarnings("unchecked") Map<Object, Object> mm = (Map<Object, Object>) m;
                putPairs(mm, kv);
                return NO_RETURN_VALUE;
            }
            case 'b' -> { // BUILD: state dicts carry _metadata on the OrderedDict; tensors may carry attributes
                stack.pop();
                Object target = stack.peek();
                if (!(target instanceof Map) && !(target instanceof Tensor) && !(target instanceof Pending)) throw new PickleException("BUILD on a " + typeName(target));
                return NO_RETURN_VALUE;
            }
            case 'T', 'X', 'B', 0x8b -> checkLength(4);
            case 0x8d, 0x8e, 0x96 -> checkLength(8);
            default -> { }
        }
        return super.dispatch(key);
    }

    private static void putPairs(Map<Object, Object> m, List<Object> kv) {
        if (kv.size() % 2 != 0) throw new PickleException("odd number of items for a dict");
        for (int i = 0; i < kv.size(); i += 2) m.put(kv.get(i), kv.get(i + 1));
    }

    private void checkLength(int width) throws IOException {
        input.mark(16);
        byte[] b = input.readNBytes(width);
        input.reset();
        if (b.length < width) throw new PickleException("truncated length prefix");
        long len = 0;
        for (int i = width - 1; i >= 0; i--) len = (len << 8) | (b[i] & 0xff);
        if (len < 0 || len > input.available() - width) throw new PickleException("length " + len + " runs past the end of the pickle");
    }

    private IObjectConstructor resolve(String module, String name) {
        String q = module + "." + name;
        switch (q) {
            case "collections.OrderedDict":
                return args -> {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    if (args.length > 0 && args[0] instanceof List<?> pairs) {
                        for (Object p : pairs) {
                            if (!(p instanceof Object[] t) || t.length != 2) throw new PickleException("OrderedDict item is not a pair");
                            m.put(t[0], t[1]);
                        }
                    }
                    return m;
                };
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor":
                return this::rebuildTensor;
            case "torch._utils._rebuild_tensor_v3": // (storage, offset, size, stride, requires_grad, hooks, dtype, ...): untyped storage + dtype
                return args -> {
                    if (args.length < 7 || !(args[0] instanceof Storage st) || !(args[6] instanceof DTypeMarker dm)) {
                        throw new PickleException("malformed _rebuild_tensor_v3 arguments");
                    }
                    if (st.bytes() != null && st.bytes().byteSize() % dm.dtype().byteSize() != 0) {
                        throw new BadInputException(file + ": storage '" + st.key() + "' of " + st.bytes().byteSize() + " bytes is not a whole number of " + dm.name());
                    }
                    Object[] a = args.clone();
                    a[0] = new Storage(st.key(), dm.dtype(), st.bytes());
                    return rebuildTensor(a);
                };
            case "torch.storage.UntypedStorage":
                return new StorageType("UntypedStorage", DType.U8);
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
                return args -> {
                    if (args.length < 1 || !(args[0] instanceof Tensor || args[0] instanceof Pending)) throw new PickleException("_rebuild_parameter without a tensor");
                    return args[0];
                };
            case "torch._tensor._rebuild_from_type_v2":
                return args -> {
                    if (args.length < 3 || !(args[0] instanceof IObjectConstructor f) || !(args[1] instanceof TypeMarker)
                            || !(args[2] instanceof Object[] a)) {
                        throw new PickleException("malformed _rebuild_from_type_v2");
                    }
                    return f.construct(a);
                };
            case "torch.Tensor", "torch.nn.parameter.Parameter":
                return new TypeMarker(q);
            default:
                break;
        }
        if (module.equals("torch") && STORAGES.containsKey(name)) return new StorageType(name, STORAGES.get(name));
        if (module.equals("torch") && TORCH_DTYPES.containsKey(name)) return new DTypeMarker(name, TORCH_DTYPES.get(name));
        if (module.equals("torch") && (name.startsWith("uint") || name.startsWith("complex") || name.startsWith("float8") || name.startsWith("c")
                && (name.equals("cfloat") || name.equals("cdouble") || name.equals("chalf")) || name.startsWith("qint") || name.startsWith("quint"))) {
            throw new BadInputException(file + ": tensor dtype torch." + name + " is not supported (lora4j reads F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL)");
        }
        throw new BadInputException(file + ": the pickle names class '" + q + "', which a state dict does not use; refusing to load it"
                + " (allowed: tensors, storages, OrderedDict, plain containers and numbers)");
    }

    @Override
    protected Object persistentLoad(Object pid) {
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0]) || !(t[1] instanceof StorageType)) {
            throw new PickleException("unsupported persistent id " + describe(pid));
        }
        return storageLoader.apply(t);
    }

    private Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof Storage s) || !(args[1] instanceof Number off)
                || !(args[2] instanceof Object[] size) || !(args[3] instanceof Object[] stride) || size.length != stride.length
                || size.length > 16) {
            throw new PickleException("malformed _rebuild_tensor_v2 arguments");
        }
        int[] shape = new int[size.length];
        long[] strides = new long[size.length];
        long numel = 1;
        for (int i = 0; i < size.length; i++) {
            if (!(size[i] instanceof Number n) || !(stride[i] instanceof Number st)) throw new PickleException("non-integer size/stride");
            long d = n.longValue(), sd = st.longValue();
            if (d < 0 || d > Integer.MAX_VALUE || sd < 0 || sd > Integer.MAX_VALUE) throw new PickleException("size/stride out of range");
            shape[i] = (int) d;
            strides[i] = sd;
            numel = d == 0 || numel <= (Long.MAX_VALUE / 16) / d ? numel * d : Long.MAX_VALUE / 16;
        }
        if (numel > Integer.MAX_VALUE - 16) throw new PickleException("tensor of " + numel + " elements is too large");
        if (s.bytes() == null) return new Pending(s, off.longValue(), shape, strides);
        return build(file, s, off.longValue(), shape, strides);
    }

    /** The tensor at element offset {@code o} of storage {@code s} (bytes present), checked to lie inside it. */
    static Tensor build(String file, Storage s, long o, int[] shape, long[] strides) {
        long bs = s.dtype().byteSize();
        long elems = s.bytes().byteSize() / bs;
        long numel = 1, extent = 0;
        for (int i = 0; i < shape.length; i++) {
            numel *= shape[i];
            if (shape[i] == 0) extent = -1;
            else if (extent >= 0) extent += (shape[i] - 1) * strides[i];
        }
        if (numel == 0) return Tensor.ofSegment(MemorySegment.ofArray(new byte[0]), s.dtype(), shape);
        if (o < 0 || o + extent + 1 > elems) {
            throw new BadInputException(file + ": tensor of shape " + Arrays.toString(shape) + " at storage offset " + o
                    + " runs past its storage '" + s.key() + "' of " + elems + " " + s.dtype() + " elements");
        }
        if (Arrays.equals(strides, Tensor.contiguousStrides(shape))) {
            return Tensor.ofSegment(s.bytes().asSlice(o * bs, numel * bs), s.dtype(), shape);
        }
        // Non-contiguous (a saved transpose or slice): gather into a new contiguous buffer of the same dtype.
        if (numel * bs > Math.max(s.bytes().byteSize(), 64L << 20)) {
            throw new BadInputException(file + ": tensor of shape " + Arrays.toString(shape) + " with strides " + Arrays.toString(strides)
                    + " would expand its " + s.bytes().byteSize() + "-byte storage '" + s.key() + "' beyond 64 MiB");
        }
        MemorySegment out = Arena.ofAuto().allocate(numel * bs);
        int[] idx = new int[shape.length];
        for (long i = 0; i < numel; i++) {
            long p = o;
            for (int d = 0; d < shape.length; d++) p += idx[d] * strides[d];
            MemorySegment.copy(s.bytes(), p * bs, out, i * bs, bs);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return Tensor.ofSegment(out, s.dtype(), shape);
    }

    static String typeName(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    static String describe(Object o) {
        if (o instanceof Object[] a) return Arrays.deepToString(a);
        return String.valueOf(o);
    }
}
