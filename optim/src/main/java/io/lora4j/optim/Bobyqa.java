package io.lora4j.optim;

import org.apache.commons.math3.exception.MathArithmeticException;
import org.apache.commons.math3.exception.MathIllegalStateException;
import org.apache.commons.math3.exception.MathRuntimeException;
import org.apache.commons.math3.exception.TooManyEvaluationsException;
import org.apache.commons.math3.optim.InitialGuess;
import org.apache.commons.math3.optim.MaxEval;
import org.apache.commons.math3.optim.SimpleBounds;
import org.apache.commons.math3.optim.nonlinear.scalar.GoalType;
import org.apache.commons.math3.optim.nonlinear.scalar.ObjectiveFunction;
import org.apache.commons.math3.optim.nonlinear.scalar.noderiv.BOBYQAOptimizer;

/**
 * Powell's BOBYQA (bounded trust-region with quadratic interpolation models), Commons Math's
 * {@link BOBYQAOptimizer}. Deterministic ({@code seed} unused). Budget: at most {@code budget}
 * evaluations; when BOBYQA would need more it is stopped and the best point seen is returned. If it
 * converges early, the rest of the budget goes to further runs from the best point with a smaller
 * radius. Interpolation points: 2n+1 (Powell's recommendation), fewer (≥ n+2) when the budget is too
 * small for the initial model. Commons Math requires n ≥ 2, so a 1-dimensional problem gets a dummy
 * second coordinate the objective never sees. The trust radius is capped at half the narrowest bound width.
 */
public final class Bobyqa implements Optimizer {
    private static final System.Logger LOG = System.getLogger(Bobyqa.class.getName());

    /** Carries an exception thrown by the objective through Commons Math. */
    private static final class ObjectiveFailure extends RuntimeException {
        ObjectiveFailure(RuntimeException cause) {
            super(cause);
        }
    }

    @Override
    public String name() {
        return "bobyqa";
    }

    @Override
    public OptimizationResult minimize(Objective f, double[] start, Bounds bounds, double initialStep, int budget, long seed) {
        EvaluationLog.checkArguments(start, bounds, initialStep, budget);
        EvaluationLog log = new EvaluationLog(f, budget);
        int n = start.length;
        boolean pad = n == 1;
        int m = pad ? 2 : n;
        double[] lo = new double[m], hi = new double[m], x = new double[m];
        double[] s = bounds.clip(start);
        for (int i = 0; i < m; i++) {
            lo[i] = i < n ? bounds.lower(i) : 0;
            hi[i] = i < n ? bounds.upper(i) : 1;
            x[i] = i < n ? s[i] : 0.5;
        }
        double minWidth = Double.POSITIVE_INFINITY;
        for (int i = 0; i < m; i++) minWidth = Math.min(minWidth, hi[i] - lo[i]);
        if (minWidth == 0) { // a fixed coordinate: nothing for BOBYQA to model; evaluate the (only) point
            log.evaluate(s);
            return log.result();
        }
        double radius = Math.min(initialStep, 0.5 * minWidth * (1 - 1e-9));
        ObjectiveFunction of = new ObjectiveFunction(p -> {
            double[] q = pad ? new double[] {p[0]} : p;
            double v;
            try {
                v = log.evaluate(q);
            } catch (RuntimeException e) {
                throw new ObjectiveFailure(e);
            }
            return Double.isNaN(v) ? Double.MAX_VALUE : v;
        });
        while (log.remaining() >= m + 2 && radius > 1e-10) {
            int points = Math.min(2 * m + 1, Math.max(m + 2, log.remaining() - m));
            int before = log.count();
            try {
                new BOBYQAOptimizer(points, radius, Math.min(1e-8, radius * 1e-6))
                        .optimize(new MaxEval(log.remaining()), of, GoalType.MINIMIZE, new InitialGuess(x), new SimpleBounds(lo, hi));
            } catch (TooManyEvaluationsException e) {
                break; // budget spent; the log holds the best point
            } catch (ObjectiveFailure e) {
                throw (RuntimeException) e.getCause(); // the objective's own error, unchanged
            } catch (MathRuntimeException | MathIllegalStateException | MathArithmeticException e) {
                LOG.log(System.Logger.Level.DEBUG, "BOBYQA stopped: {0}; keeping the best point so far", e.getMessage());
                break; // numerical trouble inside BOBYQA: keep the best point seen
            }
            if (log.count() == before) break;
            double[] best = log.result().best();
            for (int i = 0; i < n; i++) x[i] = best[i];
            radius *= 0.1;
        }
        if (log.count() == 0) log.evaluate(s); // budget below n+2: at least evaluate the start
        return log.result();
    }
}
