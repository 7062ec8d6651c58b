package io.lora4j.adapters.glora;

import java.util.EnumSet;
import java.util.Set;

/**
 * The five GLoRA paths of a layer and the modes each may take (METHODS.md §2):
 * A, B: LoRA, vector, constant, none; C: LoRA, vector, none; D, E: vector, constant, none.
 */
public enum GloraPath {
    A(EnumSet.of(GloraMode.Kind.LORA, GloraMode.Kind.VECTOR, GloraMode.Kind.CONSTANT, GloraMode.Kind.NONE)),
    B(EnumSet.of(GloraMode.Kind.LORA, GloraMode.Kind.VECTOR, GloraMode.Kind.CONSTANT, GloraMode.Kind.NONE)),
    C(EnumSet.of(GloraMode.Kind.LORA, GloraMode.Kind.VECTOR, GloraMode.Kind.NONE)),
    D(EnumSet.of(GloraMode.Kind.VECTOR, GloraMode.Kind.CONSTANT, GloraMode.Kind.NONE)),
    E(EnumSet.of(GloraMode.Kind.VECTOR, GloraMode.Kind.CONSTANT, GloraMode.Kind.NONE));

    private final Set<GloraMode.Kind> allowed;

    GloraPath(Set<GloraMode.Kind> allowed) {
        this.allowed = allowed;
    }

    /** The mode kinds this path may take. */
    public Set<GloraMode.Kind> allowed() {
        return EnumSet.copyOf(allowed);
    }

    public boolean allows(GloraMode.Kind kind) {
        return allowed.contains(kind);
    }

    /**
     * The modes a search chooses among for this path with supernet rank R, in the reference's order:
     * A, B: LoRA_R, vector, constant, none; C: LoRA_R, vector, none; D, E: vector, constant, none
     * (4·4·3·3·3 = 432 configurations per layer).
     */
    public java.util.List<GloraMode> choices(int rank) {
        java.util.List<GloraMode> c = new java.util.ArrayList<>();
        if (allows(GloraMode.Kind.LORA)) c.add(GloraMode.lora(rank));
        c.add(GloraMode.VECTOR);
        if (allows(GloraMode.Kind.CONSTANT)) c.add(GloraMode.CONSTANT);
        c.add(GloraMode.NONE);
        return c;
    }

    /**
     * Parameters this path adds to a layer with {@code out} outputs and {@code in} inputs in {@code mode}
     * (METHODS.md "Parameter count"): A, B: LoRA (O+I)·r, vector O, constant 1; C: LoRA (I+1)·r,
     * vector I; D, E: vector O, constant 1; none 0.
     */
    public long paramCount(GloraMode mode, int out, int in) {
        return switch (mode.kind()) {
            case NONE -> 0;
            case CONSTANT -> 1;
            case VECTOR -> this == C ? in : out;
            case LORA -> this == C ? (long) (in + 1) * mode.rank() : (long) (out + in) * mode.rank();
        };
    }
}
