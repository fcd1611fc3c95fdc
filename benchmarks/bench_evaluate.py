#!/usr/bin/env python3
"""ristra_evaluate() against scikit-learn on the same data, side by side.

ristra computes everything (AUROC + DeLong interval, average precision,
Brier, calibration intercept and slope, 10 bins, 4 cut-points) for everyone
and for each group; the peer computes only what scikit-learn offers
(roc_auc_score, average_precision_score, brier_score_loss) for everyone and
each group. Prints median seconds over --repeat runs and the ratio.

usage: bench_evaluate.py [--n 1000000] [--groups 32] [--threads 1] [--repeat 5]
       (RISTRA_LIBRARY or --library: path of libristra.so)
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "parity"))
import evaluate_ctypes as ec  # noqa: E402


def median_seconds(fn, repeat):
    """Median wall and process-CPU seconds (CPU time is steadier on a shared machine)."""
    wall, cpu = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--groups", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--library", default=os.environ.get("RISTRA_LIBRARY", "build/libristra.so"))
    args = ap.parse_args()

    rng = np.random.default_rng(7)
    risk = rng.beta(1.2, 12.0, args.n)
    y = (rng.random(args.n) < risk).astype(np.uint8)
    group = rng.integers(0, args.groups, args.n).astype(np.int32)
    lib = ec.load(args.library)

    def ristra():
        ec.evaluate(lib, risk, y, group, n_threads=args.threads)

    members = [np.flatnonzero(group == g) for g in range(args.groups)]

    def sklearn():
        for rows in [slice(None)] + members:
            roc_auc_score(y[rows], risk[rows])
            average_precision_score(y[rows], risk[rows])
            brier_score_loss(y[rows], risk[rows])

    w_ristra, c_ristra = median_seconds(ristra, args.repeat)
    w_sklearn, c_sklearn = median_seconds(sklearn, args.repeat)
    print(f"n={args.n} groups={args.groups} threads={args.threads} repeat={args.repeat}")
    print(f"ristra_evaluate (all metrics, everyone + groups): wall {w_ristra:.3f} s, "
          f"cpu {c_ristra:.3f} s")
    print(f"sklearn (AUROC, AP, Brier only, everyone + groups): wall {w_sklearn:.3f} s, "
          f"cpu {c_sklearn:.3f} s")
    print(f"ratio sklearn / ristra: wall {w_sklearn / w_ristra:.1f}x, "
          f"cpu {c_sklearn / c_ristra:.1f}x")


if __name__ == "__main__":
    main()
