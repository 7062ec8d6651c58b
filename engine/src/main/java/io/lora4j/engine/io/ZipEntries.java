package io.lora4j.engine.io;

import io.lora4j.engine.BadInputException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The entries of a zip archive held in a (mapped) segment, as byte ranges of that segment, so stored
 * (uncompressed) entries can be viewed without copying. torch.save writes exactly such archives
 * (stored, 64-byte aligned, ZIP64 when large). Compressed entries are rejected. Every offset is
 * bounds-checked; failures are {@link BadInputException}s.
 */
final class ZipEntries {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_ENTRIES = 1_000_000;

    private ZipEntries() {}

    /** True if the segment starts like a zip archive (local file header signature). */
    static boolean looksLikeZip(MemorySegment s) {
        return s.byteSize() >= 4 && s.get(I32, 0) == 0x04034b50;
    }

    /** Name → data slice of every entry, in central-directory order. */
    static Map<String, MemorySegment> read(String file, MemorySegment z) {
        long size = z.byteSize();
        long eocd = -1;
        for (long p = size - 22; p >= Math.max(0, size - 22 - 65535); p--) {
            if (z.get(I32, p) == 0x06054b50) {
                eocd = p;
                break;
            }
        }
        if (eocd < 0) throw bad(file, "zip end-of-central-directory record not found (truncated?)");
        long count = u16(z, eocd + 10);
        long cdSize = u32(z, eocd + 12);
        long cdOff = u32(z, eocd + 16);
        if (count == 0xffff || cdOff == 0xffffffffL || cdSize == 0xffffffffL) {
            long loc = eocd - 20;
            if (loc < 0 || z.get(I32, loc) != 0x07064b50) throw bad(file, "zip64 locator missing");
            long rec = z.get(I64, loc + 8);
            check(file, rec, 56, size, "zip64 end record");
            if (z.get(I32, rec) != 0x06064b50) throw bad(file, "zip64 end record has a bad signature");
            count = z.get(I64, rec + 32);
            cdSize = z.get(I64, rec + 40);
            cdOff = z.get(I64, rec + 48);
        }
        if (count < 0 || count > MAX_ENTRIES) throw bad(file, "zip claims " + count + " entries");
        check(file, cdOff, cdSize, size, "central directory");
        Map<String, MemorySegment> out = new LinkedHashMap<>();
        long p = cdOff;
        for (long i = 0; i < count; i++) {
            check(file, p, 46, size, "central directory entry " + i);
            if (z.get(I32, p) != 0x02014b50) throw bad(file, "central directory entry " + i + " has a bad signature");
            int method = u16(z, p + 10);
            long csize = u32(z, p + 20), usize = u32(z, p + 24);
            int nameLen = u16(z, p + 28), extraLen = u16(z, p + 30), commentLen = u16(z, p + 32);
            long local = u32(z, p + 42);
            check(file, p + 46, (long) nameLen + extraLen + commentLen, size, "central directory entry " + i);
            String name = new String(z.asSlice(p + 46, nameLen).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
            long e = p + 46 + nameLen, eEnd = e + extraLen;
            while (e + 4 <= eEnd) {
                int id = u16(z, e), len = u16(z, e + 2);
                if (e + 4 + len > eEnd) break;
                if (id == 0x0001) {
                    long q = e + 4, qEnd = q + len;
                    if (usize == 0xffffffffL && q + 8 <= qEnd) { usize = z.get(I64, q); q += 8; }
                    if (csize == 0xffffffffL && q + 8 <= qEnd) { csize = z.get(I64, q); q += 8; }
                    if (local == 0xffffffffL && q + 8 <= qEnd) { local = z.get(I64, q); }
                }
                e += 4 + len;
            }
            p = eEnd + commentLen;
            if (method != 0) throw bad(file, "zip entry '" + name + "' is compressed (method " + method + "); torch.save writes stored entries");
            if (csize != usize) throw bad(file, "zip entry '" + name + "' has different stored and original sizes");
            check(file, local, 30, size, "local header of '" + name + "'");
            if (z.get(I32, local) != 0x04034b50) throw bad(file, "local header of zip entry '" + name + "' has a bad signature");
            long data = local + 30 + u16(z, local + 26) + u16(z, local + 28);
            check(file, data, csize, size, "data of zip entry '" + name + "'");
            if (out.put(name, z.asSlice(data, csize)) != null) throw bad(file, "zip entry '" + name + "' appears twice");
        }
        return out;
    }

    private static int u16(MemorySegment z, long p) {
        return z.get(I16, p) & 0xffff;
    }

    private static long u32(MemorySegment z, long p) {
        return z.get(I32, p) & 0xffffffffL;
    }

    private static void check(String file, long off, long len, long size, String what) {
        if (off < 0 || len < 0 || off > size || len > size - off) {
            throw bad(file, what + " at [" + off + ", +" + len + ") lies outside the " + size + "-byte file (truncated?)");
        }
    }

    private static BadInputException bad(String file, String what) {
        return new BadInputException(file + ": " + what);
    }
}
