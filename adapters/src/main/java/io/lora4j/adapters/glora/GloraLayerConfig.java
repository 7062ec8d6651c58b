package io.lora4j.adapters.glora;

import io.lora4j.engine.BadInputException;

/** The modes of the five paths A..E of one layer. Every mode is legal for its path (checked). */
public record GloraLayerConfig(GloraMode a, GloraMode b, GloraMode c, GloraMode d, GloraMode e) {

    /** The all-"none" configuration: the layer is the pretrained layer. */
    public static final GloraLayerConfig NONE = new GloraLayerConfig(GloraMode.NONE, GloraMode.NONE, GloraMode.NONE, GloraMode.NONE, GloraMode.NONE);

    public GloraLayerConfig {
        GloraMode[] m = {a, b, c, d, e};
        for (GloraPath p : GloraPath.values()) {
            GloraMode x = m[p.ordinal()];
            if (x == null) throw new IllegalArgumentException("mode of path " + p + " is null");
            if (!p.allows(x.kind())) throw new IllegalArgumentException("path " + p + " does not allow mode " + x + "; allowed: " + p.allowed());
        }
    }

    /** From the five mode strings, e.g. {@code of("LoRA_4", "vector", "none", "constant", "none")}. */
    public static GloraLayerConfig of(String a, String b, String c, String d, String e) {
        return of(new GloraMode[] {GloraMode.parse(a, "A"), GloraMode.parse(b, "B"), GloraMode.parse(c, "C"), GloraMode.parse(d, "D"), GloraMode.parse(e, "E")}, "configuration");
    }

    /** From modes indexed by {@link GloraPath#ordinal()}; a {@link BadInputException} naming {@code where} if one is illegal for its path. */
    public static GloraLayerConfig of(GloraMode[] modes, String where) {
        for (GloraPath p : GloraPath.values()) {
            if (!p.allows(modes[p.ordinal()].kind())) {
                throw new BadInputException(where + ": path " + p + " cannot be \"" + modes[p.ordinal()] + "\" (allowed: "
                        + p.allowed().stream().map(k -> k == GloraMode.Kind.LORA ? "LoRA_<r>" : k.name().toLowerCase()).toList() + ")");
            }
        }
        return new GloraLayerConfig(modes[0], modes[1], modes[2], modes[3], modes[4]);
    }

    /** The mode of {@code path}. */
    public GloraMode mode(GloraPath path) {
        return switch (path) {
            case A -> a;
            case B -> b;
            case C -> c;
            case D -> d;
            case E -> e;
        };
    }

    /** The modes indexed by {@link GloraPath#ordinal()}. */
    public GloraMode[] modes() {
        return new GloraMode[] {a, b, c, d, e};
    }

    /** A copy with {@code path} set to {@code mode}. */
    public GloraLayerConfig with(GloraPath path, GloraMode mode) {
        GloraMode[] m = modes();
        m[path.ordinal()] = mode;
        return new GloraLayerConfig(m[0], m[1], m[2], m[3], m[4]);
    }

    /** The largest LoRA rank any path uses (0 if none). */
    public int maxRank() {
        int r = 0;
        for (GloraMode m : modes()) r = Math.max(r, m.rank());
        return r;
    }

    /** Parameters of this configuration on a layer with {@code out} outputs and {@code in} inputs (METHODS.md). */
    public long paramCount(int out, int in) {
        long n = 0;
        for (GloraPath p : GloraPath.values()) n += p.paramCount(mode(p), out, in);
        return n;
    }

    @Override
    public String toString() {
        return "{A=" + a + ", B=" + b + ", C=" + c + ", D=" + d + ", E=" + e + "}";
    }
}
