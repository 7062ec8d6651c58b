package io.lora4j.engine.io;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PyTorch checkpoint ({@code .bin}, {@code .pt}, {@code .pth}) as {@code torch.save} writes it since
 * 1.6: a zip archive holding {@code <name>/data.pkl} (the pickled object) and one stored entry per
 * storage ({@code <name>/data/<key>}). The file is memory-mapped; tensors are zero-copy views of their
 * storage entries (a tensor saved non-contiguous is gathered into a compact copy of the same dtype).
 *
 * <p>The pickle is read by {@link TorchUnpickler}, which accepts only the classes a state dict uses
 * and never executes anything. The saved object may nest: {@link #names()} lists every tensor reachable
 * through dicts (and lists, by index) under its dotted path, e.g. {@code state_dict.encoder.weight};
 * {@link #sub(String)} gives a nested dict as a source of its own. Non-tensor leaves (numbers,
 * strings, booleans) are reported by {@link #metadata()} under their dotted path. The legacy
 * (pre-1.6, non-zip) format is read too ({@link LegacyTorchFormat}), also without copies.
 */
public final class PyTorchCheckpoint implements TensorSource {
    static final byte[] LEGACY_MAGIC = {(byte) 0x80, 0x02, (byte) 0x8a, 0x0a, 0x6c, (byte) 0xfc, (byte) 0x9c, 0x46, (byte) 0xf9, 0x20, 0x6a, (byte) 0xa8, 0x50, 0x19};
    private static final int MAX_DEPTH = 32;

    private final String origin;
    private final Object root;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private PyTorchCheckpoint(String origin, Object root) {
        this.origin = origin;
        this.root = root;
        Map<String, Tensor> t = new LinkedHashMap<>();
        Map<String, String> m = new LinkedHashMap<>();
        flatten(root, "", t, m, new IdentityHashMap<>(), 0);
        this.tensors = Collections.unmodifiableMap(t);
        this.metadata = Collections.unmodifiableMap(m);
    }

    /** Maps and reads {@code path}; a {@link BadInputException} naming the file and the problem if it is malformed or unsafe. */
    public static PyTorchCheckpoint open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment all = ch.size() == 0 ? MemorySegment.ofArray(new byte[0]) : ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
            return parse(path.toString(), all);
        } catch (NoSuchFileException e) {
            throw new BadInputException(path + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }

    /** Reads a checkpoint image held in memory (tests); tensors are views of {@code all}. */
    public static PyTorchCheckpoint parse(String file, MemorySegment all) {
        if (!ZipEntries.looksLikeZip(all)) {
            if (all.byteSize() >= LEGACY_MAGIC.length
                    && java.util.Arrays.equals(all.asSlice(0, LEGACY_MAGIC.length).toArray(ValueLayout.JAVA_BYTE), LEGACY_MAGIC)) {
                return new PyTorchCheckpoint(file, LegacyTorchFormat.read(file, all));
            }
            throw new BadInputException(file + ": not a PyTorch checkpoint (expected a zip archive as torch.save writes)");
        }
        Map<String, MemorySegment> entries = ZipEntries.read(file, all);
        String pkl = null;
        for (String n : entries.keySet()) {
            if (n.equals("data.pkl") || n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - 9) {
                pkl = n;
                break;
            }
        }
        if (pkl == null) throw new BadInputException(file + ": zip archive has no data.pkl entry; not a torch.save checkpoint");
        String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
        MemorySegment order = entries.get(prefix + "byteorder");
        if (order != null) {
            String bo = new String(order.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.US_ASCII).trim();
            if (!bo.equals("little")) throw new BadInputException(file + ": byteorder '" + bo + "' is not supported (only little-endian)");
        }
        MemorySegment pickle = entries.get(pkl);
        if (pickle.byteSize() > Integer.MAX_VALUE - 16) throw new BadInputException(file + ": data.pkl is too large");
        Map<String, TorchUnpickler.Storage> storages = new HashMap<>();
        TorchUnpickler u = new TorchUnpickler(file, pid -> {
            TorchUnpickler.StorageType type = (TorchUnpickler.StorageType) pid[1];
            String key = String.valueOf(pid[2]);
            TorchUnpickler.Storage s = storages.get(key);
            if (s != null) {
                if (s.dtype() != type.dtype()) throw new BadInputException(file + ": storage '" + key + "' is used with two dtypes");
                return s;
            }
            MemorySegment bytes = entries.get(prefix + "data/" + key);
            if (bytes == null) throw new BadInputException(file + ": storage '" + key + "' has no entry " + prefix + "data/" + key);
            if (bytes.byteSize() % type.dtype().byteSize() != 0) {
                throw new BadInputException(file + ": storage '" + key + "' of " + type.name() + " has " + bytes.byteSize()
                        + " bytes, not a multiple of " + type.dtype().byteSize());
            }
            s = new TorchUnpickler.Storage(key, type.dtype(), bytes);
            storages.put(key, s);
            return s;
        });
        Object root = u.load(pickle.toArray(ValueLayout.JAVA_BYTE));
        return new PyTorchCheckpoint(file, root);
    }

    private void flatten(Object o, String path, Map<String, Tensor> t, Map<String, String> m, IdentityHashMap<Object, Boolean> seen, int depth) {
        if (o instanceof Tensor x) {
            t.put(path, x);
            return;
        }
        if (o instanceof Map<?, ?> || o instanceof List<?> || o instanceof Object[]) {
            if (depth > MAX_DEPTH) throw new BadInputException(origin + ": object nests deeper than " + MAX_DEPTH + " levels at '" + path + "'");
            if (seen.put(o, Boolean.TRUE) != null) return; // shared or cyclic container: list once
            String pre = path.isEmpty() ? "" : path + ".";
            if (o instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) flatten(e.getValue(), pre + e.getKey(), t, m, seen, depth + 1);
            } else if (o instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) flatten(list.get(i), pre + i, t, m, seen, depth + 1);
            } else {
                Object[] a = (Object[]) o;
                for (int i = 0; i < a.length; i++) flatten(a[i], pre + i, t, m, seen, depth + 1);
            }
            return;
        }
        if (o instanceof Number || o instanceof String || o instanceof Boolean) {
            String s = String.valueOf(o);
            m.put(path.isEmpty() ? "value" : path, s.length() > 200 ? s.substring(0, 200) + "..." : s);
        }
    }

    /** The unpickled object: Maps (ordered), Lists, Object[] (tuples), {@link Tensor}s, numbers, strings, null. */
    public Object root() {
        return root;
    }

    /**
     * The tensors under {@code key} (a dotted path to a nested dict, e.g. {@code "state_dict"} or
     * {@code "model.ema"}), with names relative to it; a {@link BadInputException} if nothing lies there.
     */
    public TensorSource sub(String key) {
        TensorSource s = withPrefix(key.endsWith(".") ? key : key + ".");
        if (s.names().isEmpty()) throw new BadInputException(origin + ": no tensors under '" + key + "' (top-level keys: " + topKeys() + ")");
        return s;
    }

    private String topKeys() {
        return root instanceof Map<?, ?> map ? map.keySet().toString() : TorchUnpickler.typeName(root);
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public Tensor find(String name) {
        return tensors.get(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public String origin() {
        return origin;
    }
}
