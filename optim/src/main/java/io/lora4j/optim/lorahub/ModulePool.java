package io.lora4j.optim.lorahub;

import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraConfig;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Choosing the LoRA modules of a LoRAHub run: given directories, or K sampled (seeded) from a folder of them. */
public final class ModulePool {
    private ModulePool() {}

    /** The adapter directories directly inside {@code folder} (those with an adapter_config.json), sorted by name. */
    public static List<Path> list(Path folder) {
        if (!Files.isDirectory(folder)) throw new BadInputException(folder + ": not a directory of LoRA modules");
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(p -> Files.isRegularFile(p.resolve(LoraConfig.FILE_NAME))).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(folder + ": " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new BadInputException(folder + ": no LoRA module directories (with " + LoraConfig.FILE_NAME + ") inside");
        return out;
    }

    /** {@code k} module directories of {@code folder} drawn without replacement with {@code seed}, in drawn order (k ≤ 0: all). */
    public static List<Path> sample(Path folder, int k, long seed) {
        List<Path> all = new ArrayList<>(list(folder));
        if (k <= 0 || k >= all.size()) {
            if (k > all.size()) throw new BadInputException("--sample " + k + " but " + folder + " holds only " + all.size() + " LoRA modules");
            return all;
        }
        Collections.shuffle(all, new Random(seed));
        return List.copyOf(all.subList(0, k));
    }

    /** Loads every directory as a PEFT LoRA adapter. */
    public static List<LoraAdapter> load(List<Path> dirs) {
        if (dirs.isEmpty()) throw new BadInputException("no LoRA modules given");
        List<LoraAdapter> out = new ArrayList<>();
        for (Path d : dirs) out.add(LoraAdapter.load(d));
        return out;
    }
}
