package io.lora4j.optim;

import io.lora4j.engine.BadInputException;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;

/**
 * CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016, with its default parameters):
 * weighted recombination, cumulative step-size adaptation (CSA), rank-one and rank-μ covariance updates
 * including the negative ("active") weights of the tutorial, as pycma uses by default. Bounds are
 * handled by reflection (a sampled point outside the box is mirrored into it, and the repaired point
 * enters the update). Seeded; optional IPOP restarts (population doubled each restart) while budget is left.
 *
 * <p>Two interfaces: {@link #minimize} (an {@link Optimizer}; a {@link BatchObjective} gets each
 * generation in one call), and the ask/tell {@link State} for callers
 * that evaluate a whole population together (a batched forward pass):
 * <pre>{@code
 * CmaEs.State s = CmaEs.start(x0, 0.5, Bounds.box(n, -1.5, 1.5), 0, seed);
 * while (!s.shouldStop()) { double[][] xs = s.ask(); s.tell(xs, evaluateAll(xs)); }
 * }</pre>
 */
public final class CmaEs implements Optimizer {
    private final int populationSize;
    private final int restarts;

    /** Default population (4 + ⌊3 ln n⌋), no restarts. */
    public CmaEs() {
        this(0, 0);
    }

    /** {@code populationSize} 0 = default; {@code restarts}: IPOP restarts allowed after a run stops early. */
    public CmaEs(int populationSize, int restarts) {
        if (populationSize < 0 || populationSize == 1 || restarts < 0) throw new BadInputException("cma: bad population size " + populationSize + " or restarts " + restarts);
        this.populationSize = populationSize;
        this.restarts = restarts;
    }

    @Override
    public String name() {
        return "cma";
    }

    /** The default population size 4 + ⌊3 ln n⌋. */
    public static int defaultPopulationSize(int n) {
        return 4 + (int) Math.floor(3 * Math.log(n));
    }

    /** Starts an ask/tell run. {@code lambda} 0 = default population size. */
    public static State start(double[] mean, double sigma, Bounds bounds, int lambda, long seed) {
        EvaluationLog.checkArguments(mean, bounds, sigma, 1);
        return new State(bounds.clip(mean), sigma, bounds, lambda == 0 ? defaultPopulationSize(mean.length) : lambda, seed);
    }

    @Override
    public OptimizationResult minimize(Objective f, double[] start, Bounds bounds, double initialStep, int budget, long seed) {
        EvaluationLog.checkArguments(start, bounds, initialStep, budget);
        EvaluationLog log = new EvaluationLog(f, budget);
        int lambda = populationSize == 0 ? defaultPopulationSize(start.length) : populationSize;
        SplittableRandom seeds = new SplittableRandom(seed);
        for (int run = 0; run <= restarts && !log.exhausted(); run++, lambda *= 2) {
            State s = new State(bounds.clip(start), initialStep, bounds, lambda, seeds.nextLong());
            while (!log.exhausted() && !s.shouldStop()) {
                double[][] xs = s.ask();
                if (xs.length > log.remaining()) { // last partial generation: spend the rest of the budget, no update
                    log.evaluateAll(Arrays.copyOf(xs, log.remaining()));
                    break;
                }
                s.tell(xs, log.evaluateAll(xs));
            }
        }
        return log.result();
    }

    /** One CMA-ES run's state for ask/tell. Not thread-safe. */
    public static final class State {
        private final int n, lambda, mu;
        private final double[] weights; // λ weights: μ positive (sum 1), λ-μ negative (active update)
        private final double mueff, cc, cs, c1, cmu, damps, chiN;
        private final Bounds bounds;
        private final SplittableRandom rnd;
        private double[] mean;
        private double sigma;
        private final double[] pc, ps;
        private double[][] c, b; // covariance, eigenvectors (columns)
        private double[] d; // sqrt of eigenvalues
        private double[][] lastZ; // standard normal samples of the last ask (unused after repair)
        private int generation, eigenGeneration, evaluations;
        private double bestValue = Double.POSITIVE_INFINITY;
        private double[] best;
        private final double[] recentBest = new double[20];
        private String stopReason;

        State(double[] mean, double sigma, Bounds bounds, int lambda, long seed) {
            if (lambda < 2) throw new BadInputException("cma: population size must be at least 2, got " + lambda);
            this.n = mean.length;
            this.lambda = lambda;
            this.mu = lambda / 2;
            this.bounds = bounds;
            this.rnd = new SplittableRandom(seed);
            this.mean = mean.clone();
            this.sigma = sigma;
            double[] wp = new double[lambda];
            double sumPos = 0, sumPos2 = 0, sumNeg = 0, sumNeg2 = 0;
            for (int i = 0; i < lambda; i++) {
                wp[i] = Math.log((lambda + 1) / 2.0) - Math.log(i + 1);
                if (i < mu) { sumPos += wp[i]; sumPos2 += wp[i] * wp[i]; } else { sumNeg += wp[i]; sumNeg2 += wp[i] * wp[i]; }
            }
            mueff = sumPos * sumPos / sumPos2;
            double mueffNeg = sumNeg2 == 0 ? 0 : sumNeg * sumNeg / sumNeg2;
            cc = (4 + mueff / n) / (n + 4 + 2 * mueff / n);
            cs = (mueff + 2) / (n + mueff + 5);
            c1 = 2 / ((n + 1.3) * (n + 1.3) + mueff);
            double alphaCov = 2;
            cmu = Math.min(1 - c1, alphaCov * (mueff - 2 + 1 / mueff) / ((n + 2) * (n + 2) + alphaCov * mueff / 2));
            damps = 1 + 2 * Math.max(0, Math.sqrt((mueff - 1) / (n + 1)) - 1) + cs;
            chiN = Math.sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
            double alphaMuNeg = 1 + c1 / cmu;
            double alphaMueffNeg = 1 + 2 * mueffNeg / (mueff + 2);
            double alphaPosdefNeg = (1 - c1 - cmu) / (n * cmu);
            double negScale = Math.min(alphaMuNeg, Math.min(alphaMueffNeg, alphaPosdefNeg));
            weights = new double[lambda];
            for (int i = 0; i < lambda; i++) weights[i] = i < mu ? wp[i] / sumPos : negScale * wp[i] / Math.abs(sumNeg);
            pc = new double[n];
            ps = new double[n];
            c = identity(n);
            b = identity(n);
            d = new double[n];
            Arrays.fill(d, 1);
        }

        /** Samples λ candidates (reflected into the bounds). */
        public double[][] ask() {
            double[][] xs = new double[lambda][n];
            lastZ = new double[lambda][n];
            for (int k = 0; k < lambda; k++) {
                double[] z = lastZ[k];
                for (int i = 0; i < n; i++) z[i] = rnd.nextGaussian();
                for (int i = 0; i < n; i++) {
                    double y = 0;
                    for (int j = 0; j < n; j++) y += b[i][j] * d[j] * z[j];
                    xs[k][i] = mean[i] + sigma * y;
                }
                bounds.reflect(xs[k]);
            }
            return xs;
        }

        /** Updates the distribution from the candidates of the last {@link #ask()} and their values (minimized; NaN = worst). */
        public void tell(double[][] xs, double[] values) {
            if (xs.length != lambda || values.length != lambda) throw new BadInputException("cma: tell needs " + lambda + " candidates and values");
            Integer[] order = new Integer[lambda];
            for (int k = 0; k < lambda; k++) order[k] = k;
            Arrays.sort(order, (p, q) -> Double.compare(key(values[p]), key(values[q])));
            evaluations += lambda;
            double gBest = key(values[order[0]]);
            if (gBest < bestValue || best == null) {
                bestValue = gBest;
                best = xs[order[0]].clone();
            }
            recentBest[generation % recentBest.length] = gBest;
            double[] old = mean;
            double[][] y = new double[lambda][n]; // (x - m_old) / σ, in rank order
            for (int r = 0; r < lambda; r++) for (int i = 0; i < n; i++) y[r][i] = (xs[order[r]][i] - old[i]) / sigma;
            double[] ymean = new double[n];
            for (int r = 0; r < mu; r++) for (int i = 0; i < n; i++) ymean[i] += weights[r] * y[r][i];
            mean = new double[n];
            for (int i = 0; i < n; i++) mean[i] = old[i] + sigma * ymean[i];
            // CSA: ps ← (1-cs) ps + sqrt(cs(2-cs)μeff) C^{-1/2} ymean
            double[] invSqrtY = invSqrtC(ymean);
            double f = Math.sqrt(cs * (2 - cs) * mueff);
            double psNorm2 = 0;
            for (int i = 0; i < n; i++) {
                ps[i] = (1 - cs) * ps[i] + f * invSqrtY[i];
                psNorm2 += ps[i] * ps[i];
            }
            double psNorm = Math.sqrt(psNorm2);
            boolean hsig = psNorm / Math.sqrt(1 - Math.pow(1 - cs, 2.0 * (generation + 1))) / chiN < 1.4 + 2.0 / (n + 1);
            double fc = hsig ? Math.sqrt(cc * (2 - cc) * mueff) : 0;
            for (int i = 0; i < n; i++) pc[i] = (1 - cc) * pc[i] + fc * ymean[i];
            // covariance: rank-one (pc) and rank-μ (positive and, scaled, negative weights)
            double[] wc = weights.clone();
            double sumW = 0;
            for (int r = 0; r < lambda; r++) {
                if (wc[r] < 0) {
                    double[] z = invSqrtC(y[r]);
                    double nz = 0;
                    for (double v : z) nz += v * v;
                    wc[r] *= nz > 0 ? n / nz : 0;
                }
                sumW += weights[r];
            }
            double deltaH = hsig ? 0 : cc * (2 - cc);
            double keep = 1 + c1 * deltaH - c1 - cmu * sumW;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double rankMu = 0;
                    for (int r = 0; r < lambda; r++) rankMu += wc[r] * y[r][i] * y[r][j];
                    double v = keep * c[i][j] + c1 * pc[i] * pc[j] + cmu * rankMu;
                    c[i][j] = v;
                    c[j][i] = v;
                }
            }
            sigma *= Math.exp(Math.min(1, (cs / damps) * (psNorm / chiN - 1)));
            generation++;
            if (generation - eigenGeneration >= Math.max(1, (int) (1 / (10.0 * n * (c1 + cmu))))) decompose();
        }

        private static double key(double v) {
            return Double.isNaN(v) ? Double.POSITIVE_INFINITY : v;
        }

        /** B D^{-1} Bᵀ v. */
        private double[] invSqrtC(double[] v) {
            double[] t = new double[n];
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int i = 0; i < n; i++) s += b[i][j] * v[i];
                t[j] = s / d[j];
            }
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < n; j++) s += b[i][j] * t[j];
                out[i] = s;
            }
            return out;
        }

        private void decompose() {
            eigenGeneration = generation;
            RealMatrix m = new Array2DRowRealMatrix(c, true);
            EigenDecomposition e = new EigenDecomposition(m);
            double[] ev = e.getRealEigenvalues();
            RealMatrix v = e.getV();
            double maxEv = 0;
            for (double x : ev) maxEv = Math.max(maxEv, x);
            for (int j = 0; j < n; j++) {
                double lam = ev[j];
                if (!(lam > maxEv * 1e-14)) { // numerically non-positive: stop adapting that direction
                    lam = Math.max(maxEv * 1e-14, 1e-300);
                    if (stopReason == null) stopReason = "covariance lost positive definiteness";
                }
                d[j] = Math.sqrt(lam);
                for (int i = 0; i < n; i++) b[i][j] = v.getEntry(i, j);
            }
            if (maxEv / Math.max(minOf(ev), 1e-300) > 1e14 && stopReason == null) stopReason = "condition number of C above 1e14";
        }

        private static double minOf(double[] a) {
            double m = Double.POSITIVE_INFINITY;
            for (double x : a) m = Math.min(m, x);
            return m;
        }

        private static double[][] identity(int n) {
            double[][] m = new double[n][n];
            for (int i = 0; i < n; i++) m[i][i] = 1;
            return m;
        }

        /** True once the run cannot make progress (step size vanished, fitness flat, C ill-conditioned, σ overflow). */
        public boolean shouldStop() {
            return stopReason() != null;
        }

        /** Why {@link #shouldStop()} is true, or null. */
        public String stopReason() {
            if (stopReason != null) return stopReason;
            double maxD = 0;
            for (double x : d) maxD = Math.max(maxD, x);
            if (sigma * maxD < 1e-12 * Math.max(1, maxAbs(mean))) return "step size below 1e-12 (tolx)";
            if (!Double.isFinite(sigma) || sigma * maxD > 1e12) return "step size diverged";
            if (generation >= recentBest.length) {
                double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
                for (double v : recentBest) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
                if (hi - lo <= 1e-12 * Math.max(1, Math.abs(lo)) && hi - lo <= 0) return "best value flat for " + recentBest.length + " generations";
            }
            return null;
        }

        private static double maxAbs(double[] a) {
            double m = 0;
            for (double x : a) m = Math.max(m, Math.abs(x));
            return m;
        }

        public int populationSize() {
            return lambda;
        }

        public int dimension() {
            return n;
        }

        public double[] mean() {
            return mean.clone();
        }

        public double sigma() {
            return sigma;
        }

        public int generation() {
            return generation;
        }

        /** Evaluations told so far. */
        public int evaluations() {
            return evaluations;
        }

        /** Best candidate told so far (null before the first tell) and its value. */
        public double[] best() {
            return best == null ? null : best.clone();
        }

        public double bestValue() {
            return bestValue;
        }
    }
}
