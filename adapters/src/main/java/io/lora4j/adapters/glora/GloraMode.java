package io.lora4j.adapters.glora;

import io.lora4j.engine.BadInputException;

/**
 * The mode of one GLoRA path, written as the reference writes it: {@code "LoRA_4"}, {@code "vector"},
 * {@code "constant"}, {@code "none"}. {@code rank} is the LoRA rank r (0 for the other kinds).
 */
public record GloraMode(Kind kind, int rank) {
    public enum Kind { LORA, VECTOR, CONSTANT, NONE }

    public static final GloraMode VECTOR = new GloraMode(Kind.VECTOR, 0);
    public static final GloraMode CONSTANT = new GloraMode(Kind.CONSTANT, 0);
    public static final GloraMode NONE = new GloraMode(Kind.NONE, 0);

    public GloraMode {
        if (kind == null) throw new IllegalArgumentException("kind is null");
        if (kind == Kind.LORA && rank < 1) throw new IllegalArgumentException("LoRA rank must be ≥ 1, got " + rank);
        if (kind != Kind.LORA && rank != 0) throw new IllegalArgumentException(kind + " has no rank");
    }

    /** LoRA of rank r. */
    public static GloraMode lora(int r) {
        return new GloraMode(Kind.LORA, r);
    }

    /** Parses the reference's mode string; a {@link BadInputException} naming {@code where} if it is not one. */
    public static GloraMode parse(String s, String where) {
        if (s == null) throw new BadInputException(where + ": missing mode (expected \"LoRA_<r>\", \"vector\", \"constant\" or \"none\")");
        switch (s) {
            case "vector": return VECTOR;
            case "constant": return CONSTANT;
            case "none": return NONE;
            default:
                if (s.startsWith("LoRA_")) {
                    try {
                        int r = Integer.parseInt(s.substring(5));
                        if (r >= 1) return lora(r);
                    } catch (NumberFormatException ignored) {
                        // fall through to the error below
                    }
                }
                throw new BadInputException(where + ": unknown mode \"" + s + "\" (expected \"LoRA_<r>\" with r ≥ 1, \"vector\", \"constant\" or \"none\")");
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case LORA -> "LoRA_" + rank;
            case VECTOR -> "vector";
            case CONSTANT -> "constant";
            case NONE -> "none";
        };
    }
}
