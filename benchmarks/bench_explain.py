#!/usr/bin/env python3
"""Explanations, ristra beside XGBoost's pred_contribs, in one run.

1. The 500-tree depth-6 and 200-tree depth-8 models of bench_gbdt.py (the
   same data recipe: 40 features, float32, 5% missing; trained here, or
   reused from build/bench-work), 10,000 rows: XGBoost 1.7's
   Booster.predict(pred_contribs=True) and ristra_model_explain() (through
   the Python binding, which passes the block without a copy), with 1 and
   2 threads. Prints microseconds per row, the ratio, and the largest
   difference between the two.
2. The 315,000-patient demo area (`ristra synth --patients 315000
   --practices 32 --seed 1`, as `make demo`) with the shipped gbdt model:
   ristra_model_score() and ristra_model_explain() on the same in-memory
   block (1 and 2 threads), and the ratio.

Each figure is the median of --repeats runs.

    /usr/bin/python3 benchmarks/bench_explain.py [--rows N] [--repeats K] [--build DIR]
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

import numpy as np
import xgboost as xgb

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "bindings" / "python"))
from bench_gbdt import MODELS, N_FEATURES, convert, make_data  # noqa: E402


# The two models of bench_gbdt.py the issue names (40 features each).
EXPLAIN_MODELS = ("depth6_500", "depth8_200")


def median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def trained(work, m, build):
    xgb_path = work / f"{m['name']}.json"
    if not xgb_path.exists():
        X, y = make_data(200_000)
        params = {"objective": "binary:logistic", "max_depth": m["depth"], "eta": 0.1,
                  "tree_method": "hist", "nthread": 2, "seed": 1, "min_child_weight": 0,
                  "lambda": 0.1}
        xgb.train(params, xgb.DMatrix(X, label=y), num_boost_round=m["trees"]).save_model(
            str(xgb_path))
    native = work / f"{m['name']}.ristra.json"
    convert(xgb_path, native, build)
    return xgb_path, native


def bench_models(ristra, work, args):
    X, _ = make_data(args.rows, seed=11)
    print(f"{'model':12} {'threads':>7} {'xgboost us/row':>15} {'ristra us/row':>14} "
          f"{'ratio':>7} {'max|diff|':>10}")
    for m in (m for m in MODELS if m["name"] in EXPLAIN_MODELS):
        xgb_path, native = trained(work, m, args.build)
        booster = xgb.Booster(model_file=str(xgb_path))
        model = ristra.Model.load(native)
        for threads in (1, 2):
            booster.set_param({"nthread": threads})
            d = xgb.DMatrix(X, nthread=threads)
            want = booster.predict(d, pred_contribs=True)
            got = model.predict(X, output="contrib", n_threads=threads)
            t_x = median_time(lambda: booster.predict(d, pred_contribs=True), args.repeats)
            t_r = median_time(lambda: model.predict(X, output="contrib", n_threads=threads),
                              args.repeats)
            diff = float(np.abs(got - want).max())
            print(f"{m['name']:12} {threads:7} {1e6 * t_x / len(X):15.1f} "
                  f"{1e6 * t_r / len(X):14.2f} {t_x / t_r:7.1f} {diff:10.2g}", flush=True)


def bench_demo_area(ristra, work, args):
    cli = pathlib.Path(args.build) / "bindings" / "cli" / "ristra"
    area = work / "demo_area.csv.gz"
    if not area.exists():
        subprocess.run([str(cli), "synth", "--patients", "315000", "--practices", "32",
                        "--seed", "1", "--output", str(area)], check=True, capture_output=True)
    model = ristra.Model.load(ROOT / "models" / "demo_gbdt.json.gz")
    pop = ristra.read_population(area, model)
    X = np.ascontiguousarray(pop[pop.status == 0][model.feature_names], dtype=np.float64)
    print(f"\ndemo area: {X.shape[0]} patients, shipped gbdt model "
          f"({model.n_trees} trees, depth {model.max_depth})")
    print(f"{'threads':>7} {'score s':>8} {'explain s':>10} {'explain/score':>14}")
    for threads in (1, 2):
        t_s = median_time(lambda: model.predict(X, n_threads=threads), args.repeats)
        t_e = median_time(lambda: model.predict(X, output="contrib", n_threads=threads),
                          args.repeats)
        print(f"{threads:7} {t_s:8.3f} {t_e:10.3f} {t_e / t_s:14.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--build", default=str(ROOT / "build"))
    args = ap.parse_args()
    os.environ.setdefault("RISTRA_LIBRARY", str(pathlib.Path(args.build) / "libristra.so"))
    import ristra
    work = pathlib.Path(args.build) / "bench-work"
    work.mkdir(parents=True, exist_ok=True)
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    bench_models(ristra, work, args)
    bench_demo_area(ristra, work, args)
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
