package io.lora4j.engine.io;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import java.util.Map;
import java.util.Set;

/**
 * Named tensors from one or more weight files (a safetensors file, a sharded checkpoint, a PyTorch
 * state dict). Tensors are views of the mapped files where the format allows (no copy).
 * Thread-safe once opened.
 */
public interface TensorSource extends AutoCloseable {

    /** Every tensor name, in file order. */
    Set<String> names();

    /** The tensor called {@code name}, or null if absent. */
    Tensor find(String name);

    /** The file-level metadata ({@code __metadata__} of safetensors); empty if none. */
    Map<String, String> metadata();

    /** A description of where the tensors come from, for error messages (a path). */
    String origin();

    default boolean contains(String name) {
        return find(name) != null;
    }

    /** The tensor called {@code name}; a {@link BadInputException} naming it and the origin if absent. */
    default Tensor get(String name) {
        Tensor t = find(name);
        if (t == null) throw new BadInputException(origin() + ": missing tensor '" + name + "'");
        return t;
    }

    /**
     * The tensor called {@code name}, checked to have exactly {@code shape}; a {@link BadInputException}
     * naming tensor, origin, expected and actual shape otherwise.
     */
    default Tensor get(String name, int... shape) {
        Tensor t = get(name);
        if (!java.util.Arrays.equals(t.shape(), shape)) {
            throw new BadInputException(origin() + ": tensor '" + name + "' has shape " + java.util.Arrays.toString(t.shape())
                    + ", expected " + java.util.Arrays.toString(shape));
        }
        return t;
    }

    /**
     * The tensors whose names start with {@code prefix}, renamed without it (e.g. {@code "state_dict."} or
     * {@code "base_model.model."}); metadata is kept.
     */
    default TensorSource withPrefix(String prefix) {
        return Checkpoints.prefixed(this, prefix);
    }

    @Override
    default void close() {}
}
