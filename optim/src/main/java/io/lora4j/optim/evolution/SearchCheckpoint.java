package io.lora4j.optim.evolution;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.io.AtomicFile;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-generation checkpoint of an {@link EvolutionarySearch}: options, completed generations, every
 * evaluated candidate (text form, fitness, parameters, generation, origin) and the statistics. JSON,
 * written atomically. Doubles are written in their shortest round-trip form, so a resumed run sees
 * exactly the fitness values an uninterrupted one had.
 */
final class SearchCheckpoint {
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    static final int VERSION = 1;

    private SearchCheckpoint() {}

    record State<C>(int completedGenerations, List<Evaluated<C>> evaluated, List<GenerationStats> history) {}

    static <C> void write(Path file, SearchSpace<C> space, EvolutionOptions o, int completed, List<Evaluated<C>> all, List<GenerationStats> history) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", "lora4j-evolution-checkpoint");
        root.put("version", VERSION);
        root.set("options", JSON.valueToTree(o));
        root.put("completed_generations", completed);
        ArrayNode ev = root.putArray("evaluated");
        for (Evaluated<C> e : all) {
            ObjectNode n = ev.addObject();
            n.put("key", e.key());
            n.put("fitness", e.fitness());
            n.put("params", e.params());
            n.put("generation", e.generation());
            n.put("origin", e.origin().name());
        }
        root.set("history", JSON.valueToTree(history));
        try {
            AtomicFile.write(file, JSON.writeValueAsBytes(root));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static <C> State<C> read(Path file, SearchSpace<C> space, EvolutionOptions expected) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new BadInputException(file + ": cannot read the search checkpoint: " + e.getMessage());
        }
        if (root == null || !"lora4j-evolution-checkpoint".equals(root.path("format").asText()) || root.path("version").asInt() != VERSION) {
            throw new BadInputException(file + ": not a lora4j evolution checkpoint (version " + VERSION + ")");
        }
        EvolutionOptions o;
        try {
            o = JSON.treeToValue(root.get("options"), EvolutionOptions.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new BadInputException(file + ": bad 'options': " + e.getMessage());
        }
        // The generation count may grow: generation g draws only from (seed, g), so extending a finished or
        // interrupted search gives exactly the search that was asked for with more generations from the start.
        if (!o.withGenerations(expected.generations()).equals(expected)) {
            throw new BadInputException(file + ": the checkpoint was written with different search options (" + o + ") than this run ("
                    + expected + "); resume with the same options or start afresh without --resume");
        }
        int completed = root.path("completed_generations").asInt(-1);
        if (completed < 0 || completed > o.generations()) throw new BadInputException(file + ": bad 'completed_generations'");
        if (completed > expected.generations()) {
            throw new BadInputException(file + ": the checkpoint already has " + completed + " generations, more than the "
                    + expected.generations() + " asked for");
        }
        List<Evaluated<C>> all = new ArrayList<>();
        for (JsonNode n : root.path("evaluated")) {
            String key = n.path("key").asText();
            C c = space.decode(key);
            if (!space.encode(c).equals(key)) throw new BadInputException(file + ": candidate '" + key + "' does not fit this search space");
            all.add(new Evaluated<>(c, key, n.path("fitness").asDouble(), n.path("params").asLong(), n.path("generation").asInt(),
                    Evaluated.Origin.valueOf(n.path("origin").asText())));
        }
        List<GenerationStats> history = new ArrayList<>();
        try {
            for (JsonNode n : root.path("history")) history.add(JSON.treeToValue(n, GenerationStats.class));
        } catch (IOException e) {
            throw new BadInputException(file + ": bad 'history': " + e.getMessage());
        }
        if (history.size() != completed) throw new BadInputException(file + ": history has " + history.size() + " generations, expected " + completed);
        return new State<>(completed, all, history);
    }
}
