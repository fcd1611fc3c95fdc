"""ristra_model_explain() against two oracles.

1. XGBoost itself: for models of depth 1 to 16 and 1 to 1,000 trees, with
   missing values (8% of the values, and rows with every value missing,
   which take every default direction) and categorical splits, trained
   here by the installed XGBoost (Debian's 1.7) and imported through
   ristra's C API, every one of ristra's contributions is within 1e-5 of
   Booster.predict(pred_contribs=True), and each row's sum is within 1e-5
   of XGBoost's margin. The small models are checked on 10,000 rows each;
   the large ones on 1,000 to 2,000, since XGBoost's own O(L D^2) TreeSHAP
   is what takes the time (the rows are drawn alike, so fewer rows of a
   large model test the same paths).
2. An exhaustive Shapley computation written below from the definition:
   the path-dependent value function (a feature in S follows the row, one
   outside S averages the children by cover) evaluated on every subset of
   at most 8 features, read straight from XGBoost's JSON. It shares no code
   with the library.
3. Logistic models: coefficient x (value - reference) and the bias, from
   the model file's own numbers read here with json, including imputed
   values and a calibration block; rows sum to the calibrated log-odds
   a + b m of ristra's margin m.

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
from test_xgboost_parity import LIB, Ristra, make_frame, names_types, train  # noqa: E402

# XGBoost runs single-threaded here: on a loaded machine its OpenMP threads
# spin, and two of them made training 17 times as costly (1,000 rounds of
# depth 4: 18.7 s of CPU with nthread 2, 1.1 s with 1).
NTHREAD = 1

TOLERANCE = 1e-5


class Explainer(Ristra):
    def __init__(self, path):
        super().__init__(path)
        self.lib.ristra_model_explain.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
            ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]

        self.lib.ristra_model_load.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]

    def load(self, path):
        handle = ctypes.c_void_p()
        rc = self.lib.ristra_model_load(ctypes.byref(handle), path.encode())
        assert rc == 0, self.lib.ristra_last_error().decode()
        return handle

    def explain(self, handle, X, dtype=np.float32):
        X = np.ascontiguousarray(X, dtype=dtype)
        n, f = X.shape
        out = np.empty((n, f + 1))
        status = np.empty(n, dtype=np.int32)
        rc = self.lib.ristra_model_explain(out.ctypes.data, status.ctypes.data, handle,
                                           X.ctypes.data,
                                           self.FLOAT32 if dtype == np.float32 else 2,
                                           n, f, f, 1, None)
        assert rc == 0, self.lib.ristra_last_error().decode()
        assert (status == 0).all()
        return out


@pytest.fixture(scope="module")
def ristra():
    return Explainer(LIB)


# rows: how many rows are explained (XGBoost's pred_contribs costs about
# T L D^2 per row, so the large models get fewer).
CASES = {
    "1 stump": dict(n_train=2000, rounds=1, rows=10_000, params={"max_depth": 1}),
    "depth 2, 10 trees": dict(n_train=3000, rounds=10, rows=10_000, params={"max_depth": 2}),
    "depth 3, categorical": dict(n_train=4000, rounds=50, n_cat=3, rows=10_000,
                                 params={"max_depth": 3, "max_cat_to_onehot": 1}),
    "depth 6, 100 trees, categorical": dict(n_train=5000, rounds=100, n_cat=3, rows=2000,
                                            params={"max_depth": 6, "max_cat_to_onehot": 1}),
    "depth 8, exact, gamma": dict(n_train=4000, rounds=30, rows=2000,
                                  params={"tree_method": "exact", "max_depth": 8, "gamma": 0.5}),
    "depth 10, 20 trees": dict(n_train=8000, rounds=20, rows=1000,
                               params={"max_depth": 10, "min_child_weight": 0.5}),
    "depth 4, 1000 trees": dict(n_train=2000, rounds=1000, rows=1000, params={"max_depth": 4}),
    "max_depth 16, lossguide": dict(n_train=12000, rounds=6, rows=1000,
                                params={"max_depth": 16, "grow_policy": "lossguide",
                                        "max_leaves": 150, "min_child_weight": 0.1,
                                        "eta": 0.3}),
}

for _spec in CASES.values():
    _spec["params"]["nthread"] = NTHREAD

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
    X = explain_rows(rng, spec["rows"], n_cat)
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


# ---------------------------------------------------------------- logistic models

def test_logistic_contributions_are_coefficient_times_distance_from_reference(ristra, tmp_path):
    doc = json.loads((pathlib.Path(__file__).resolve().parents[2] / "models" /
                      "demo_logistic.json").read_text())
    # two features imputed (an imputed value is explained as that value),
    # and a calibration block (contributions times the slope, the bias
    # a + b bias)
    for j in (3, 15):
        lo, hi = doc["features"][j]["valid_range"]
        doc["features"][j]["missing"] = {"policy": "impute", "value": (lo + hi) / 3}
    doc["calibration"] = {"intercept": 0.25, "slope": 0.8}
    path = tmp_path / "logistic.json"
    path.write_text(json.dumps(doc))
    nf = len(doc["features"])
    rng = np.random.default_rng(77)
    lo = np.array([f["valid_range"][0] for f in doc["features"]], dtype=float)
    hi = np.array([f["valid_range"][1] for f in doc["features"]], dtype=float)
    X = np.round(lo + (hi - lo) * rng.random((5000, nf)) ** 3)
    X[rng.random(5000) < 0.3, 3] = np.nan
    X[rng.random(5000) < 0.3, 15] = np.nan
    handle = ristra.load(str(path))
    try:
        got = ristra.explain(handle, X, np.float64)
        _, margin = ristra.score(handle, X)   # the model's margin, before calibration
    finally:
        ristra.lib.ristra_model_free(handle)
    lg = doc["logistic"]
    coef, ref = np.array(lg["coefficients"]), np.array(lg["reference"])
    x = X.copy()
    for j in (3, 15):
        x[np.isnan(x[:, j]), j] = doc["features"][j]["missing"]["value"]
    a, b = doc["calibration"]["intercept"], doc["calibration"]["slope"]
    want = np.empty((len(X), nf + 1))
    want[:, :nf] = b * coef * (x - ref)
    want[:, nf] = a + b * (lg["intercept"] + coef @ ref)
    worst = np.abs(got - want).max()
    dsum = np.abs(got.sum(axis=1) - (a + b * margin)).max()
    RESULTS.append(("logistic, imputed, calibrated", 0, 0, len(X), worst, dsum))
    assert worst <= 1e-12, f"logistic contributions differ from the definition by {worst:.3g}"
    assert dsum <= 1e-9, f"logistic rows differ from the calibrated log-odds by {dsum:.3g}"


def teardown_module(module):
    if not RESULTS:
        return
    print("\ncase                                depth trees   rows  max|dcontrib|  max|dsum|")
    for case, depth, trees, n, diff, dsum in RESULTS:
        print(f"{case:35} {depth:5} {trees:5} {n:6} {diff:14.3g} {dsum:10.3g}")
