package io.lora4j.tests.io;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.lora4j.engine.BadInputException;
import io.lora4j.engine.Tensor;
import io.lora4j.engine.io.PyTorchCheckpoint;
import io.lora4j.engine.io.SafetensorsFile;
import io.lora4j.engine.io.TensorSource;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Seeded mutation fuzzing of valid weight files written by Python (fixtures/io): each case flips,
 * overwrites, inserts, deletes or truncates bytes (biased towards the header / the pickle, where the
 * structure is) and parses the result in memory. A case passes when it loads (every tensor is then
 * read completely) or fails with a {@link BadInputException}; any other exception or error fails the test.
 */
class IoFuzzTest {
    private static final int CASES = 2000;

    @Test
    void mutatedSafetensorsGiveOnlyCleanErrors() throws IOException {
        byte[] valid = Files.readAllBytes(IoFixtureTest.DIR.resolve("all_dtypes.safetensors"));
        long headerEnd = 8 + (valid[0] & 0xff) + ((valid[1] & 0xff) << 8);
        fuzz("all_dtypes.safetensors", valid, (int) headerEnd, 11, b -> SafetensorsFile.parse(Path.of("fuzz.safetensors"), MemorySegment.ofArray(b)));
    }

    @Test
    void mutatedTorchCheckpointsGiveOnlyCleanErrors() throws IOException {
        for (String f : new String[] {"state_dict.bin", "nested.pt"}) {
            byte[] valid = Files.readAllBytes(IoFixtureTest.DIR.resolve(f));
            // data.pkl is the first entry of a torch.save zip: bias the mutations to it (stored, so bytes are the pickle)
            int pklEnd = indexOf(valid, "FB".getBytes(StandardCharsets.US_ASCII), 30);
            fuzz(f, valid, pklEnd > 0 ? pklEnd : valid.length / 2, 17 + f.length(), b -> PyTorchCheckpoint.parse("fuzz.bin", MemorySegment.ofArray(b)));
        }
        // legacy format: five pickles, then the storages (the last ~40% of this small file)
        byte[] legacy = Files.readAllBytes(IoFixtureTest.DIR.resolve("legacy.pt"));
        fuzz("legacy.pt", legacy, legacy.length * 3 / 4, 29, b -> PyTorchCheckpoint.parse("fuzz.pt", MemorySegment.ofArray(b)));
    }

    private static int indexOf(byte[] a, byte[] pat, int from) {
        outer:
        for (int i = from; i <= a.length - pat.length; i++) {
            for (int j = 0; j < pat.length; j++) if (a[i + j] != pat[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static void fuzz(String name, byte[] valid, int hot, long seed, Function<byte[], TensorSource> parse) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int clean = 0, loaded = 0;
        for (int c = 0; c < CASES; c++) {
            byte[] b = mutate(valid, hot, rnd);
            try {
                TensorSource s = parse.apply(b);
                for (String n : s.names()) {
                    Tensor t = s.get(n);
                    t.toFloatArray();
                }
                loaded++;
            } catch (BadInputException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
                clean++;
            } catch (Throwable t) {
                fail(name + " case " + c + " (seed " + seed + "): " + t + "\nfirst differing bytes: " + diff(valid, b), t);
            }
        }
        assertTrue(clean > CASES / 4, name + ": only " + clean + " of " + CASES + " mutations were rejected; the fuzzer is not reaching the parser");
        assertTrue(loaded + clean == CASES);
    }

    private static byte[] mutate(byte[] valid, int hot, SplittableRandom rnd) {
        byte[] b = valid.clone();
        int ops = 1 + rnd.nextInt(4);
        for (int k = 0; k < ops; k++) {
            int len = b.length;
            if (len == 0) break;
            int at = rnd.nextInt(10) < 8 ? rnd.nextInt(Math.min(hot, len)) : rnd.nextInt(len);
            switch (rnd.nextInt(8)) {
                case 0 -> b[at] ^= (byte) (1 << rnd.nextInt(8));
                case 1 -> b[at] = (byte) rnd.nextInt(256);
                case 2 -> b[at] = (byte) (rnd.nextBoolean() ? 0xff : 0x00);
                case 3 -> { // overwrite 8 bytes with an interesting integer
                    long v = switch (rnd.nextInt(5)) {
                        case 0 -> -1L;
                        case 1 -> 1L << 31;
                        case 2 -> Integer.MAX_VALUE;
                        case 3 -> rnd.nextLong();
                        default -> rnd.nextInt(1 << 16);
                    };
                    for (int i = 0; i < 8 && at + i < len; i++) b[at + i] = (byte) (v >>> (8 * i));
                }
                case 4 -> b = Arrays.copyOf(b, at); // truncate
                case 5 -> { // delete a run
                    int n = Math.min(len - at, 1 + rnd.nextInt(16));
                    byte[] o = new byte[len - n];
                    System.arraycopy(b, 0, o, 0, at);
                    System.arraycopy(b, at + n, o, at, len - at - n);
                    b = o;
                }
                case 6 -> { // insert random bytes
                    int n = 1 + rnd.nextInt(16);
                    byte[] o = new byte[len + n];
                    System.arraycopy(b, 0, o, 0, at);
                    for (int i = 0; i < n; i++) o[at + i] = (byte) rnd.nextInt(256);
                    System.arraycopy(b, at, o, at + n, len - at);
                    b = o;
                }
                default -> { // duplicate a run (repeats structure: nested containers, repeated keys)
                    int n = Math.min(len - at, 1 + rnd.nextInt(32));
                    byte[] o = new byte[len + n];
                    System.arraycopy(b, 0, o, 0, at + n);
                    System.arraycopy(b, at, o, at + n, len - at);
                    b = o;
                }
            }
        }
        return b;
    }

    private static String diff(byte[] a, byte[] b) {
        int i = 0;
        while (i < Math.min(a.length, b.length) && a[i] == b[i]) i++;
        return "offset " + i + " (lengths " + a.length + " -> " + b.length + ")";
    }
}
