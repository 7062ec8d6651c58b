package io.lora4j.tests.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lora4j.engine.BadInputException;
import io.lora4j.engine.DType;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.Checkpoints;
import io.lora4j.engine.io.PyTorchCheckpoint;
import io.lora4j.engine.io.TensorSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Reads the files tools/reference/io_fixtures.py wrote with Python (safetensors.torch.save_file and
 * torch.save) and compares every tensor with expected.json, which the same script wrote from the
 * torch tensors: dtype, shape and values must match exactly (F64 to float rounding aside).
 */
class IoFixtureTest {
    static final Path DIR = Path.of("fixtures/io");

    private static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(DIR.resolve("expected.json").toFile());
    }

    private static void assertMatches(TensorSource src, JsonNode want) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = want.fieldNames(); it.hasNext(); ) names.add(it.next());
        // safetensors files list tensors in their own order (Python sorts by dtype); state dicts keep insertion order
        if (src instanceof PyTorchCheckpoint) assertEquals(names, List.copyOf(src.names()), src.origin());
        else assertEquals(new java.util.TreeSet<>(names), new java.util.TreeSet<>(src.names()), src.origin());
        for (String n : names) {
            JsonNode w = want.get(n);
            Tensor t = src.get(n);
            assertEquals(DType.valueOf(w.get("dtype").asText()), t.dtype(), n);
            int[] shape = new int[w.get("shape").size()];
            for (int i = 0; i < shape.length; i++) shape[i] = w.get("shape").get(i).asInt();
            assertArrayEquals(shape, t.shape(), n);
            JsonNode vals = w.get("values");
            if (t.dtype().isFloat()) {
                float[] got = t.toFloatArray();
                for (int i = 0; i < got.length; i++) assertEquals((float) vals.get(i).asDouble(), got[i], 0f, n + "[" + i + "]");
            } else {
                long[] got = t.toLongArray();
                for (int i = 0; i < got.length; i++) assertEquals(vals.get(i).asLong(), got[i], n + "[" + i + "]");
            }
        }
    }

    @Test
    void safetensorsWrittenByPythonReadsExactly() throws IOException {
        TensorSource s = Checkpoints.openAny(DIR.resolve("all_dtypes.safetensors"));
        assertMatches(s, expected().get("all_dtypes.safetensors"));
        assertEquals(Map.of("format", "pt", "source", "io_fixtures.py"), s.metadata());
    }

    @Test
    void shardedCheckpointDirectory() throws IOException {
        TensorSource s = Checkpoints.open(DIR.resolve("sharded"));
        assertMatches(s, expected().get("sharded"));
    }

    @Test
    void shardedPyTorchCheckpointDirectory() throws IOException {
        TensorSource s = Checkpoints.open(DIR.resolve("sharded_bin"));
        assertMatches(s, expected().get("sharded_bin"));
    }

    @Test
    void torchSaveStateDictWithViewsParametersAndNonContiguousTensors() throws IOException {
        TensorSource s = Checkpoints.openAny(DIR.resolve("state_dict.bin"));
        assertMatches(s, expected().get("state_dict.bin"));
        assertTrue(s instanceof PyTorchCheckpoint);
    }

    @Test
    void legacyNonZipTorchSave() throws IOException {
        TensorSource s = Checkpoints.openAny(DIR.resolve("legacy.pt"));
        assertMatches(s, expected().get("legacy.pt"));
    }

    @Test
    void nestedDictIsFlattenedAndPickable() throws IOException {
        PyTorchCheckpoint c = PyTorchCheckpoint.open(DIR.resolve("nested.pt"));
        assertMatches(c, expected().get("nested.pt"));
        assertEquals("3", c.metadata().get("epoch"));
        assertEquals("vit", c.metadata().get("arch"));
        assertEquals("0.5", c.metadata().get("best.0"));
        TensorSource sd = c.sub("state_dict");
        assertEquals(List.of("blocks.0.mlp.fc1.Au", "head.weight"), List.copyOf(sd.names()));
        assertArrayEquals(c.get("state_dict.head.weight").toFloatArray(), sd.get("head.weight", 2, 2).toFloatArray());
        BadInputException e = assertThrows(BadInputException.class, () -> c.sub("model"));
        assertTrue(e.getMessage().contains("no tensors under 'model'") && e.getMessage().contains("state_dict"), e.getMessage());
    }

    @Test
    void adapterDirectoryWithBinWeights() throws IOException {
        TensorSource s = Checkpoints.openAdapter(DIR.resolve("adapter_bin"));
        assertMatches(s, expected().get("adapter_bin"));
        TensorSource stripped = s.withPrefix("base_model.model.");
        assertTrue(stripped.contains("encoder.block.0.layer.0.SelfAttention.q.lora_A.weight"));
        BadInputException e = assertThrows(BadInputException.class, () -> Checkpoints.open(DIR.resolve("adapter_bin")));
        assertTrue(e.getMessage().contains("no model weights"), e.getMessage());
    }

    @Test
    void unsupportedDtypesAndForeignClassesAreClearErrors() {
        BadInputException u16 = assertThrows(BadInputException.class, () -> Checkpoints.openAny(DIR.resolve("uint16.pt")));
        assertTrue(u16.getMessage().contains("uint16.pt") && u16.getMessage().contains("dtype torch.uint16 is not supported"), u16.getMessage());
        BadInputException evil = assertThrows(BadInputException.class, () -> Checkpoints.openAny(DIR.resolve("evil.bin")));
        assertTrue(evil.getMessage().contains("evil.bin") && evil.getMessage().contains("'posix.system'"), evil.getMessage());
        BadInputException missing = assertThrows(BadInputException.class, () -> Checkpoints.openAny(DIR.resolve("nope.safetensors")));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
    }

    @Test
    void shapeCheckedGetNamesTensorAndShapes() {
        TensorSource s = Checkpoints.open(DIR.resolve("sharded"));
        BadInputException e = assertThrows(BadInputException.class, () -> s.get("encoder.weight", 3, 4));
        assertTrue(e.getMessage().contains("'encoder.weight' has shape [4, 3], expected [3, 4]"), e.getMessage());
    }
}
