package io.lora4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.GenerationConfig;
import io.lora4j.models.t5.GenerationResult;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.tokenizer.BatchEncoding;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lora4j generate}: text to text with a T5 model (greedy or beam search, as HF generate). */
@Command(name = "generate", description = {
        "Generate text with a T5 / FLAN-T5 model directory (config.json, weights, tokenizer.json or spiece.model).",
        "Inputs: TEXT arguments, --prompt, or --input-file (jsonl with \"input\" or \"context\", else one text per line).",
        "Prints one output per input (special tokens skipped), or JSON with --json."})
public final class GenerateCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--prompt", paramLabel = "TEXT", description = "An input text (repeatable).")
    List<String> prompts = new ArrayList<>();

    @Option(names = "--input-file", paramLabel = "FILE", description = "Inputs: .jsonl ({\"input\"} or {\"context\"} per line) or plain text (one per line).")
    Path inputFile;

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Input texts.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--max-new-tokens", paramLabel = "N", defaultValue = "64", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--num-beams", paramLabel = "K", defaultValue = "1", description = "Beam width; 1 = greedy (default).")
    int numBeams;

    @Option(names = "--length-penalty", paramLabel = "F", defaultValue = "1.0", description = "Beam score = logprob sum / length^F (default 1.0).")
    float lengthPenalty;

    @Option(names = "--early-stopping", paramLabel = "true|false|never", defaultValue = "false", description = "HF's early_stopping for beam search (default false).")
    String earlyStopping;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "8", description = "Inputs decoded together (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<String> inputs = new ArrayList<>(prompts);
        inputs.addAll(texts);
        if (inputFile != null) {
            if (inputFile.toString().endsWith(".jsonl")) {
                for (Seq2SeqExamples.Example e : Seq2SeqExamples.read(inputFile, false)) inputs.add(e.input());
            } else {
                for (String l : java.nio.file.Files.readAllLines(inputFile)) if (!l.isBlank()) inputs.add(l);
            }
        }
        if (inputs.isEmpty()) throw new BadInputException("no input: give TEXT, --prompt or --input-file");
        if (batchSize < 1) throw new BadInputException("--batch-size must be at least 1");
        GenerationConfig.EarlyStopping es = switch (earlyStopping.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> GenerationConfig.EarlyStopping.TRUE;
            case "false" -> GenerationConfig.EarlyStopping.FALSE;
            case "never" -> GenerationConfig.EarlyStopping.NEVER;
            default -> throw new BadInputException("--early-stopping must be true, false or never, got '" + earlyStopping + "'");
        };
        GenerationConfig gen = new GenerationConfig(maxNewTokens, numBeams, lengthPenalty, es);
        T5Tokenizer tok = T5Tokenizer.load(model.dir);
        List<String> outputs = new ArrayList<>();
        List<int[]> tokens = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Backend be = common.openBackend()) {
            T5ForConditionalGeneration m = T5Models.load(be, model.dir, model.adapters);
            try (ProgressBar bar = new ProgressBar("generate", inputs.size(), common.quiet)) {
            for (int i = 0; i < inputs.size(); i += batchSize) {
                List<String> batch = inputs.subList(i, Math.min(inputs.size(), i + batchSize));
                BatchEncoding enc = tok.encodeBatch(batch, 0, true);
                GenerationResult r = m.generate(be, enc.ids(), enc.attentionMask(), gen, ForwardContext.NONE);
                for (int[] t : r.tokens()) {
                    tokens.add(t);
                    outputs.add(tok.decode(t, true));
                }
                bar.update(i + batch.size(), "");
            }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = om.createObjectNode();
            ArrayNode arr = root.putArray("outputs");
            for (int i = 0; i < inputs.size(); i++) {
                ObjectNode o = arr.addObject().put("input", inputs.get(i)).put("output", outputs.get(i));
                ArrayNode ids = o.putArray("tokens");
                for (int t : tokens.get(i)) ids.add(t);
            }
            root.put("seconds", secs);
            out.println(om.writeValueAsString(root));
        } else {
            for (String s : outputs) out.println(s);
        }
        out.flush();
        return 0;
    }
}
