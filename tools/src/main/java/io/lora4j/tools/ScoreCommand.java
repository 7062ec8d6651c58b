package io.lora4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.nn.ForwardContext;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.t5.T5Scores;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lora4j score}: teacher-forced cross-entropy of targets given inputs (the LoRAHub objective). */
@Command(name = "score", description = {
        "Teacher-forced cross-entropy of output texts given input texts with a T5 model.",
        "Prints per-example token-mean losses, the token-mean over all target tokens and the LoRAHub loss",
        "(the sum over batches of each batch's token-mean, divided by the number of examples; METHODS.md §1)."})
public final class ScoreCommand implements Callable<Integer> {
    @Mixin
    ModelOptions model;

    @Option(names = "--examples", paramLabel = "F.jsonl", description = "Examples: {\"input\",\"output\"} or {\"context\",\"completion\"} per line.")
    Path examples;

    @Option(names = "--input", paramLabel = "TEXT", description = "One input text (with --target).")
    String input;

    @Option(names = "--target", paramLabel = "TEXT", description = "Its target text.")
    String target;

    @Option(names = "--batch-size", paramLabel = "N", description = "Examples per batch (default: all in one batch).")
    Integer batchSize;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        List<Seq2SeqExamples.Example> ex = new ArrayList<>();
        if (examples != null) ex.addAll(Seq2SeqExamples.read(examples, true));
        if (input != null || target != null) {
            if (input == null || target == null) throw new BadInputException("--input and --target go together");
            ex.add(new Seq2SeqExamples.Example(input, target));
        }
        if (ex.isEmpty()) throw new BadInputException("no examples: give --examples F.jsonl or --input TEXT --target TEXT");
        int bs = batchSize == null ? ex.size() : batchSize;
        if (bs < 1) throw new BadInputException("--batch-size must be at least 1");
        T5Tokenizer tok = T5Tokenizer.load(model.dir);
        double[] losses = new double[ex.size()];
        int[] counts = new int[ex.size()];
        double sumOfBatchMeans = 0, tokenSum = 0;
        long tokenCount = 0;
        long t0 = System.nanoTime();
        try (Backend be = common.openBackend()) {
            T5ForConditionalGeneration m = T5Models.load(be, model.dir, model.adapters);
            for (int i = 0; i < ex.size(); i += bs) {
                int n = Math.min(bs, ex.size() - i);
                int[][] in = new int[n][], out = new int[n][];
                for (int j = 0; j < n; j++) {
                    in[j] = tok.encode(ex.get(i + j).input());
                    out[j] = tok.encode(ex.get(i + j).output());
                }
                T5Scores s = m.score(be, in, out, ForwardContext.NONE);
                sumOfBatchMeans += s.batchLoss();
                for (int j = 0; j < n; j++) {
                    losses[i + j] = s.exampleLoss(j);
                    counts[i + j] = s.tokenCount()[j];
                    tokenSum += s.tokenLossSum()[j];
                }
                tokenCount += s.totalTokens();
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        double lorahub = sumOfBatchMeans / ex.size(), tokenMean = tokenSum / tokenCount;
        PrintWriter pw = spec.commandLine().getOut();
        if (common.json) {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            ObjectNode root = om.createObjectNode();
            root.put("lorahub_loss", lorahub).put("token_mean_loss", tokenMean).put("examples", ex.size()).put("batch_size", bs);
            ArrayNode arr = root.putArray("per_example");
            for (int i = 0; i < ex.size(); i++) arr.addObject().put("loss", losses[i]).put("target_tokens", counts[i]);
            root.put("seconds", secs);
            pw.println(om.writeValueAsString(root));
        } else {
            for (int i = 0; i < ex.size(); i++) pw.printf(Locale.ROOT, "example %d: loss %.6f (%d target tokens)%n", i + 1, losses[i], counts[i]);
            pw.printf(Locale.ROOT, "token-mean loss: %.6f%n", tokenMean);
            pw.printf(Locale.ROOT, "LoRAHub loss (sum of batch means / %d): %.6f%n", ex.size(), lorahub);
        }
        pw.flush();
        return 0;
    }
}
