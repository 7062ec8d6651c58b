#!/usr/bin/env python3
"""pycma's evaluations-to-target on the sphere and the ellipsoid (dims 10, 20; target 1e-8), the
reference numbers for CmaEsVsPycmaTest.

    /work/venv/bin/python tools/reference/optim_pycma.py

Setup (mirrored by the Java test): x0 = 3·1, sigma0 = 2, default pycma options (population
4 + floor(3 ln n), active CMA) except ftarget=1e-8 and no other stopping criteria; seeds 1..11;
evaluations counted by pycma (es.countevals, whole generations) when the target is reached; the
median over the seeds is reported.
"""
import statistics

import cma
import numpy as np


def sphere(x):
    return float(np.dot(x, x))


def ellipsoid(x):
    n = len(x)
    return float(sum(10 ** (6.0 * i / (n - 1)) * x[i] ** 2 for i in range(n)))


def evals_to_target(f, n, seed):
    es = cma.CMAEvolutionStrategy(n * [3.0], 2.0, {"seed": seed, "ftarget": 1e-8, "verbose": -9, "tolfun": 0,
                                                   "tolfunhist": 0, "tolx": 0, "tolstagnation": 10 ** 9,
                                                   "maxfevals": 10 ** 6})
    while not es.stop():
        xs = es.ask()
        es.tell(xs, [f(x) for x in xs])
    assert es.result.fbest <= 1e-8, es.stop()
    return es.countevals


if __name__ == "__main__":
    print("cma", cma.__version__)
    for name, f in [("sphere", sphere), ("ellipsoid", ellipsoid)]:
        for n in (10, 20):
            e = [evals_to_target(f, n, s) for s in range(1, 12)]
            print(f"{name} n={n}: median {statistics.median(e)} evaluations (seeds 1..11: {e})")
