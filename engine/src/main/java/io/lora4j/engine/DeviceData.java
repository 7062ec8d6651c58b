package io.lora4j.engine;

/**
 * The storage of a tensor that a backend keeps in its own memory (a GPU buffer, say) so that a chain
 * of ops can pass activations from one op to the next without copying them to the Java heap.
 *
 * <p>A tensor over device data ({@link Tensor#onDevice}) behaves like an F32 heap tensor: views share
 * the storage, and the first host read ({@link Tensor#array()}, {@link Tensor#get}, {@link
 * Tensor#toFloatArray()}, any op of another backend) calls {@link #hostArray()} once to bring the data
 * to the heap. Backends that own the data read it in place instead. The CPU backends never create
 * device data; for them nothing changes.
 */
public interface DeviceData {
    /** Number of F32 elements in the storage (views index into it with their offset and strides). */
    int size();

    /**
     * The contents as a heap array of {@link #size()} elements, downloaded on the first call and the
     * same array on every later call (callers treat it as read-only).
     */
    float[] hostArray();

    /**
     * A contiguous copy of {@code view} (a view of this storage) that stays on the device, or null when
     * the owner cannot make one; then {@link Tensor#contiguous()} copies on the host.
     */
    default Tensor contiguous(Tensor view) {
        return null;
    }
}
