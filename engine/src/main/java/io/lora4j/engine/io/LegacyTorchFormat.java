package io.lora4j.engine.io;

import io.lora4j.engine.BadInputException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The legacy (torch &lt; 1.6, or {@code _use_new_zipfile_serialization=False}) torch.save format: five
 * pickles back to back — magic number, protocol version 1001, system info, the object (storages as
 * persistent ids), the list of storage keys — then each storage in that order as an 8-byte
 * little-endian element count followed by its bytes. Tensors become views of the mapped file once the
 * data area is located (they are {@link TorchUnpickler.Pending} until then). Storage views
 * (a persistent id's view_metadata, not written by torch ≥ 0.4) are rejected.
 */
final class LegacyTorchFormat {
    private LegacyTorchFormat() {}

    static Object read(String file, MemorySegment all) {
        SegmentInputStream in = new SegmentInputStream(all, 0);
        new TorchUnpickler(file, pid -> { throw new BadInputException(file + ": storage in the header pickle"); }).loadFrom(in, "the magic number");
        Object version = new TorchUnpickler(file, pid -> { throw new BadInputException(file + ": storage in the header pickle"); }).loadFrom(in, "the protocol version");
        if (!(version instanceof Number v) || v.longValue() != 1001) throw new BadInputException(file + ": legacy torch.save protocol version " + version + " is not 1001");
        Object sys = new TorchUnpickler(file, pid -> { throw new BadInputException(file + ": storage in the header pickle"); }).loadFrom(in, "the system info");
        if (sys instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) throw new BadInputException(file + ": big-endian legacy checkpoints are not supported");
        Map<String, TorchUnpickler.Storage> storages = new LinkedHashMap<>();
        Object root = new TorchUnpickler(file, pid -> {
            if (pid.length > 5 && pid[5] != null) throw new BadInputException(file + ": legacy storage views are not supported");
            TorchUnpickler.StorageType type = (TorchUnpickler.StorageType) pid[1];
            String key = String.valueOf(pid[2]);
            TorchUnpickler.Storage s = storages.computeIfAbsent(key, k -> new TorchUnpickler.Storage(k, type.dtype(), null));
            if (s.dtype() != type.dtype()) throw new BadInputException(file + ": storage '" + key + "' is used with two dtypes");
            return s;
        }).loadFrom(in, "the object pickle");
        Object keys = new TorchUnpickler(file, pid -> { throw new BadInputException(file + ": storage in the key list"); }).loadFrom(in, "the storage key list");
        if (!(keys instanceof List<?> list)) throw new BadInputException(file + ": legacy storage key list is not a list");
        long pos = in.position();
        Map<String, TorchUnpickler.Storage> located = new LinkedHashMap<>();
        for (Object k : list) {
            String key = String.valueOf(k);
            TorchUnpickler.Storage s = storages.get(key);
            if (s == null) throw new BadInputException(file + ": storage '" + key + "' is listed but no tensor uses it");
            if (pos + 8 > all.byteSize()) throw new BadInputException(file + ": storage '" + key + "' lies past the end of the file (truncated?)");
            long numel = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), pos);
            long bs = s.dtype().byteSize();
            if (numel < 0 || numel > (all.byteSize() - pos - 8) / bs) {
                throw new BadInputException(file + ": storage '" + key + "' claims " + numel + " elements, past the end of the file (truncated?)");
            }
            located.put(key, new TorchUnpickler.Storage(key, s.dtype(), all.asSlice(pos + 8, numel * bs)));
            pos += 8 + numel * bs;
        }
        return resolve(file, root, located, new IdentityHashMap<>(), 0);
    }

    /** Replaces every Pending tensor in the object tree by its view (containers are updated in place). */
    @SuppressWarnings("unchecked")
    private static Object resolve(String file, Object o, Map<String, TorchUnpickler.Storage> st, IdentityHashMap<Object, Boolean> seen, int depth) {
        if (o instanceof TorchUnpickler.Pending p) {
            TorchUnpickler.Storage s = st.get(p.storage().key());
            if (s == null) throw new BadInputException(file + ": storage '" + p.storage().key() + "' is used but not stored");
            return TorchUnpickler.build(file, s, p.offset(), p.shape(), p.strides());
        }
        if (depth > 32 || !(o instanceof Map || o instanceof List || o instanceof Object[]) || seen.put(o, Boolean.TRUE) != null) return o;
        if (o instanceof Map<?, ?> m) {
            for (Map.Entry<Object, Object> e : ((Map<Object, Object>) m).entrySet()) e.setValue(resolve(file, e.getValue(), st, seen, depth + 1));
        } else if (o instanceof List<?> l) {
            List<Object> ll = (List<Object>) l;
            for (int i = 0; i < ll.size(); i++) ll.set(i, resolve(file, ll.get(i), st, seen, depth + 1));
        } else {
            Object[] a = (Object[]) o;
            for (int i = 0; i < a.length; i++) a[i] = resolve(file, a[i], st, seen, depth + 1);
        }
        return o;
    }
}
