package io.lora4j.models.nn;

/**
 * Replaces linear layers of a model by name: models offer {@code withLinears(LinearRewriter)} returning a
 * new model that shares all other weights. Return {@code original} to keep a layer.
 */
@FunctionalInterface
public interface LinearRewriter {
    Linear rewrite(String name, Linear original);
}
