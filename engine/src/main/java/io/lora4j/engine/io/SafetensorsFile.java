package io.lora4j.engine.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file, memory-mapped: an 8-byte little-endian header length, a UTF-8 JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data area.
 * Tensors are zero-copy views of the mapping. The mapping lives as long as any tensor of it is reachable.
 */
public final class SafetensorsFile implements TensorSource {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}; a {@link BadInputException} naming the file and the problem if it is malformed. */
    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (headerLen < 2 || headerLen > 100_000_000L) throw bad(path, "header length " + headerLen + " is outside [2, 100000000]");
            if (8 + headerLen > size) throw bad(path, "header length " + headerLen + " runs past the end of the " + size + "-byte file");
            byte[] hb = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
            JsonNode header;
            try {
                String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(hb)).toString();
                header = JSON.readTree(text);
            } catch (java.nio.charset.CharacterCodingException e) {
                throw bad(path, "header is not valid UTF-8");
            } catch (IOException e) {
                throw bad(path, "header is not valid JSON: " + e.getMessage());
            }
            if (header == null || !header.isObject()) throw bad(path, "header is not a JSON object");
            MemorySegment data = all.asSlice(8 + headerLen);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    if (!e.getValue().isObject()) throw bad(path, "__metadata__ is not an object");
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), data));
            }
            return new SafetensorsFile(path, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(meta));
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }

    private static Tensor parseEntry(Path path, String name, JsonNode n, MemorySegment data) {
        if (!n.isObject()) throw bad(path, "tensor '" + name + "': entry is not an object");
        DType dtype = DType.fromSafetensors(n.path("dtype").asText(null));
        if (dtype == null) throw bad(path, "tensor '" + name + "': unknown dtype " + n.get("dtype"));
        JsonNode shapeNode = n.get("shape"), offs = n.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(path, "tensor '" + name + "': missing shape");
        if (offs == null || !offs.isArray() || offs.size() != 2) throw bad(path, "tensor '" + name + "': data_offsets must be [begin, end]");
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) throw bad(path, "tensor '" + name + "': bad dimension " + d);
            shape[i] = (int) d.asLong();
            numel = Math.multiplyExact(numel, shape[i]);
        }
        long begin = offs.get(0).asLong(-1), end = offs.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > data.byteSize()) {
            throw bad(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end + "] outside the " + data.byteSize() + "-byte data area");
        }
        if ((end - begin) != numel * dtype.byteSize()) {
            throw bad(path, "tensor '" + name + "': shape " + java.util.Arrays.toString(shape) + " of " + dtype + " needs "
                    + numel * dtype.byteSize() + " bytes but data_offsets span " + (end - begin));
        }
        return Tensor.ofSegment(data.asSlice(begin, end - begin), dtype, shape);
    }

    private static BadInputException bad(Path path, String what) {
        return new BadInputException(path + ": " + what);
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
        return path.toString();
    }
}
