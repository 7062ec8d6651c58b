package io.lora4j.tornadovm;

/**
 * Counts what crosses between the host and the device: bytes uploaded (inputs, weights on their first
 * upload, the small size buffers) and downloaded (results read on the host), kernel-graph executions
 * and compiled plans. Guarded by the backend's device lock.
 */
final class TransferStats {
    private long toDevice, toHost, executions, downloads, plans;

    void executed(long uploadedBytes) {
        executions++;
        toDevice += uploadedBytes;
    }

    void uploaded(long bytes) {
        toDevice += bytes;
    }

    void downloaded(long bytes) {
        downloads++;
        toHost += bytes;
    }

    void planBuilt() {
        plans++;
    }

    TornadoVmBackend.Transfers snapshot() {
        return new TornadoVmBackend.Transfers(toDevice, toHost, executions, downloads, plans);
    }

    void reset() {
        toDevice = toHost = executions = downloads = plans = 0;
    }
}
