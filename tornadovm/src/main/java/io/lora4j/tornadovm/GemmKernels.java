package io.lora4j.tornadovm;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * Matrix-product kernels, JIT-compiled by TornadoVM to OpenCL C / PTX. Sizes travel in an
 * {@link IntArray} (not as scalars, which a task graph freezes when it is built), so one compiled
 * graph serves every shape up to its buffers' capacity.
 */
public final class GemmKernels {
    private GemmKernels() {}

    /** Tile edge: a work-group is TILE×TILE work-items, each computing one output element. */
    static final int TILE = 16;

    /** dims layout of {@link #tiledGemm}. */
    static final int D_M = 0, D_N = 1, D_K = 2, D_TRANS_B = 3, D_HAS_BIAS = 4, D_TILES_M = 5, D_A_BATCH_STRIDE = 6, D_B_BATCH_STRIDE = 7, D_LEN = 8;

    /**
     * Batched tiled GEMM C[b] = A[b]·op(B[b]) (+ bias), with op(B) = Bᵀ when transB (B stored [N, K],
     * as a Linear weight or a key matrix) or B (stored [K, N]). A is [M, K] row-major. Work-group
     * (gx, gy) computes the TILE×TILE block of columns gx·TILE.. and, for batch gy / tilesM, rows
     * (gy mod tilesM)·TILE..; A and B tiles are staged through local memory.
     *
     * <p>Global work: (ceil(N/T)·T, ceil(M/T)·T·batch); local work (T, T). The sizes are read from
     * {@code dims} at {@code at} (0 for a plan of its own; a trace packs every op's sizes in one buffer).
     */
    public static void tiledGemm(KernelContext ctx, FloatArray a, FloatArray b, FloatArray bias, FloatArray c, IntArray dims, int at) {
        int m = dims.get(at + D_M);
        int n = dims.get(at + D_N);
        int k = dims.get(at + D_K);
        int transB = dims.get(at + D_TRANS_B);
        int tilesM = dims.get(at + D_TILES_M);
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int gy = ctx.groupIdy;
        int batch = gy / tilesM;
        int row = (gy - batch * tilesM) * TILE + ly;
        int colBase = ctx.groupIdx * TILE;
        int col = colBase + lx;
        int aBase = batch * dims.get(at + D_A_BATCH_STRIDE);
        int bBase = batch * dims.get(at + D_B_BATCH_STRIDE);

        float[] aTile = ctx.allocateFloatLocalArray(TILE * TILE);
        float[] bTile = ctx.allocateFloatLocalArray(TILE * TILE);
        float sum = 0.0f;
        int tiles = (k + TILE - 1) / TILE;
        for (int t = 0; t < tiles; t++) {
            // aTile[r][kk] = A[row, t·T + kk]   (thread (lx, ly) loads kk = lx: coalesced along K)
            int ka = t * TILE + lx;
            float av = 0.0f;
            if (row < m && ka < k) {
                av = a.get(aBase + row * k + ka);
            }
            aTile[ly * TILE + lx] = av;
            // bTile[kk][cc] = op(B)[t·T + kk, colBase + cc]
            float bv = 0.0f;
            if (transB == 1) {
                int nb = colBase + ly;
                int kb = t * TILE + lx;
                if (nb < n && kb < k) {
                    bv = b.get(bBase + nb * k + kb);
                }
                bTile[lx * TILE + ly] = bv;
            } else {
                int kb = t * TILE + ly;
                if (col < n && kb < k) {
                    bv = b.get(bBase + kb * n + col);
                }
                bTile[ly * TILE + lx] = bv;
            }
            ctx.localBarrier();
            for (int kk = 0; kk < TILE; kk++) {
                sum += aTile[ly * TILE + kk] * bTile[kk * TILE + lx];
            }
            ctx.localBarrier();
        }
        if (row < m && col < n) {
            if (dims.get(at + D_HAS_BIAS) == 1) {
                sum += bias.get(col);
            }
            c.set(batch * m * n + row * n + col, sum);
        }
    }

    /**
     * The same product without local memory or barriers, one work-item per output element and one
     * plain K loop (B addressed through strides, so there is no branch in the loop): much faster on
     * CPU OpenCL devices (PoCL), where the work-items of a group run as one vectorized loop and
     * barriers are costly. Global work (N, M·batch); same dims as {@link #tiledGemm}, except that
     * D_TILES_M carries the batch count.
     */
    public static void directGemm(KernelContext ctx, FloatArray a, FloatArray b, FloatArray bias, FloatArray c, IntArray dims, int at) {
        int m = dims.get(at + D_M);
        int n = dims.get(at + D_N);
        int k = dims.get(at + D_K);
        int transB = dims.get(at + D_TRANS_B);
        int col = ctx.globalIdx;
        int gy = ctx.globalIdy;
        int batch = gy / m;
        int row = gy - batch * m;
        if (col < n && batch < dims.get(at + D_TILES_M)) {
            int aRow = batch * dims.get(at + D_A_BATCH_STRIDE) + row * k;
            int colStride = 1;
            int kStride = n;
            if (transB == 1) {
                colStride = k;
                kStride = 1;
            }
            int bCol = batch * dims.get(at + D_B_BATCH_STRIDE) + col * colStride;
            float sum = 0.0f;
            for (int p = 0; p < k; p++) {
                sum += a.get(aRow + p) * b.get(bCol + p * kStride);
            }
            if (dims.get(at + D_HAS_BIAS) == 1) {
                sum += bias.get(col);
            }
            c.set(batch * m * n + row * n + col, sum);
        }
    }

    /**
     * LoRA merge W + s·B·A: W [O, I], B [O, r], A [r, I]; dims = (O, I, r), params = (s).
     * Global work (I, O) rounded up to the work-group.
     */
    public static void addLowRank(KernelContext ctx, FloatArray w, FloatArray bm, FloatArray am, FloatArray params, FloatArray out, IntArray dims) {
        int i = ctx.globalIdx;
        int o = ctx.globalIdy;
        int rows = dims.get(0);
        int cols = dims.get(1);
        int r = dims.get(2);
        if (i < cols && o < rows) {
            float acc = 0.0f;
            for (int t = 0; t < r; t++) {
                acc += bm.get(o * r + t) * am.get(t * cols + i);
            }
            out.set(o * cols + i, w.get(o * cols + i) + params.get(0) * acc);
        }
    }
}
