package io.lora4j.tools;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.TensorSource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lora4j inspect FILE|DIR}: the tensors (name, dtype, shape, bytes) and metadata of a weight file or directory. */
@Command(name = "inspect", description = {
        "List the tensors (name, dtype, shape, bytes) and metadata of a weight file or directory:",
        "  .safetensors, a sharded model dir (model.safetensors.index.json), pytorch_model.bin / .pt (torch.save),",
        "  or a PEFT adapter dir (adapter_model.safetensors|bin). Malformed files exit with code 2."})
public final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE|DIR", description = "Weight file or model/adapter directory.")
    Path path;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (TensorSource src = Checkpoints.openAny(path)) {
            long total = 0;
            for (String n : src.names()) total += bytes(src.get(n));
            if (common.json) {
                ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
                ObjectNode root = m.createObjectNode();
                root.put("origin", src.origin());
                ObjectNode meta = root.putObject("metadata");
                src.metadata().forEach(meta::put);
                ArrayNode ts = root.putArray("tensors");
                for (String n : src.names()) {
                    Tensor t = src.get(n);
                    ObjectNode o = ts.addObject();
                    o.put("name", n).put("dtype", t.dtype().name());
                    ArrayNode s = o.putArray("shape");
                    for (int d : t.shape()) s.add(d);
                    o.put("bytes", bytes(t));
                }
                root.put("tensor_count", src.names().size());
                root.put("total_bytes", total);
                out.println(m.writeValueAsString(root));
            } else {
                out.println(src.origin() + ": " + src.names().size() + " tensors, " + total + " bytes");
                if (!src.metadata().isEmpty()) {
                    out.println("metadata:");
                    for (Map.Entry<String, String> e : src.metadata().entrySet()) out.println("  " + e.getKey() + " = " + e.getValue());
                }
                int w = 4;
                for (String n : src.names()) w = Math.max(w, n.length());
                out.printf("%-" + w + "s  %-5s  %-20s  %s%n", "name", "dtype", "shape", "bytes");
                for (String n : src.names()) {
                    Tensor t = src.get(n);
                    out.printf("%-" + w + "s  %-5s  %-20s  %d%n", n, t.dtype(), Arrays.toString(t.shape()), bytes(t));
                }
            }
            out.flush();
        }
        return Lora4jCli.EXIT_OK;
    }

    private static long bytes(Tensor t) {
        return (long) t.numel() * t.dtype().byteSize();
    }
}
