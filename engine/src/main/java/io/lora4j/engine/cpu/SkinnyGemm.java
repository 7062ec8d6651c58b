package io.lora4j.engine.cpu;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * C[m, n] += X[m, k] · Wᵀ for a Linear weight W [n, k] and few rows of X (an encoder pass of one
 * sequence, a loss pass's decoder): the product is computed transposed, Cᵀ = W·Xᵀ, so that W —
 * the big operand — is never packed. {@link Gemm} packs B = Wᵀ into column panels, a transposition
 * that costs about 0.6 ns per element of W: as much as the arithmetic itself at m ≈ 50 rows and
 * about 40 % of it at m = 128. Here X (small) is packed once per call into {@code NR}-row panels
 * ({@code xp[p·NR + j] = X[j, p]}, the layout of Gemm's B panels), and the micro-kernel broadcasts
 * W elements from MR = 6 rows read in place (heap F32), or from a 6 × KC block widened into a
 * scratch buffer (BF16, F16, F32 segments), against two vectors of an X panel: the same 6 × 32
 * register tile as Gemm, whose result is added to C transposed.
 *
 * <p>Threads first pack the X panels (one task per K block and panel), then take guided ranges of
 * W's row tiles (output columns: big ranges first, small ones last); each W element is read once
 * per call.
 */
public final class SkinnyGemm {
    private SkinnyGemm() {}

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int L = F.length();
    static final int MR = Gemm.MR, NR = Gemm.NR;
    /**
     * K block: a W tile (MR × KC, 12 KB) stays in L1, X's block (m × KC, 256 KB at m = 128) in L2.
     * 512 measured 1–4 % faster than 256 (half the tile adds into Cᵀ; same-JVM A/B over distinct
     * weights, 2026-12-02); 1024 was about 20 % slower.
     */
    static final int KC = 512;
    /** Rows of X up to which {@code LinearOps} takes this path instead of {@link Gemm}. */
    public static final int MAX_ROWS = 256;

    /** c[i·n + j] += Σ_p x[i·k + p]·W[j, p] for i < m, j < n; x contiguous [m, k], c contiguous [m, n]. */
    public static void run(Parallel par, int m, float[] x, MatrixRows w, float[] c) {
        runMany(par, m, x, new MatrixRows[] {w}, new float[][] {c});
    }

    /**
     * {@link #run} for several weights that share x (all with k = x's columns; q/k/v projections, a
     * gated feed-forward's wi_0/wi_1): X is packed once, and one job spreads the row tiles of all
     * weights over the threads (guided ranges over the tiles laid end to end, split at weight
     * boundaries), so the threads meet once per group instead of once per weight.
     */
    public static void runMany(Parallel par, int m, float[] x, MatrixRows[] ws, float[][] cs) {
        if (ws.length == 0 || m <= 0) return;
        int k = ws[0].cols();
        long macs = 0;
        int[] tileStart = new int[ws.length + 1];
        for (int i = 0; i < ws.length; i++) {
            if (ws[i].cols() != k) throw new IllegalArgumentException("runMany: weights with " + ws[i].cols() + " and " + k + " columns");
            macs += (long) m * ws[i].rows() * k;
            tileStart[i + 1] = tileStart[i] + (ws[i].rows() + MR - 1) / MR;
        }
        if (k <= 0 || tileStart[ws.length] == 0) return;
        int panels = (m + NR - 1) / NR, mp = panels * NR;
        int kBlocks = (k + KC - 1) / KC;
        boolean parallel = par != null && par.threads() > 1 && macs >= Gemm.SERIAL_MACS;
        Scratch call = par == null ? new Scratch() : par.skinnyCalls.borrow();
        try {
            float[] xp = call.xp(mp * k); // read by the workers too, but only within this call
            Parallel.Body pack = t -> packX(x, m, k, (t / panels) * KC, t % panels, mp, xp);
            if (parallel) par.forEach(kBlocks * panels, pack);
            else for (int t = 0; t < kBlocks * panels; t++) pack.run(t);
            // (packing inside the tiles' job, the tile tasks spinning until the packs are done, was not
            // measurably faster, and a spinning task can hold a core its descheduled peer needs)
            int[] bounds = chunks(tileStart[ws.length], parallel ? par.threads() : 1);
            Parallel.Body body = t -> {
                int g0 = bounds[t], g1 = bounds[t + 1];
                Scratch task = par == null ? call : par.skinnyTasks.borrow();
                try {
                    for (int i = 0; i < ws.length; i++) {
                        int a = Math.max(g0, tileStart[i]), b = Math.min(g1, tileStart[i + 1]);
                        if (a < b) tiles(m, ws[i].rows(), k, ws[i], xp, mp, cs[i], a - tileStart[i], b - tileStart[i], task);
                    }
                } finally {
                    if (par != null) par.skinnyTasks.giveBack(task);
                }
            };
            if (parallel) par.forEach(bounds.length - 1, body);
            else body.run(0);
        } finally {
            if (par != null) par.skinnyCalls.giveBack(call);
        }
    }

    /** Fewest W row tiles in a task. */
    static final int GRAIN = 4;

    /** Task boundaries over {@code tiles} W row tiles: {@link Parallel#guidedBounds} with at least {@link #GRAIN} tiles. */
    static int[] chunks(int tiles, int threads) {
        return Parallel.guidedBounds(tiles, threads, GRAIN, 1);
    }

    /** xp[k0·mp + jp·NR·kc + p·NR + j] = x[(jp·NR + j)·k + k0 + p], rows past m zero. */
    private static void packX(float[] x, int m, int k, int k0, int jp, int mp, float[] xp) {
        int kc = Math.min(KC, k - k0), base = k0 * mp + jp * NR * kc;
        int rows = Math.min(NR, m - jp * NR);
        for (int j = 0; j < rows; j++) {
            for (int p = 0, s = (jp * NR + j) * k + k0, d = base + j; p < kc; p++, s++, d += NR) xp[d] = x[s];
        }
        if (rows < NR) { // rows past m: zeros (the array is reused)
            for (int p = 0, d = base; p < kc; p++, d += NR) Arrays.fill(xp, d + rows, d + NR, 0f);
        }
    }

    /**
     * Scratch arrays, grown on demand and reused by later calls through the worker pool's {@link ScratchPool}s
     * ({@link Parallel#skinnyCalls} for a call's X panels, {@link Parallel#skinnyTasks} for a task's
     * accumulators). Allocating them per call (X panels per call, a Cᵀ accumulator per task) was about two thirds
     * of what a FLAN-T5-large encoder pass allocated (~200 MB: a young GC every ~0.2 s, 3–8 ms each with the
     * weights in the old generation, plus zeroing). A call's object holds up to (m rounded up to 32) · k floats,
     * a task's 96 · (m + 48) + 6 · 512.
     */
    static final class Scratch {
        float[] xp = new float[0], ct = new float[0], wt = new float[0];
        final float[] tile = new float[MR * NR];

        float[] xp(int size) {
            if (xp.length < size) xp = new float[size];
            return xp;
        }

        float[] ct(int size) {
            if (ct.length < size) ct = new float[size];
            return ct;
        }

        float[] wt(int size) {
            if (wt.length < size) wt = new float[size];
            return wt;
        }
    }

    /** W row tiles per block: the block's Cᵀ accumulator (TB·MR × (mp + L) floats) stays in L2. */
    static final int TB = 16;

    /**
     * Output columns [t0·MR, t1·MR) in blocks of TB tiles: each block accumulates Cᵀ over all of K
     * in {@code ct} (tiles added with vector adds), then adds it into C once, transposed (a scalar
     * transposed add after every K block cost about a fifth of the kernel time).
     */
    private static void tiles(int m, int n, int k, MatrixRows w, float[] xp, int mp, float[] c, int t0, int t1, Scratch scratch) {
        float[] wa = w.heapArray();
        float[] wt = scratch.wt(MR * Math.min(KC, k));
        float[] tile = scratch.tile;
        int ld = mp + L; // a row of ct: padded so that the transposed add's column walk spreads over L1 sets
        int ctSize = Math.min(TB, t1 - t0) * MR * ld;
        float[] ct = scratch.ct(ctSize);
        int panels = mp / NR;
        int lastRows = m - (panels - 1) * NR;
        for (int s0 = t0; s0 < t1; s0 += TB) {
            int s1 = Math.min(t1, s0 + TB);
            Arrays.fill(ct, 0, ctSize, 0f);
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                for (int t = s0; t < s1; t++) {
                    int i0 = t * MR, nw = Math.min(MR, n - i0);
                    float[] src;
                    int o0, o1, o2, o3, o4, o5;
                    if (wa != null && nw == MR) {
                        src = wa;
                        o0 = (int) w.rowOffset(i0) + k0;
                        o1 = (int) w.rowOffset(i0 + 1) + k0;
                        o2 = (int) w.rowOffset(i0 + 2) + k0;
                        o3 = (int) w.rowOffset(i0 + 3) + k0;
                        o4 = (int) w.rowOffset(i0 + 4) + k0;
                        o5 = (int) w.rowOffset(i0 + 5) + k0;
                    } else {
                        for (int r = 0; r < MR; r++) {
                            if (r < nw) w.rowToFloat(i0 + r, k0, kc, wt, r * kc);
                            else Arrays.fill(wt, r * kc, (r + 1) * kc, 0f);
                        }
                        src = wt;
                        o0 = 0;
                        o1 = kc;
                        o2 = 2 * kc;
                        o3 = 3 * kc;
                        o4 = 4 * kc;
                        o5 = 5 * kc;
                    }
                    int cto = (t - s0) * MR * ld;
                    for (int jp = 0; jp < panels; jp++) {
                        int xo = k0 * mp + jp * NR * kc;
                        if (jp == panels - 1 && lastRows <= L) {
                            kernelHalf(kc, src, o0, o1, o2, o3, o4, o5, xp, xo, tile);
                            addTile(tile, ct, cto + jp * NR, ld, 1);
                        } else {
                            kernel(kc, src, o0, o1, o2, o3, o4, o5, xp, xo, tile);
                            addTile(tile, ct, cto + jp * NR, ld, 2);
                        }
                    }
                }
            }
            // C[j, s0·MR + q] += ct[q·ld + j]
            int cols = Math.min(n, s1 * MR) - s0 * MR;
            for (int j = 0; j < m; j++) {
                for (int q = 0, o = j * n + s0 * MR, d = j; q < cols; q++, d += ld) c[o + q] += ct[d];
            }
        }
    }

    /** ct[co + r·ld + v·L ..] += tile[r·NR + v·L ..] for r < MR, v < vectors. */
    private static void addTile(float[] tile, float[] ct, int co, int ld, int vectors) {
        for (int r = 0; r < MR; r++) {
            for (int v = 0; v < vectors; v++) {
                int o = co + r * ld + v * L;
                FloatVector.fromArray(F, ct, o).add(FloatVector.fromArray(F, tile, r * NR + v * L)).intoArray(ct, o);
            }
        }
    }

    /**
     * tile[r·NR + j] = Σ_p w[o_r + p] · xp[xo + p·NR + j] for r < 6, j < NR: two vector loads of the
     * X panel and six broadcasts of W per step, 12 accumulators.
     */
    private static void kernel(int kc, float[] w, int o0, int o1, int o2, int o3, int o4, int o5,
                               float[] xp, int xo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00, c40 = c00, c41 = c00, c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++, xo += NR) {
            FloatVector b0 = FloatVector.fromArray(F, xp, xo);
            FloatVector b1 = FloatVector.fromArray(F, xp, xo + L);
            FloatVector a0 = FloatVector.broadcast(F, w[o0 + p]);
            c00 = b0.fma(a0, c00);
            c01 = b1.fma(a0, c01);
            FloatVector a1 = FloatVector.broadcast(F, w[o1 + p]);
            c10 = b0.fma(a1, c10);
            c11 = b1.fma(a1, c11);
            FloatVector a2 = FloatVector.broadcast(F, w[o2 + p]);
            c20 = b0.fma(a2, c20);
            c21 = b1.fma(a2, c21);
            FloatVector a3 = FloatVector.broadcast(F, w[o3 + p]);
            c30 = b0.fma(a3, c30);
            c31 = b1.fma(a3, c31);
            FloatVector a4 = FloatVector.broadcast(F, w[o4 + p]);
            c40 = b0.fma(a4, c40);
            c41 = b1.fma(a4, c41);
            FloatVector a5 = FloatVector.broadcast(F, w[o5 + p]);
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

    /** {@link #kernel} for a last X panel of at most L rows: one vector per step, 6 accumulators. */
    private static void kernelHalf(int kc, float[] w, int o0, int o1, int o2, int o3, int o4, int o5,
                                   float[] xp, int xo, float[] tile) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
        for (int p = 0; p < kc; p++, xo += NR) {
            FloatVector b0 = FloatVector.fromArray(F, xp, xo);
            c0 = b0.fma(FloatVector.broadcast(F, w[o0 + p]), c0);
            c1 = b0.fma(FloatVector.broadcast(F, w[o1 + p]), c1);
            c2 = b0.fma(FloatVector.broadcast(F, w[o2 + p]), c2);
            c3 = b0.fma(FloatVector.broadcast(F, w[o3 + p]), c3);
            c4 = b0.fma(FloatVector.broadcast(F, w[o4 + p]), c4);
            c5 = b0.fma(FloatVector.broadcast(F, w[o5 + p]), c5);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, NR);
        c2.intoArray(tile, 2 * NR);
        c3.intoArray(tile, 3 * NR);
        c4.intoArray(tile, 4 * NR);
        c5.intoArray(tile, 5 * NR);
    }
}
