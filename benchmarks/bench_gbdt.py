#!/usr/bin/env python3
"""Tree scoring, ristra beside XGBoost's C API, in one run.

Makes 1,000,000 rows x 40 features (float32, 5% missing), trains a
500-tree depth-6 and a 200-tree depth-8 binary:logistic model, and a
300-tree depth-4 one on the first 30 features, with XGBoost, converts each to ristra's format, then runs bench_gbdt (one
process that scores the same rows with XGBoosterPredictFromDense and with
ristra_model_score) single-threaded and with 2 threads. Prints ns per row
per tree, the ratio, and whether the margins are identical.

    /usr/bin/python3 benchmarks/bench_gbdt.py [--rows N] [--repeats K] [--build DIR]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import xgboost as xgb

ROOT = pathlib.Path(__file__).resolve().parents[1]
MODELS = [dict(name="depth6_500", depth=6, trees=500, features=40),
          dict(name="depth8_200", depth=8, trees=200, features=40),
          dict(name="depth4_300_f30", depth=4, trees=300, features=30)]
N_FEATURES = 40


def make_data(rows, seed=7):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, N_FEATURES)).astype(np.float32)
    logit = (X[:, 0] - 0.8 * X[:, 1] + 0.6 * X[:, 2] * X[:, 3] + 0.4 * np.sin(3 * X[:, 4])
             + 0.3 * X[:, 5:15].sum(axis=1) - 2.5)
    y = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(np.float32)
    X[rng.random(X.shape) < 0.05] = np.nan
    return X, y


def convert(xgb_path, out_path, build, n_features):
    """The product's own importer: `ristra convert --from xgboost`."""
    cli = pathlib.Path(build) / "bindings" / "cli" / "ristra"
    names = ",".join(f"f{j:02d}" for j in range(n_features))
    subprocess.run([str(cli), "convert", "--from", "xgboost", "--feature-names", names,
                    str(xgb_path), str(out_path)], check=True, capture_output=True, text=True)
    return "ristra convert"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--build", default=str(ROOT / "build"))
    ap.add_argument("--single-calls", type=int, default=100_000,
                    help="calls on one row for the latency figure (0: skip)")
    args = ap.parse_args()
    load = os.getloadavg()
    print(f"load average at the start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    work = pathlib.Path(args.build) / "bench-work"
    work.mkdir(parents=True, exist_ok=True)
    bench = pathlib.Path(args.build) / "benchmarks" / "bench_gbdt"

    X, y = make_data(args.rows)
    results = []
    for m in MODELS:
        nf = m["features"]
        Xm = np.ascontiguousarray(X[:, :nf])
        data = work / (f"gbdt_rows{args.rows}.f32" if nf == N_FEATURES
                       else f"gbdt_rows{args.rows}_f{nf}.f32")
        if not data.exists():
            Xm.tofile(data)
        xgb_path = work / f"{m['name']}.json"
        if not xgb_path.exists():
            n_train = min(args.rows, 200_000)
            dtrain = xgb.DMatrix(Xm[:n_train], label=y[:n_train])
            params = {"objective": "binary:logistic", "max_depth": m["depth"], "eta": 0.1,
                      "tree_method": "hist", "nthread": 2, "seed": 1, "min_child_weight": 0,
                      "lambda": 0.1}
            xgb.train(params, dtrain, num_boost_round=m["trees"]).save_model(str(xgb_path))
        native = work / f"{m['name']}.ristra.json"
        how = convert(xgb_path, native, args.build, nf)
        for threads in (1, 2):
            cmd = [str(bench), str(data), str(args.rows), str(nf), str(xgb_path), str(native),
                   str(m["trees"]), str(threads), str(args.repeats)]
            single = threads == 1 and m["name"] == "depth6_500" and args.single_calls > 0
            if single:
                cmd.append(str(args.single_calls))
            out = subprocess.run(cmd, check=True, capture_output=True, text=True)
            lines = out.stdout.strip().splitlines()
            if single:
                s = json.loads(lines[0])
                s["model"] = m["name"]
                results.append(s)
                print(f"{m['name']:>14}  one row, {s['single_row_calls']} calls, CPU time per call:"
                      f"  XGBoost {s['xgboost_us']:.2f} us  ristra {s['ristra_us']:.2f} us"
                      f"  ratio {s['ratio']:.2f}x  identical {s['identical']}", flush=True)
                print(f"                ristra us per row for calls of 1..{len(s['ristra_us_per_row_by_rows'])} rows: "
                      + " ".join(f"{v:.2f}" for v in s["ristra_us_per_row_by_rows"]), flush=True)
            r = json.loads(lines[-1])
            r["model"] = m["name"]
            r["converted_by"] = how
            results.append(r)
            print(f"{m['name']:>14}  threads={threads}  xgboost {r['xgboost_ns_per_row_tree']:7.2f} ns/row/tree"
                  f"  ristra {r['ristra_ns_per_row_tree']:6.2f} ns/row/tree  ratio {r['ratio']:5.2f}x"
                  f"  (CPU time: {r['xgboost_cpu_ns_per_row_tree']:.2f} / {r['ristra_cpu_ns_per_row_tree']:.2f}"
                  f" = {r['cpu_ratio']:.2f}x)"
                  f"  max|diff| {r['max_abs_margin_diff']:.1e}  identical {r['identical_rows']}/{r['rows']}",
                  flush=True)
    load = os.getloadavg()
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    (work / "bench_gbdt_results.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
