package io.lora4j.engine.io;

import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** An InputStream over a (mapped) segment, with mark/reset, an exact {@link #available()} and its position. */
final class SegmentInputStream extends InputStream {
    private final MemorySegment s;
    private long pos, mark;

    SegmentInputStream(MemorySegment s, long start) {
        this.s = s;
        this.pos = start;
    }

    long position() {
        return pos;
    }

    @Override
    public int read() {
        return pos < s.byteSize() ? s.get(ValueLayout.JAVA_BYTE, pos++) & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (len == 0) return 0;
        long left = s.byteSize() - pos;
        if (left <= 0) return -1;
        int n = (int) Math.min(len, left);
        MemorySegment.copy(s, ValueLayout.JAVA_BYTE, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return (int) Math.min(Integer.MAX_VALUE, s.byteSize() - pos);
    }

    @Override
    public long skip(long n) {
        long k = Math.max(0, Math.min(n, s.byteSize() - pos));
        pos += k;
        return k;
    }

    @Override
    public boolean markSupported() {
        return true;
    }

    @Override
    public synchronized void mark(int limit) {
        mark = pos;
    }

    @Override
    public synchronized void reset() {
        pos = mark;
    }
}
