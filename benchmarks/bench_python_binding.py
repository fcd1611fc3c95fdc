#!/usr/bin/env python3
"""What the Python binding costs on top of the C call it wraps.

Scores the same rows with the example logistic model three ways in one run:
ristra_model_score called directly through ctypes (the floor), Model.predict
on a NumPy array (passed without a copy), and Model.predict on a pandas
DataFrame (matched by name, converted once). Prints medians and the ratio of
each to the direct call, for one row (a GP system's single patient) and for
a large block.

    RISTRA_LIBRARY=build/libristra.so.1 PYTHONPATH=bindings/python \\
        /usr/bin/python3 benchmarks/bench_python_binding.py [--rows N] [--repeats R]
"""
import argparse
import ctypes
import pathlib
import statistics
import time

import numpy as np
import pandas as pd

import ristra
from ristra import _lib

MODEL = pathlib.Path(__file__).resolve().parents[1] / "models" / "example_logistic.json"


def median_seconds(fn, repeats, inner):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    model = ristra.Model.load(MODEL)
    lib = _lib.lib()
    k = model.n_features
    rng = np.random.default_rng(0)
    print(f"libristra {ristra.library_version()} from {ristra.library_path()}; "
          f"n_threads={args.threads}")
    print(f"{'rows':>9} {'way':<22} {'median':>12} {'vs direct':>10}")
    for n, inner in ((1, 20000), (args.rows, 1)):
        X = np.column_stack([rng.integers(0, 100, n), rng.integers(0, 2, n),
                             rng.integers(1, 11, n)] + [rng.poisson(0.5, n)] * (k - 3)) \
            .astype(np.float64)
        df = pd.DataFrame(X, columns=model.feature_names)
        out = np.empty(n)
        opts = _lib.ScoreOptions(_lib.SCORE_OPTIONS_VERSION, args.threads)
        handle, xp, op, optp = model._ptr, X.ctypes.data, out.ctypes.data, ctypes.byref(opts)

        def direct():
            lib.ristra_model_score(op, None, None, handle, xp, 2, n, k, k, 1, optp)

        ways = [("direct ctypes call", direct),
                ("predict(ndarray)", lambda: model.predict(X, n_threads=args.threads)),
                ("predict(DataFrame)", lambda: model.predict(df, n_threads=args.threads))]
        base = None
        for name, fn in ways:
            s = median_seconds(fn, args.repeats, inner)
            base = base or s
            unit = f"{s * 1e6:9.2f} us" if s < 1e-3 else f"{s * 1e3:9.2f} ms"
            print(f"{n:>9} {name:<22} {unit:>12} {s / base:>9.2f}x")
        direct()
        np.testing.assert_array_equal(out, model.predict(df, n_threads=args.threads))


if __name__ == "__main__":
    main()
