package io.lora4j.tornadovm;

import io.lora4j.engine.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The device ops recorded since the last flush ({@link Resident}): kernel launches whose inputs are
 * outputs of earlier launches of the same trace, host inputs (copied when recorded) or resident
 * weights. {@link #seal()} turns it into an immutable {@link Spec}, which one {@link TracePlan}
 * (one TaskGraph, one task per node) runs; its key is the structure only (kernels, wiring, buffer
 * capacities, weights), so one compiled plan serves every call of the same shape class.
 */
final class Trace {
    enum Kind { GEMM_DIRECT, GEMM_TILED, BINARY, UNARY, SOFTMAX, NORM, GATHER }

    /** Input references: a node index (≥ 0), a host input {@code EXT + j}, a resident weight {@code WEIGHT + j}, or {@code NONE}. */
    static final int NONE = -1, EXT = 1 << 24, WEIGHT = 2 << 24;

    /** One kernel launch: inputs, output size and buffer capacity, the ints of its dims buffer, a float parameter, the global grid. */
    record Node(Kind kind, int[] in, int outSize, int outCap, int[] dims, float param, long gx, long gy) {}

    /** A flushed trace: plan key, nodes, host inputs (snapshots) with their buffer capacities, resident weights. */
    record Spec(Object key, List<Node> nodes, List<float[]> ext, int[] extCaps, List<Tensor> weights) {}

    final List<Node> nodes = new ArrayList<>();
    /** The tensor data each node produces (null for internal gathers); bound to the Spec at the flush. */
    final List<DeviceTensor> outs = new ArrayList<>();
    private final List<float[]> ext = new ArrayList<>();
    private final Map<Object, Integer> extIndex = new HashMap<>();
    private final List<Tensor> weights = new ArrayList<>();
    private final List<WeightKey> weightKeys = new ArrayList<>();
    private final Map<WeightKey, Integer> weightIndex = new HashMap<>();

    /**
     * TornadoVM builds each TaskGraph in a node table of fixed size (1024 entries, TornadoGraph: "resize not
     * implemented"); an upper bound of the entries one op takes (its task, its result buffer's object,
     * allocation, read, copy-out and persist entries, its `at` constant, a KernelContext read) and one host
     * input or weight takes. {@link Resident} ends a trace before the bound reaches {@link #GRAPH_BUDGET}.
     */
    static final int NODES_PER_OP = 10, NODES_PER_INPUT = 3, GRAPH_BUDGET = 1000;

    /** The shared entries: device context, the packed sizes and parameters, the KernelContext, a dummy buffer. */
    private int graphNodes = 16;

    int size() {
        return nodes.size();
    }

    /** Upper bound of the TornadoVM graph entries this trace's TaskGraph takes. */
    int graphNodes() {
        return graphNodes;
    }

    int add(Node n, DeviceTensor out) {
        graphNodes += NODES_PER_OP;
        nodes.add(n);
        outs.add(out);
        return nodes.size() - 1;
    }

    /** The host input known as {@code id} in this trace, its snapshot taken now (by {@code data}) on first use. */
    int ext(Object id, java.util.function.Supplier<float[]> data) {
        Integer j = extIndex.get(id);
        if (j == null) {
            j = ext.size();
            ext.add(data.get());
            graphNodes += NODES_PER_INPUT;
            extIndex.put(id, j);
        }
        return EXT + j;
    }

    float[] extData(int ref) {
        return ext.get(ref - EXT);
    }

    int weight(WeightKey key, Tensor w) {
        Integer j = weightIndex.get(key);
        if (j == null) {
            j = weights.size();
            weights.add(w);
            graphNodes += NODES_PER_INPUT;
            weightKeys.add(key);
            weightIndex.put(key, j);
        }
        return WEIGHT + j;
    }

    Spec seal() {
        StringBuilder sb = new StringBuilder(nodes.size() * 16);
        for (Node n : nodes) {
            sb.append(n.kind.ordinal());
            for (int r : n.in) sb.append(',').append(r);
            sb.append(':').append(n.outCap).append(';');
        }
        int[] caps = new int[ext.size()];
        sb.append('|');
        for (int j = 0; j < caps.length; j++) {
            caps[j] = KernelPlan.capacity(ext.get(j).length);
            sb.append(caps[j]).append(',');
        }
        Object key = List.of("trace", sb.toString(), List.copyOf(weightKeys));
        return new Spec(key, List.copyOf(nodes), List.copyOf(ext), caps, List.copyOf(weights));
    }
}
