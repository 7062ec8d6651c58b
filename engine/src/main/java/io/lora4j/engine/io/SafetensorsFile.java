package io.lora4j.engine.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file, memory-mapped through FFM: an 8-byte little-endian header length N, N bytes of
 * UTF-8 JSON {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}},
 * then the data area. Tensors are zero-copy views of the mapping, which lives as long as any tensor of
 * it is reachable ({@link Arena#ofAuto()}).
 *
 * <p>Everything is validated before a byte of data is trusted: header length (at most 100 MB and
 * inside the file), UTF-8, JSON object, no duplicate names, known dtype, non-negative shape whose
 * element count times the dtype size equals the byte span, offsets inside the data area, and no two
 * tensors overlapping. Each failure is a {@link BadInputException} naming the file, the tensor and the problem.
 */
public final class SafetensorsFile implements TensorSource {
    /** Largest header accepted (the safetensors library's own limit). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    static final ObjectMapper JSON = new ObjectMapper();

    static {
        JSON.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JSON.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build());
    }

    /** One tensor's header entry: dtype, shape and its byte range within the data area. */
    public record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        public long byteSize() {
            return end - begin;
        }
    }

    private final Path path;
    private final Map<String, Entry> entries;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Map<String, Entry> entries, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.entries = entries;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps and validates {@code path}; a {@link BadInputException} naming the file and the problem if it is malformed. */
    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw bad(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, Arena.ofAuto());
            return parse(path, all);
        } catch (NoSuchFileException e) {
            throw new BadInputException(path + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": " + e.getMessage(), e);
        }
    }

    /** Parses an in-memory safetensors image (tests, or bytes from elsewhere); views share {@code bytes}. */
    public static SafetensorsFile parse(Path nameForErrors, MemorySegment all) {
        Path path = nameForErrors;
        long size = all.byteSize();
        if (size < 8) throw bad(path, "file is " + size + " bytes, shorter than the 8-byte header length");
        long headerLen = all.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
        if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
            throw bad(path, "header length " + Long.toUnsignedString(headerLen) + " is outside [2, " + MAX_HEADER_BYTES + "] (truncated or not a safetensors file?)");
        }
        if (8 + headerLen > size) throw bad(path, "header length " + headerLen + " runs past the end of the " + size + "-byte file (truncated?)");
        byte[] hb = all.asSlice(8, headerLen).toArray(ValueLayout.JAVA_BYTE);
        JsonNode header;
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(hb)).toString();
            header = JSON.readTree(text);
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        } catch (IOException e) {
            throw bad(path, "header is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (header == null || !header.isObject()) throw bad(path, "header is not a JSON object");
        MemorySegment data = all.asSlice(8 + headerLen);
        Map<String, Entry> entries = new LinkedHashMap<>();
        Map<String, String> meta = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) throw bad(path, "__metadata__ is not an object of strings");
                for (Iterator<Map.Entry<String, JsonNode>> m = e.getValue().fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) throw bad(path, "__metadata__ value of '" + kv.getKey() + "' is not a string");
                    meta.put(kv.getKey(), kv.getValue().asText());
                }
                continue;
            }
            entries.put(e.getKey(), parseEntry(path, e.getKey(), e.getValue(), data.byteSize()));
        }
        checkOverlaps(path, entries.values());
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries.values()) {
            tensors.put(en.name(), Tensor.ofSegment(data.asSlice(en.begin(), en.byteSize()), en.dtype(), en.shape()));
        }
        return new SafetensorsFile(path, Collections.unmodifiableMap(entries), Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(meta));
    }

    private static Entry parseEntry(Path path, String name, JsonNode n, long dataSize) {
        String what = "tensor '" + name + "': ";
        if (!n.isObject()) throw bad(path, what + "entry is not an object");
        JsonNode dt = n.get("dtype");
        if (dt == null || !dt.isTextual()) throw bad(path, what + "missing string field 'dtype'");
        DType dtype = DType.fromSafetensors(dt.asText());
        if (dtype == null || !dt.asText().equals(dtype.name())) {
            throw bad(path, what + "unknown dtype '" + dt.asText() + "' (expected one of " + Arrays.toString(DType.values()) + ")");
        }
        JsonNode shapeNode = n.get("shape"), offs = n.get("data_offsets");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(path, what + "missing array field 'shape'");
        if (offs == null || !offs.isArray() || offs.size() != 2) throw bad(path, what + "data_offsets must be [begin, end]");
        if (shapeNode.size() > 16) throw bad(path, what + "rank " + shapeNode.size() + " is more than 16");
        int[] shape = new int[shapeNode.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                throw bad(path, what + "dimension " + i + " is " + d + ", expected an integer in [0, 2^31)");
            }
            shape[i] = (int) d.asLong();
            numel = numel > 0 && shape[i] > Long.MAX_VALUE / 16 / numel ? Long.MAX_VALUE / 16 : numel * shape[i];
        }
        for (int i = 0; i < 2; i++) {
            if (!offs.get(i).isIntegralNumber() || !offs.get(i).canConvertToLong()) throw bad(path, what + "data_offsets[" + i + "] is not an integer");
        }
        long begin = offs.get(0).asLong(), end = offs.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw bad(path, what + "data_offsets [" + begin + ", " + end + "] outside the " + dataSize + "-byte data area (truncated?)");
        }
        long need = numel * dtype.byteSize();
        if (end - begin != need) {
            throw bad(path, what + "shape " + Arrays.toString(shape) + " of " + dtype + " needs " + need
                    + " bytes but data_offsets span " + (end - begin));
        }
        if (numel > Integer.MAX_VALUE - 16) throw bad(path, what + numel + " elements; tensors of 2^31 or more elements are not supported");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static void checkOverlaps(Path path, java.util.Collection<Entry> entries) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.removeIf(e -> e.byteSize() == 0);
        sorted.sort(Comparator.comparingLong(Entry::begin));
        for (int i = 1; i < sorted.size(); i++) {
            Entry a = sorted.get(i - 1), b = sorted.get(i);
            if (b.begin() < a.end()) {
                throw bad(path, "tensors '" + a.name() + "' [" + a.begin() + ", " + a.end() + ") and '" + b.name() + "' ["
                        + b.begin() + ", " + b.end() + ") overlap");
            }
        }
    }

    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static BadInputException bad(Path path, String what) {
        return new BadInputException(path + ": " + what);
    }

    /** The header entries (dtype, shape, byte range) in file order. */
    public Map<String, Entry> entries() {
        return entries;
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
