package io.lora4j.tools.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.BadInputException;
import io.lora4j.models.tokenizer.T5Tokenizer;
import io.lora4j.tools.CommonOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code lora4j bench tokenizer}: encoding throughput (lines/s, tokens/s) of a model's tokenizer, one line
 * per call, on one thread or many sharing one tokenizer. HF's figure for the same input:
 * tools/reference/bench_tokenizer_hf.py.
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = {"Tokenizer encoding benchmark: lines/s and tokens/s (wall and CPU time).",
                "HF tokenizers' figure for the same input: tools/reference/bench_tokenizer_hf.py."})
public final class TokenizerBench implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (tokenizer.json or spiece.model).")
    Path model;

    @Option(names = "--input-file", paramLabel = "FILE",
            description = "Lines to encode: plain text, or .jsonl with a \"text\" field (default: built-in sample sentences).")
    Path input;

    @Option(names = "--reps", defaultValue = "50", paramLabel = "N", description = "Timed passes over the input (default: ${DEFAULT-VALUE}).")
    int reps;

    static final List<String> SAMPLE = List.of(
            "translate English to German: The house is wonderful.",
            "summarize: studies have shown that owning a dog is good for you and your family.",
            "question: What is the capital of France? context: Paris is the capital and largest city of France.",
            "Le café est très bon, naïve façade à Zürich et São Paulo.",
            "ＡＢＣ　ｘｙｚ　１２３ ﬁnance ①②③ 👍🏽 日本語のテキスト",
            "The <extra_id_0> walks in <extra_id_1> park");

    @Override
    public Integer call() throws Exception {
        if (reps < 1) throw new BadInputException("--reps must be at least 1");
        List<String> lines = input == null ? repeat(SAMPLE, 100) : read(input);
        T5Tokenizer tok = T5Tokenizer.load(model);
        long chars = 0;
        for (String l : lines) chars += l.length();
        for (int w = 0; w < 5; w++) for (String l : lines) tok.encode(l);
        int threads = common.threads == null ? 1 : common.threads;
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long tokens = 0, cpu = 0;
        long t0 = System.nanoTime();
        try {
            List<Future<long[]>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int shard = t;
                parts.add(pool.submit(() -> {
                    long c0 = mx.getCurrentThreadCpuTime(), n = 0;
                    for (int r = 0; r < reps; r++) {
                        for (int i = shard; i < lines.size(); i += threads) n += tok.encode(lines.get(i)).length;
                    }
                    return new long[] {n, mx.getCurrentThreadCpuTime() - c0};
                }));
            }
            for (Future<long[]> f : parts) {
                long[] r = f.get();
                tokens += r[0];
                cpu += r[1];
            }
        } finally {
            pool.shutdown();
        }
        double wall = (System.nanoTime() - t0) / 1e9, cpuSec = cpu / 1e9;
        long encoded = (long) lines.size() * reps;
        PrintWriter out = spec.commandLine().getOut();
        if (common.json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("tokenizer", tok.source());
            o.put("lines", lines.size()).put("reps", reps).put("threads", threads).put("chars_per_pass", chars);
            o.put("tokens", tokens).put("wall_s", wall).put("cpu_s", cpuSec);
            o.put("lines_per_s_wall", encoded / wall).put("tokens_per_s_wall", tokens / wall);
            o.put("lines_per_s_cpu", encoded / cpuSec).put("tokens_per_s_cpu", tokens / cpuSec);
            out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
        } else {
            out.printf(Locale.ROOT, "tokenizer %s: %d lines x %d reps, %d threads, %d tokens%n", tok.source(), lines.size(), reps, threads, tokens);
            out.printf(Locale.ROOT, "wall %.3f s: %.0f lines/s, %.0f tokens/s%n", wall, encoded / wall, tokens / wall);
            out.printf(Locale.ROOT, "cpu  %.3f s: %.0f lines/s, %.0f tokens/s (per CPU-second, all threads)%n", cpuSec, encoded / cpuSec, tokens / cpuSec);
        }
        out.flush();
        return 0;
    }

    private static List<String> repeat(List<String> l, int n) {
        List<String> r = new ArrayList<>();
        for (int i = 0; i < n; i++) r.addAll(l);
        return r;
    }

    static List<String> read(Path f) throws IOException {
        if (!Files.isRegularFile(f)) throw new BadInputException(f + ": no such file");
        List<String> raw = Files.readAllLines(f, StandardCharsets.UTF_8);
        if (!f.toString().endsWith(".jsonl")) return raw;
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < raw.size(); i++) {
            if (raw.get(i).isBlank()) continue;
            JsonNode n;
            try {
                n = json.readTree(raw.get(i));
            } catch (IOException e) {
                throw new BadInputException(f + ": line " + (i + 1) + " is not JSON");
            }
            if (n == null || !n.path("text").isTextual()) throw new BadInputException(f + ": line " + (i + 1) + " has no \"text\" string");
            out.add(n.get("text").asText());
        }
        return out;
    }
}
