#!/usr/bin/env python3
"""Golden vectors for gbdt scoring, computed by XGBoost itself.

Trains small XGBoost models (missing values, categorical splits, trees too
deep for the complete-tree layout), writes each as a native ristra model
by an independent Python translation of XGBoost's JSON (so the C tests of
the scorer do not depend on ristra's own importer), and records XGBoost's
margins and probabilities. Each case directory holds model.json,
xgboost.json (the original), input.csv and expected.csv (status, margin,
prob). XGBoost's output depends on its version, so --check retrains and
compares only when the installed XGBoost is the one recorded.

    make_gbdt_golden.py           write the files
    make_gbdt_golden.py --check   retrain and fail if they differ
"""
import ctypes
import io
import json
import pathlib
import sys

import numpy as np
import pandas as pd
import xgboost as xgb

HERE = pathlib.Path(__file__).resolve().parent
_logf = ctypes.CDLL("libm.so.6").logf
_logf.restype = ctypes.c_float
_logf.argtypes = [ctypes.c_float]


def num(x):
    return repr(float(x)) if np.isfinite(x) else "nan"


def base_margin(base_score):
    """XGBoost's LogisticRegression::ProbToMargin, in float32 as in C++."""
    bs = np.float32(base_score)
    return float(np.float32(-_logf(float(np.float32(1.0) / bs - np.float32(1.0)))))


def parse_base_score(text):
    return float(text.strip("[]"))


def convert_tree(t):
    """XGBoost tree JSON -> ristra tree, renumbered breadth-first from the
    root so that pruned (deleted) nodes are dropped."""
    left, right = t["left_children"], t["right_children"]
    order, index = [0], {0: 0}
    for node in order:
        if left[node] != -1:
            for c in (left[node], right[node]):
                index[c] = len(order)
                order.append(c)
    cats = {}
    if t.get("categories_nodes"):
        for node, beg, size in zip(t["categories_nodes"], t["categories_segments"],
                                   t["categories_sizes"]):
            cats[node] = sorted(t["categories"][beg:beg + size])
    out = {"left": [], "right": [], "feature": [], "value": [], "default_left": []}
    cat_nodes, cat_sets = [], []
    for new, node in enumerate(order):
        leaf = left[node] == -1
        out["left"].append(-1 if leaf else index[left[node]])
        out["right"].append(-1 if leaf else index[right[node]])
        out["feature"].append(-1 if leaf else int(t["split_indices"][node]))
        # a categorical split's condition is NaN in XGBoost's JSON: unused
        cond = 0.0 if node in cats else float(np.float32(t["split_conditions"][node]))
        out["value"].append(cond)
        out["default_left"].append(int(bool(t["default_left"][node])) if not leaf else 0)
        if not leaf and node in cats:
            cat_nodes.append(new)
            cat_sets.append(cats[node])
    if cat_nodes:
        out["categories"] = {"nodes": cat_nodes, "sets": cat_sets}
    return out


def native_model(booster, names, name):
    doc = json.loads(booster.save_raw("json"))
    learner = doc["learner"]
    trees = learner["gradient_booster"]["model"]["trees"]
    return {
        "format": "ristra-model", "format_version": 1, "kind": "gbdt",
        "metadata": {"name": f"golden {name}", "version": "1", "outcome": "synthetic",
                     "horizon_days": 365, "intended_use": "test vectors only",
                     "training_population": {"description": "random synthetic data",
                                             "synthetic": True},
                     "source": f"xgboost {xgb.__version__}"},
        "features": [{"name": n, "missing": {"policy": "native"}} for n in names],
        "link": "logit",
        "gbdt": {"semantics": "xgboost",
                 "base_margin": base_margin(parse_base_score(
                     learner["learner_model_param"]["base_score"])),
                 "trees": [convert_tree(t) for t in trees]},
    }


def make_case(name, seed, n_features, n_rows, depth, n_trees, n_categorical=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    cols = {}
    for j in range(n_features):
        if j < n_categorical:
            X[:, j] = rng.integers(0, 6 + j, n_rows)
    logit = X[:, 0] * 0.8 - X[:, 1] + X[:, 2] * X[:, 3] + (X[:, 0] > 2) * 1.5
    y = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    X[rng.random(X.shape) < 0.08] = np.nan
    X[:5, :] = np.nan                               # rows with every value missing
    names = [f"f{j:02d}" for j in range(n_features)]
    df = pd.DataFrame(X, columns=names)
    for j in range(n_categorical):
        df[names[j]] = pd.Categorical(df[names[j]], categories=list(range(6 + j)))
    dtrain = xgb.DMatrix(df, label=y, enable_categorical=n_categorical > 0)
    params = {"objective": "binary:logistic", "max_depth": depth, "eta": 0.3,
              "tree_method": "hist", "max_cat_to_onehot": 1, "seed": seed, "nthread": 1,
              "base_score": 0.3}
    booster = xgb.train(params, dtrain, num_boost_round=n_trees)
    # Score rows the model has not seen, including values on the thresholds.
    Xt = rng.normal(size=(n_rows, n_features)).astype(np.float32)
    for j in range(n_categorical):
        Xt[:, j] = rng.integers(-1, 9 + j, n_rows)   # includes unseen and negative categories
    Xt[rng.random(Xt.shape) < 0.08] = np.nan
    thresholds = [v for t in native_model(booster, names, name)["gbdt"]["trees"]
                  for v, f in zip(t["value"], t["feature"]) if f >= n_categorical]
    for r in range(10, min(n_rows, 60)):
        j = int(rng.integers(n_categorical, n_features))
        Xt[r, j] = rng.choice(thresholds)
    dft = pd.DataFrame(Xt, columns=names)
    for j in range(n_categorical):
        dft[names[j]] = pd.Categorical(dft[names[j]], categories=list(range(6 + j)))
    dtest = xgb.DMatrix(Xt, feature_names=names,
                        feature_types=["c" if j < n_categorical else "q" for j in range(n_features)],
                        enable_categorical=n_categorical > 0)
    margin = booster.predict(dtest, output_margin=True)
    prob = booster.predict(dtest)

    files = {"model.json": json.dumps(native_model(booster, names, name), indent=1) + "\n",
             "xgboost.json": booster.save_raw("json").decode() + "\n"}
    buf = io.StringIO()
    buf.write(",".join(names) + "\n")
    for row in Xt:
        buf.write(",".join(num(v) for v in row) + "\n")
    files["input.csv"] = buf.getvalue()
    buf = io.StringIO()
    buf.write("status,margin,prob\n")
    for m, p in zip(margin, prob):
        buf.write(f"0,{num(m)},{num(p)}\n")
    files["expected.csv"] = buf.getvalue()
    return files


CASES = {
    "gbdt_numeric": dict(seed=11, n_features=20, n_rows=500, depth=4, n_trees=30),
    "gbdt_categorical": dict(seed=12, n_features=8, n_rows=500, depth=5, n_trees=20,
                             n_categorical=2),
    "gbdt_deep": dict(seed=13, n_features=10, n_rows=400, depth=13, n_trees=8),
}


def main():
    check = "--check" in sys.argv
    stamp = HERE / "gbdt_xgboost_version.txt"
    if check and stamp.read_text().strip() != xgb.__version__:
        print(f"golden gbdt vectors were made with XGBoost {stamp.read_text().strip()}, "
              f"this is {xgb.__version__}: not comparing")
        return 0
    bad = 0
    for name, kw in CASES.items():
        files = make_case(name, **kw)
        d = HERE / name
        for fname, text in files.items():
            path = d / fname
            if check:
                if not path.exists() or path.read_text() != text:
                    print(f"{path}: differs from what XGBoost {xgb.__version__} gives now")
                    bad += 1
            else:
                d.mkdir(exist_ok=True)
                path.write_text(text)
    if not check:
        stamp.write_text(xgb.__version__ + "\n")
    else:
        print("golden gbdt vectors:", "stale" if bad else "match XGBoost", xgb.__version__)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
