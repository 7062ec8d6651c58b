package io.lora4j.adapters.glora;

/** An adapted linear layer: its name (the weight name without ".weight"), outputs O and inputs I. */
public record LayerShape(String name, int out, int in) {
    public LayerShape {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("layer name is empty");
        if (out < 1 || in < 1) throw new IllegalArgumentException(name + ": bad shape [" + out + ", " + in + "]");
    }
}
