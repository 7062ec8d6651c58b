package io.lora4j.models.t5;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Input/output text pairs from a jsonl file: one object per line with {"input", "output"} or the BBH layout
 * {"context", "completion"}. Blank lines are skipped; anything else is an error naming the line.
 */
public final class Seq2SeqExamples {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One example. */
    public record Example(String input, String output) {}

    private Seq2SeqExamples() {}

    /** Reads every example of {@code file}; {@code needOutput}: a line without an output is an error. */
    public static List<Example> read(Path file, boolean needOutput) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BadInputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) continue;
            String where = file + ":" + (i + 1);
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new BadInputException(where + ": not a JSON object: " + e.getOriginalMessage());
            }
            if (n == null || !n.isObject()) throw new BadInputException(where + ": expected a JSON object");
            String in = text(n, where, "input", "context");
            String o = text(n, where, "output", "completion");
            if (in == null) throw new BadInputException(where + ": missing string field \"input\" (or \"context\")");
            if (o == null && needOutput) throw new BadInputException(where + ": missing string field \"output\" (or \"completion\")");
            out.add(new Example(in, o));
        }
        if (out.isEmpty()) throw new BadInputException(file + ": no examples");
        return out;
    }

    private static String text(JsonNode n, String where, String a, String b) {
        JsonNode v = n.has(a) ? n.get(a) : n.get(b);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw new BadInputException(where + ": field \"" + (n.has(a) ? a : b) + "\" must be a string");
        return v.asText();
    }
}
