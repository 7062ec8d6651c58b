package io.lora4j.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Blocked GEMM: C[m, n] += A[m, k] · B[k, n], in the classic Goto/BLIS structure.
 *
 * <ul>
 *   <li>B is packed per (KC × up to NC) block into {@code NR}-wide column panels, {@code bp[p·NR + j]}:
 *       the {@link PanelSource} decides how (a Linear weight W [n, k] is read row by row and
 *       scattered, widening BF16/F16 to F32 here, so conversion is paid once per packed element and
 *       amortized over all rows of A).</li>
 *   <li>A is packed per (MC × KC) block into {@code MR}-tall row panels, {@code ap[p·MR + r]}.</li>
 *   <li>The micro-kernel keeps an MR × NR tile of C (MR rows × 2 vectors) in registers over KC steps:
 *       per step two vector loads of B, MR broadcasts of A and 2·MR FMAs.</li>
 * </ul>
 * Threads share one packed B block per (NC, KC) step: first the panels are packed in parallel,
 * then tasks over row blocks of C (plus column ranges when there are few rows) each pack their
 * own A rows and run the micro-kernel; {@link Parallel} hands tasks out dynamically.
 */
public final class Gemm {
    private Gemm() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    /** Micro-tile: MR rows × NR columns (two vectors). */
    public static final int MR = 6, NR = 2 * L;
    /** Cache blocks: KC deep (a KC×NR B panel stays in L1), MC rows of A (in L2), NC columns of B. */
    static final int KC = 384, MC = 8 * MR, NC = 4096;
    /** Below this many multiply-adds a call runs on the caller thread. */
    static final long SERIAL_MACS = 1L << 17;

    /** Packs B[k0 .. k0+kc, j0 .. j0+nr) into dst[dstOff + p·NR + j], zero-filling columns nr..NR-1. */
    public interface PanelSource {
        void pack(int k0, int kc, int j0, int nr, float[] dst, int dstOff);
    }

    /**
     * B [k, n] = Wᵀ for a matrix W [n, k] with contiguous rows (a Linear weight, never transposed in
     * memory). Each row segment is read sequentially (heap F32 in place; other dtypes widened into
     * a row buffer first, BF16 → F32 in vector registers) and written down its panel column. This
     * order measured 5× faster than writing the panel sequentially while reading NR row streams
     * (0.57 vs 2.9 ns per element for a 4096×1024 F32 weight).
     */
    public static PanelSource transposedRows(MatrixRows w) {
        return (k0, kc, j0, nr, dst, off) -> {
            float[] wa = w.heapArray();
            float[] row = wa == null ? new float[kc] : null;
            for (int j = 0; j < nr; j++) {
                float[] src = wa;
                int s;
                if (wa != null) {
                    s = (int) w.rowOffset(j0 + j) + k0;
                } else {
                    w.rowToFloat(j0 + j, k0, kc, row, 0);
                    src = row;
                    s = 0;
                }
                for (int p = 0, d = off + j; p < kc; p++, d += NR) dst[d] = src[s + p];
            }
            zeroColumns(kc, nr, dst, off);
        };
    }

    /** B [k, n] read from a float array with element strides (sk, sn) from offset {@code base}. */
    public static PanelSource strided(float[] b, int base, int sk, int sn) {
        return (k0, kc, j0, nr, dst, off) -> {
            if (sn == 1) {
                for (int p = 0; p < kc; p++) System.arraycopy(b, base + (k0 + p) * sk + j0, dst, off + p * NR, nr);
            } else {
                for (int j = 0; j < nr; j++) {
                    int s = base + k0 * sk + (j0 + j) * sn;
                    for (int p = 0, d = off + j; p < kc; p++, d += NR, s += sk) dst[d] = b[s];
                }
            }
            zeroColumns(kc, nr, dst, off);
        };
    }

    private static void zeroColumns(int kc, int nr, float[] dst, int off) {
        if (nr == NR) return;
        for (int p = 0; p < kc; p++) java.util.Arrays.fill(dst, off + p * NR + nr, off + (p + 1) * NR, 0f);
    }

    /**
     * C[i, j] += Σ_p A[i, p]·B[p, j] for i < m, j < n. A is read from {@code a} at
     * {@code aOff + i·sam + p·sak}; C is row-major with leading dimension {@code ldc} from {@code cOff}.
     * {@code par} may be null (run on the caller).
     */
    public static void gemm(Parallel par, int m, int n, int k, float[] a, int aOff, int sam, int sak,
                            PanelSource b, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0 || k <= 0) return;
        int threads = par == null ? 1 : par.threads();
        boolean parallel = threads > 1 && (long) m * n * k >= SERIAL_MACS;
        int want = parallel ? threads * TASKS_PER_THREAD : 1;
        int tilesM = (m + MR - 1) / MR;
        int rowsPer = (tilesM + Math.min(tilesM, want) - 1) / Math.min(tilesM, want) * MR;
        int rowTasks = (m + rowsPer - 1) / rowsPer;
        int kcMax = Math.min(KC, k);
        float[] bp = new float[kcMax * Math.min(NC, roundUp(n, NR))];
        for (int jc = 0; jc < n; jc += NC) {
            int nc = Math.min(NC, n - jc), panels = (nc + NR - 1) / NR;
            // few row tasks (small m): also split the columns, each task packing its own A rows
            int colTasks = Math.min(panels, Math.max(1, want / rowTasks));
            int panelsPer = (panels + colTasks - 1) / colTasks;
            int colTasksF = (panels + panelsPer - 1) / panelsPer;
            int packTasks = Math.min(panels, want), packPer = (panels + packTasks - 1) / packTasks;
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0), kk0 = k0, jc0 = jc;
                run(par, (panels + packPer - 1) / packPer, t -> {
                    for (int q = t * packPer; q < Math.min(panels, (t + 1) * packPer); q++) {
                        b.pack(kk0, kc, jc0 + q * NR, Math.min(NR, nc - q * NR), bp, q * NR * kc);
                    }
                });
                run(par, rowTasks * colTasksF, t -> {
                    int i0 = (t / colTasksF) * rowsPer, q0 = (t % colTasksF) * panelsPer;
                    macro(i0, Math.min(m, i0 + rowsPer), q0, Math.min(panels, q0 + panelsPer), nc, jc0, kk0, kc,
                            a, aOff, sam, sak, bp, c, cOff, ldc);
                });
            }
        }
    }

    /** Tasks per thread when splitting (dynamic hand-out evens out cores shared with other work). */
    static final int TASKS_PER_THREAD = 4;

    private static void run(Parallel par, int tasks, Parallel.Body body) {
        if (par == null || tasks == 1) {
            for (int t = 0; t < tasks; t++) body.run(t);
        } else {
            par.forEach(tasks, body);
        }
    }

    /**
     * C[i0..i1, panels q0..q1 of this column block] += A[i0..i1, k0..k0+kc) · (packed B panels), A
     * packed here MC rows at a time; each B panel (KC×NR, L1-sized) serves MC/MR micro-tiles in a row.
     */
    private static void macro(int i0, int i1, int q0, int q1, int nc, int jc, int k0, int kc, float[] a, int aOff,
                              int sam, int sak, float[] bp, float[] c, int cOff, int ldc) {
        float[] ap = new float[kc * Math.min(MC, roundUp(i1 - i0, MR))];
        float[] tile = new float[MR * NR];
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            packA(a, aOff, sam, sak, ic, mc, k0, kc, ap);
            for (int q = q0; q < q1; q++) {
                int nr = Math.min(NR, nc - q * NR);
                for (int ir = 0; ir < mc; ir += MR) {
                    kernel(kc, ap, ir * kc, bp, q * NR * kc, tile);
                    addTile(tile, c, cOff + (ic + ir) * ldc + jc + q * NR, ldc, Math.min(MR, mc - ir), nr);
                }
            }
        }
    }

    static int roundUp(int x, int q) {
        return (x + q - 1) / q * q;
    }

    /** ap[(panel·kc + p)·MR + r] = A[i0 + panel·MR + r, k0 + p], rows past mc zero. */
    private static void packA(float[] a, int aOff, int sam, int sak, int i0, int mc, int k0, int kc, float[] ap) {
        for (int ir = 0; ir < mc; ir += MR) {
            int base = ir * kc, rows = Math.min(MR, mc - ir);
            int row0 = aOff + (i0 + ir) * sam + k0 * sak;
            if (rows == MR) {
                for (int p = 0, d = base, s = row0; p < kc; p++, d += MR, s += sak) {
                    ap[d] = a[s];
                    ap[d + 1] = a[s + sam];
                    ap[d + 2] = a[s + 2 * sam];
                    ap[d + 3] = a[s + 3 * sam];
                    ap[d + 4] = a[s + 4 * sam];
                    ap[d + 5] = a[s + 5 * sam];
                }
            } else {
                for (int p = 0, d = base, s = row0; p < kc; p++, d += MR, s += sak) {
                    for (int r = 0; r < MR; r++) ap[d + r] = r < rows ? a[s + r * sam] : 0f;
                }
            }
        }
    }

    /**
     * The MR×NR register tile: tile[r·NR + j] = Σ_p ap[ao + p·MR + r] · bp[bo + p·NR + j].
     * It only stores its accumulators (plain stores into a small tile buffer): reading C inside this
     * method made C2 compile the loop about 3× slower (measured), so {@link #addTile} does C += tile.
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        FloatVector c40 = FloatVector.zero(F), c41 = FloatVector.zero(F);
        FloatVector c50 = FloatVector.zero(F), c51 = FloatVector.zero(F);
        for (int p = 0; p < kc; p++, ao += MR, bo += NR) {
            FloatVector b0 = FloatVector.fromArray(F, bp, bo);
            FloatVector b1 = FloatVector.fromArray(F, bp, bo + L);
            FloatVector a0 = FloatVector.broadcast(F, ap[ao]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(F, ap[ao + 1]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(F, ap[ao + 2]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(F, ap[ao + 3]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            FloatVector a4 = FloatVector.broadcast(F, ap[ao + 4]);
            c40 = b0.fma(a4, c40);
            c41 = b1.fma(a4, c41);
            FloatVector a5 = FloatVector.broadcast(F, ap[ao + 5]);
            c50 = b0.fma(a5, c50);
            c51 = b1.fma(a5, c51);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    /** C[r, j] += tile[r·NR + j] for r < mr, j < nr. */
    private static void addTile(float[] tile, float[] c, int co, int ldc, int mr, int nr) {
        for (int r = 0; r < mr; r++) {
            int o = co + r * ldc, t = r * NR;
            if (nr == NR) {
                FloatVector.fromArray(F, c, o).add(FloatVector.fromArray(F, tile, t)).intoArray(c, o);
                FloatVector.fromArray(F, c, o + L).add(FloatVector.fromArray(F, tile, t + L)).intoArray(c, o + L);
            } else {
                for (int j = 0; j < nr; j++) c[o + j] += tile[t + j];
            }
        }
    }
}
