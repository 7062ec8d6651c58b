package io.lora4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.tokenizer.Encoding;
import io.lora4j.models.tokenizer.Pipeline;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lora4j tokenize}: ids and pieces of texts (or texts of ids), to check tokenization against Python. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Tokenizes texts with a model's tokenizer (tokenizer.json, else spiece.model) and prints ids, "
                + "pieces and the decoded text, as HF's tokenizer(text).input_ids and tokenizer.decode(ids) give them.",
                "With --decode, each input is a list of ids (separated by spaces or commas) and the text is printed."})
public final class TokenizeCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model directory (or a tokenizer.json / spiece.model file).")
    Path model;

    @Option(names = "--text", paramLabel = "TEXT", description = "A text to tokenize (repeatable).")
    List<String> texts = new ArrayList<>();

    @Option(names = "--input-file", paramLabel = "FILE", description = "Tokenize each line of FILE (UTF-8).")
    Path inputFile;

    @Option(names = "--decode", description = "Inputs are token ids; print their text.")
    boolean decode;

    @Option(names = "--keep-special", description = "Keep special tokens (</s>, <pad>, <extra_id_N> ...) when decoding.")
    boolean keepSpecial;

    @Option(names = "--no-special", description = "Do not append the post-processor's tokens (</s>) when encoding.")
    boolean noSpecial;

    @Option(names = "--pipeline", defaultValue = "file", paramLabel = "file|transformers",
            description = {"How to read tokenizer.json: 'file' as written (HF tokenizers, transformers 4; default) or",
                    "'transformers' as transformers 5's T5Tokenizer rebuilds it (they differ only for older Hub files)."})
    String pipeline;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to tokenize (or id lists with --decode).")
    List<String> positional = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        List<String> inputs = new ArrayList<>(texts);
        inputs.addAll(positional);
        if (inputFile != null) {
            if (!Files.isRegularFile(inputFile)) throw new BadInputException(inputFile + ": no such file");
            inputs.addAll(Files.readAllLines(inputFile, StandardCharsets.UTF_8));
        }
        if (inputs.isEmpty()) throw new BadInputException("nothing to tokenize: give TEXT arguments, --text or --input-file");
        Pipeline pipe = switch (pipeline) {
            case "file" -> Pipeline.FILE;
            case "transformers" -> Pipeline.TRANSFORMERS;
            default -> throw new BadInputException("--pipeline must be 'file' or 'transformers', not '" + pipeline + "'");
        };
        T5Tokenizer tok = T5Tokenizer.load(model, pipe);
        PrintWriter out = spec.commandLine().getOut();
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = json.createArrayNode();
        int n = 0;
        for (String in : inputs) {
            n++;
            int[] ids;
            List<String> pieces;
            if (decode) {
                ids = parseIds(in, "input " + n);
                pieces = new ArrayList<>();
                for (int id : ids) pieces.add(tok.idToToken(id));
            } else {
                Encoding e = tok.encodeDetailed(in, !noSpecial);
                ids = e.ids();
                pieces = e.tokens();
            }
            String text = tok.decode(ids, !keepSpecial);
            if (common.json) {
                ObjectNode o = results.addObject();
                if (!decode) o.put("text", in);
                ArrayNode a = o.putArray("ids");
                for (int id : ids) a.add(id);
                ArrayNode p = o.putArray("tokens");
                for (String s : pieces) p.add(s);
                o.put("decoded", text);
            } else {
                if (!decode) out.println("text:    " + json.writeValueAsString(in));
                StringBuilder b = new StringBuilder();
                for (int id : ids) b.append(b.isEmpty() ? "" : " ").append(id);
                out.println("ids:     " + b);
                out.println("tokens:  " + json.writeValueAsString(pieces));
                out.println("decoded: " + json.writeValueAsString(text));
                if (n < inputs.size()) out.println();
            }
        }
        if (common.json) out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(results));
        out.flush();
        return Lora4jCli.EXIT_OK;
    }

    static int[] parseIds(String s, String where) {
        String[] parts = s.trim().replace("[", " ").replace("]", " ").split("[\\s,]+");
        List<Integer> ids = new ArrayList<>();
        for (String p : parts) {
            if (p.isEmpty()) continue;
            try {
                int id = Integer.parseInt(p);
                if (id < 0) throw new NumberFormatException();
                ids.add(id);
            } catch (NumberFormatException e) {
                throw new BadInputException(where + ": '" + p + "' is not a token id (expected non-negative integers separated by spaces or commas)");
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
