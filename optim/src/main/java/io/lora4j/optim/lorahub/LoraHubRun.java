package io.lora4j.optim.lorahub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.adapters.lora.AdapterFiles;
import io.lora4j.adapters.lora.CheckpointMerge;
import io.lora4j.adapters.lora.LoraAdapter;
import io.lora4j.adapters.lora.LoraMerge;
import io.lora4j.adapters.lorahub.LoraHubComposer;
import io.lora4j.engine.Backend;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.t5.Seq2SeqExamples;
import io.lora4j.models.t5.T5ForConditionalGeneration;
import io.lora4j.models.tokenizer.T5Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A whole LoRAHub run, as {@code lora4j lorahub} does it: load the base T5 and tokenizer, the modules and the
 * examples; search w; write the outputs into {@code out}: {@code weights.json} (module → weight),
 * {@code adapter/} (the composed PEFT adapter), {@code merged/} (with {@code merge}: a plain HF model),
 * {@code log.jsonl} (every evaluation) and {@code summary.json}; optionally exact match on eval examples for the
 * base and the learned model.
 */
public final class LoraHubRun {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private LoraHubRun() {}

    /** What to run. {@code eval} may be empty; {@code out} null writes nothing. */
    public record Request(Path model, List<Path> modules, List<Seq2SeqExamples.Example> examples, List<Seq2SeqExamples.Example> eval,
            LoraHubSettings settings, boolean merge, Path out, int maxNewTokens) {}

    /** What came out. Exact matches are NaN without eval examples. */
    public record Report(List<String> moduleNames, LoraHubLearner.Result result, double baseLoss, double learnedLoss,
            double baseExactMatch, double learnedExactMatch, List<String> learnedPredictions, double loadSeconds, double searchSeconds,
            double evalSeconds, Path out) {

        /** module name → learned weight, in module order. */
        public Map<String, Double> weights() {
            Map<String, Double> m = new LinkedHashMap<>();
            double[] w = result.weights();
            for (int i = 0; i < w.length; i++) m.put(moduleNames.get(i), w[i]);
            return m;
        }
    }

    public static Report run(Backend be, Request r, Consumer<LoraHubLearner.Evaluation> progress) {
        long t0 = System.nanoTime();
        T5ForConditionalGeneration base = T5ForConditionalGeneration.load(r.model());
        T5Tokenizer tok = T5Tokenizer.load(r.model());
        List<LoraAdapter> modules = ModulePool.load(r.modules());
        List<String> names = uniqueNames(modules);
        LoraHubComposer composer = new LoraHubComposer(modules);
        LoraHubLoss loss = new LoraHubLoss(be, base, tok, composer, r.examples(), r.settings().batchSize(), r.settings().normalization());
        double loadSecs = (System.nanoTime() - t0) / 1e9;

        LoraHubLearner.Result res = learn(loss, r.settings(), progress);
        double searchSecs = res.seconds();
        LoraAdapter learned = composer.compose(res.weights());
        double baseLoss = loss.loss((LoraAdapter) null);
        double learnedLoss = res.best().loss();

        long t1 = System.nanoTime();
        double baseEm = Double.NaN, learnedEm = Double.NaN;
        List<String> preds = List.of();
        if (!r.eval().isEmpty()) {
            baseEm = ExactMatch.evaluate(be, base, tok, r.eval(), r.maxNewTokens()).exactMatch();
            T5ForConditionalGeneration lm = base.withLinears(LoraMerge.rewriter(be, List.of(learned), true));
            ExactMatch.Report rep = ExactMatch.evaluate(be, lm, tok, r.eval(), r.maxNewTokens());
            learnedEm = rep.exactMatch();
            preds = rep.predictions();
        }
        double evalSecs = (System.nanoTime() - t1) / 1e9;
        Report report = new Report(names, res, baseLoss, learnedLoss, baseEm, learnedEm, preds, loadSecs, searchSecs, evalSecs, r.out());
        if (r.out() != null) write(be, r, report, composer, learned);
        return report;
    }

    /**
     * The search on {@code loss}: CMA-ES generations in batched forward passes unless {@code s.batchCandidates()} is 1
     * (then, and for the other optimizers, one candidate per pass).
     */
    public static LoraHubLearner.Result learn(LoraHubLoss loss, LoraHubSettings s, Consumer<LoraHubLearner.Evaluation> progress) {
        if (!s.batched()) return LoraHubLearner.learn(loss::loss, loss.dimension(), s, progress);
        return LoraHubLearner.learnBatched(ws -> ws.length == 1 ? new double[] {loss.loss(ws[0])} : loss.losses(ws, s.batchCandidates()),
                loss.dimension(), s, progress);
    }

    /** Module names: directory names, made unique with a suffix if two directories share a name. */
    static List<String> uniqueNames(List<LoraAdapter> modules) {
        List<String> out = new ArrayList<>();
        for (LoraAdapter a : modules) {
            String n = a.name();
            for (int k = 2; out.contains(n); k++) n = a.name() + "#" + k;
            out.add(n);
        }
        return out;
    }

    private static void write(Backend be, Request r, Report rep, LoraHubComposer composer, LoraAdapter learned) {
        Path out = r.out();
        try {
            Files.createDirectories(out);
            writeAtomically(out.resolve("weights.json"), JSON.writeValueAsString(rep.weights()));
            StringBuilder log = new StringBuilder();
            ObjectMapper compact = new ObjectMapper();
            for (LoraHubLearner.Evaluation e : rep.result().log()) {
                ObjectNode o = compact.createObjectNode();
                o.put("evaluation", e.index());
                ArrayNode w = o.putArray("weights");
                for (double v : e.weights()) w.add(v);
                o.put("loss", e.loss());
                o.put("regularization", e.regularization());
                o.put("score", e.score());
                o.put("seconds", e.seconds());
                log.append(compact.writeValueAsString(o)).append('\n');
            }
            writeAtomically(out.resolve("log.jsonl"), log.toString());
            Path adapterDir = out.resolve("adapter");
            AdapterFiles.deleteTreeIfExists(adapterDir);
            AdapterFiles.writePeft(adapterDir, learned, composer.composedConfig());
            if (r.merge()) {
                Path merged = out.resolve("merged");
                AdapterFiles.deleteTreeIfExists(merged);
                CheckpointMerge.merge(be, r.model(), composer.modules(), rep.result().weights(), CheckpointMerge.Compose.LORAHUB, merged);
            }
            writeAtomically(out.resolve("summary.json"), JSON.writeValueAsString(summary(r, rep)));
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": " + e.getMessage(), e);
        }
    }

    /** The run's summary as a JSON-ready map (also what {@code --json} prints). */
    public static Map<String, Object> summary(Request r, Report rep) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model().toString());
        m.put("modules", rep.moduleNames());
        m.put("weights", rep.weights());
        m.put("optimizer", rep.result().optimizer());
        m.put("budget", r.settings().budget());
        m.put("evaluations", rep.result().log().size());
        m.put("seed", r.settings().seed());
        m.put("examples", r.examples().size());
        m.put("loss_normalization", r.settings().normalization().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
        m.put("base_loss", rep.baseLoss());
        m.put("learned_loss", rep.learnedLoss());
        m.put("learned_regularization", rep.result().best().regularization());
        m.put("learned_score", rep.result().best().score());
        m.put("best_evaluation", rep.result().best().index());
        if (!r.eval().isEmpty()) {
            m.put("eval_examples", r.eval().size());
            m.put("base_exact_match", rep.baseExactMatch());
            m.put("learned_exact_match", rep.learnedExactMatch());
        }
        m.put("load_seconds", rep.loadSeconds());
        m.put("search_seconds", rep.searchSeconds());
        m.put("seconds_per_evaluation", rep.searchSeconds() / Math.max(1, rep.result().log().size()));
        m.put("eval_seconds", rep.evalSeconds());
        if (r.out() != null) m.put("out", r.out().toString());
        return m;
    }

    static void writeAtomically(Path file, String text) {
        io.lora4j.engine.io.AtomicFile.writeString(file, text);
    }

    static void require(boolean ok, String msg) {
        if (!ok) throw new BadInputException(msg);
    }
}
