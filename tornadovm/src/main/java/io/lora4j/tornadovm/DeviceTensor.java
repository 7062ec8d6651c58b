package io.lora4j.tornadovm;

import io.lora4j.engine.DeviceData;
import io.lora4j.engine.Tensor;

/**
 * The output of one recorded device op ({@link Resident}): pending until its trace is flushed, then
 * held in its {@link TracePlan}'s buffer. The first host read downloads it (flushing the trace if
 * needed; re-running the trace if its plan has run another call since); later reads get the same array.
 * Guarded by the backend's device lock.
 */
final class DeviceTensor implements DeviceData {
    final Resident owner;
    private final int size;
    /** Node index in its trace. */
    final int node;
    /** The flushed trace that computes this tensor; null while pending. */
    Trace.Spec spec;
    float[] host;

    DeviceTensor(Resident owner, int size, int node) {
        this.owner = owner;
        this.size = size;
        this.node = node;
    }

    boolean pending() {
        return spec == null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public float[] hostArray() {
        return owner.hostArray(this);
    }

    @Override
    public Tensor contiguous(Tensor view) {
        return owner.contiguousOnDevice(this, view);
    }
}
