"""ristra's XGBoost importer against XGBoost itself.

For each case a model is trained by the installed XGBoost (Debian's 1.7) on
synthetic data with missing values, saved as JSON and UBJSON (plain and
gzip), and also rewritten in the layouts other XGBoost versions write (1.0
booleans without categorical fields or feature names, 1.5, 2.x
iteration_indptr, 3.1 bracketed base_score, trees stored out of order,
thresholds written as long decimals just off a float midpoint). Every file
is imported through ristra's C API (ctypes on RISTRA_LIBRARY) and scored on
100,000 rows: random values with missing ones, values exactly on the
model's thresholds and one float either side, all-missing rows, and
categories that are negative, fractional, unseen or too large. ristra's
margins and probabilities must be within 1e-6 of XGBoost's own
Booster.predict(..., output_margin=True / False). (All-missing rows are
rejected by an imported model's default min_present_features of 1; these
imports set no minimum, so that the trees' default directions are compared
too, and keep every tree, as Booster.predict() uses.) An early-stopped XGBClassifier must score as its predict_proba().

Run alone with `-s` to see the table of largest differences.
"""
import copy
import ctypes
import decimal
import gzip
import json
import os
import pathlib
import re
import time

import numpy as np
import pandas as pd
import pytest
import xgboost as xgb

N_SCORE = 100_000
TOLERANCE = 1e-6
NTHREAD = 2
ROOT = pathlib.Path(__file__).resolve().parents[2]
LIB = os.environ.get("RISTRA_LIBRARY", str(ROOT / "build" / "libristra.so"))


# ---------------------------------------------------------------- ristra through ctypes

class XgbOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("feature_names", ctypes.POINTER(ctypes.c_char_p)),
                ("n_feature_names", ctypes.c_int64),
                ("name", ctypes.c_char_p), ("model_version", ctypes.c_char_p),
                ("outcome", ctypes.c_char_p), ("horizon_days", ctypes.c_int64),
                ("intended_use", ctypes.c_char_p), ("training_population", ctypes.c_char_p),
                ("all_trees", ctypes.c_int), ("min_present_features", ctypes.c_int64),
                ("max_bytes", ctypes.c_size_t)]


class Ristra:
    FLOAT32 = 1

    def __init__(self, path):
        lib = self.lib = ctypes.CDLL(path)
        lib.ristra_last_error.restype = ctypes.c_char_p
        lib.ristra_model_import_xgboost_buffer.argtypes = [
            ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p,
            ctypes.POINTER(XgbOptions)]
        lib.ristra_model_score.argtypes = [
            ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
            ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64,
            ctypes.c_void_p]
        lib.ristra_model_free.argtypes = [ctypes.c_void_p]
        lib.ristra_model_kind.argtypes = [ctypes.c_void_p]

    def import_xgboost(self, data, name, feature_names=None, all_trees=True, min_present=-1):
        opts = XgbOptions(version=1, all_trees=int(all_trees), min_present_features=min_present)
        if feature_names:
            arr = (ctypes.c_char_p * len(feature_names))(*[n.encode() for n in feature_names])
            opts.feature_names, opts.n_feature_names = arr, len(feature_names)
        handle = ctypes.c_void_p()
        rc = self.lib.ristra_model_import_xgboost_buffer(ctypes.byref(handle), data, len(data),
                                                         name.encode(), ctypes.byref(opts))
        if rc:
            raise AssertionError(f"import of {name} failed ({rc}): "
                                 f"{self.lib.ristra_last_error().decode()}")
        return handle

    def score(self, handle, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        n, f = X.shape
        prob, margin = np.empty(n), np.empty(n)
        status = np.empty(n, dtype=np.int32)
        rc = self.lib.ristra_model_score(prob.ctypes.data, margin.ctypes.data,
                                         status.ctypes.data, handle, X.ctypes.data,
                                         self.FLOAT32, n, f, f, 1, None)
        assert rc == 0, self.lib.ristra_last_error().decode()
        assert (status == 0).all()
        return prob, margin


@pytest.fixture(scope="module")
def ristra():
    return Ristra(LIB)


# ---------------------------------------------------------------- data and models

N_NUM, CAT_LEVELS = 10, (4, 9, 30)


def make_frame(rng, n, n_cat):
    X = rng.normal(size=(n, N_NUM + n_cat)).astype(np.float32)
    X[:, 3] = np.round(X[:, 3] * 4)                  # a few distinct values: many ties
    for j, levels in enumerate(CAT_LEVELS[:n_cat]):
        X[:, N_NUM + j] = rng.integers(0, levels, n)
    return X


def names_types(n_cat):
    names = [f"x{j}" for j in range(N_NUM)] + [f"c{j}" for j in range(n_cat)]
    return names, ["float"] * N_NUM + ["c"] * n_cat


def train(case, rng):
    n_cat = case.get("n_cat", 0)
    X = make_frame(rng, case["n_train"], n_cat)
    z = X[:, 0] - 0.8 * X[:, 1] + X[:, 2] * X[:, 3] * 0.5 + (X[:, 4] > 1)
    for j in range(n_cat):
        z = z + np.where(X[:, N_NUM + j] % 3 == 1, 1.2, -0.4)
    y = (rng.random(len(z)) < 1 / (1 + np.exp(-z))).astype(np.float32)
    X[rng.random(X.shape) < 0.08] = np.nan
    names, types = names_types(n_cat)
    df = pd.DataFrame(X, columns=names)
    for j, levels in enumerate(CAT_LEVELS[:n_cat]):
        df[names[N_NUM + j]] = pd.Categorical(df[names[N_NUM + j]], categories=range(levels))
    params = {"nthread": NTHREAD, "seed": 7, "verbosity": 0, "tree_method": "hist",
              "eta": 0.1, "objective": "binary:logistic"}
    params.update(case["params"])
    dtrain = xgb.DMatrix(df, label=y, enable_categorical=n_cat > 0)
    return xgb.train(params, dtrain, case["rounds"]), names, types


def thresholds(doc):
    """The numeric split thresholds of each feature."""
    found = {}
    for t in doc["learner"]["gradient_booster"]["model"].get("trees", []):
        types = t.get("split_type", [0] * len(t["left_children"]))
        for left, f, c, st in zip(t["left_children"], t["split_indices"],
                                  t["split_conditions"], types):
            if left != -1 and st == 0:
                found.setdefault(f, []).append(np.float32(c))
    return found


def scoring_rows(rng, doc, n_cat):
    """N_SCORE rows that reach every kind of branch."""
    X = make_frame(rng, N_SCORE, n_cat) * np.float32(1.3)
    X[rng.random(X.shape) < 0.08] = np.nan
    for f, ts in thresholds(doc).items():             # on a threshold, and one float off
        rows = rng.random(N_SCORE) < 0.15
        v = np.asarray(ts, dtype=np.float32)[rng.integers(0, len(ts), rows.sum())]
        step = rng.integers(-1, 2, len(v))
        v = np.where(step < 0, np.nextafter(v, np.float32(-np.inf)),
                     np.where(step > 0, np.nextafter(v, np.float32(np.inf)), v))
        X[rows, f] = v
    for j, levels in enumerate(CAT_LEVELS[:n_cat]):   # unseen, negative, fractional, huge
        rows = rng.random(N_SCORE) < 0.2
        odd = np.array([-1, -2, levels, levels + 3, 2.5, 0.99, 1e8, 16777216], np.float32)
        X[rows, N_NUM + j] = odd[rng.integers(0, len(odd), rows.sum())]
    X[:500] = np.nan                                  # all missing
    return X


def xgboost_scores(booster, X, names, types):
    d = xgb.DMatrix(X, feature_names=names, feature_types=types,
                    enable_categorical="c" in types, nthread=NTHREAD)
    margin = booster.predict(d, output_margin=True)
    if json.loads(booster.save_config())["learner"]["objective"]["name"] == "binary:logitraw":
        # XGBoost returns the raw margin; ristra (link "logit") applies
        # XGBoost's own float32 sigmoid (common::Sigmoid) to it.
        m = margin.astype(np.float32)
        prob = np.float32(1) / (np.exp(np.minimum(-m, np.float32(88.7))) + np.float32(1) +
                                np.float32(1e-16))
    else:
        prob = booster.predict(d)
    return margin.astype(np.float64), prob.astype(np.float64)


# ---------------------------------------------------------------- other versions' layouts

def dumps(doc):
    return json.dumps(doc, separators=(",", ":")).encode()


def trees_of(doc):
    return doc["learner"]["gradient_booster"]["model"]["trees"]


def as_v1_0(doc):
    d = copy.deepcopy(doc)
    d["version"] = [1, 0, 0]
    for k in ("feature_names", "feature_types"):
        d["learner"].pop(k)
    for k in ("num_target", "boost_from_average"):
        d["learner"]["learner_model_param"].pop(k)
    d["learner"]["gradient_booster"]["model"]["gbtree_model_param"].pop("num_parallel_tree")
    for t in trees_of(d):
        t["default_left"] = [bool(v) for v in t["default_left"]]
        for k in ("split_type", "categories", "categories_nodes", "categories_segments",
                  "categories_sizes"):
            t.pop(k)
    return d


def as_v1_5(doc):
    d = copy.deepcopy(doc)
    d["version"] = [1, 5, 2]
    for t in trees_of(d):
        t["default_left"] = [bool(v) for v in t["default_left"]]
    return d


def as_v2(doc):
    d = copy.deepcopy(doc)
    d["version"] = [2, 0, 3]
    m = d["learner"]["gradient_booster"]["model"]
    per_iteration = int(m["gbtree_model_param"]["num_parallel_tree"])
    m["iteration_indptr"] = list(range(0, len(m["trees"]) + 1, per_iteration))
    return d


def as_v3_1(doc):
    d = as_v2(doc)
    d["version"] = [3, 1, 0]
    p = d["learner"]["learner_model_param"]
    p["base_score"] = "[" + p["base_score"] + "]"
    m = d["learner"]["gradient_booster"]["model"]
    m["gbtree_model_param"]["size_leaf_vector"] = "1"
    for t in m["trees"]:
        t["tree_param"]["size_leaf_vector"] = "1"
    return d


def trees_reversed(doc):
    """Same trees, stored last first: the ids still give the order."""
    d = copy.deepcopy(doc)
    trees_of(d).reverse()
    return d


def near_midpoint_text(doc):
    """Every numeric threshold t rewritten as a 30-digit decimal just above
    the midpoint between t and the next float up, so that reading it as
    float gives that next float only when rounded once (XGBoost's reader
    does): returns the JSON text, for XGBoost and ristra alike."""
    d = copy.deepcopy(doc)
    decimal.getcontext().prec = 60
    texts = {}
    for t in trees_of(d):
        types = t.get("split_type", [0] * len(t["left_children"]))
        for i, (left, st) in enumerate(zip(t["left_children"], types)):
            if left == -1 or st != 0:
                continue
            lo = np.float32(t["split_conditions"][i])
            hi = np.nextafter(lo, np.float32(np.inf))
            mid = (decimal.Decimal(float(lo)) + decimal.Decimal(float(hi))) / 2
            key = f"@T{len(texts)}@"
            texts[key] = format(mid + abs(mid) * decimal.Decimal("1e-25") +
                                decimal.Decimal("1e-45"), "f")
            t["split_conditions"][i] = key
    return re.sub(r'"(@T[0-9]+@)"', lambda m: texts[m.group(1)], dumps(d).decode()).encode()


def variants(booster, names):
    """(label, bytes, feature names to pass, scored like the original?)"""
    doc = json.loads(booster.save_raw("json"))
    raw_json, raw_ubj = bytes(booster.save_raw("json")), bytes(booster.save_raw("ubj"))
    out = [("json", raw_json, None), ("ubj", raw_ubj, None),
           ("json.gz", gzip.compress(raw_json), None), ("ubj.gz", gzip.compress(raw_ubj), None)]
    if doc["learner"]["gradient_booster"]["name"] == "gbtree":
        has_cat = any(t["categories_nodes"] for t in trees_of(doc))
        if not has_cat:
            out.append(("1.0 layout", dumps(as_v1_0(doc)), names))
        out += [("1.5 layout", dumps(as_v1_5(doc)), None),
                ("2.x layout", dumps(as_v2(doc)), None),
                ("3.1 layout", dumps(as_v3_1(doc)), None),
                ("trees reversed", dumps(trees_reversed(doc)), None)]
    return out


# ---------------------------------------------------------------- cases

CASES = {
    "1000 stumps": dict(n_train=4000, rounds=1000, params={"max_depth": 1, "eta": 0.05}),
    "one tree": dict(n_train=2000, rounds=1, params={"max_depth": 3}),
    "depth 10": dict(n_train=6000, rounds=60, params={"max_depth": 10, "base_score": 0.2,
                                                      "min_child_weight": 0.1}),
    "reg:logistic depth 6": dict(n_train=5000, rounds=300,
                                 params={"objective": "reg:logistic", "max_depth": 6}),
    "logitraw depth 4": dict(n_train=4000, rounds=200,
                             params={"objective": "binary:logitraw", "max_depth": 4,
                                     "base_score": 0.1}),
    "categorical partitions": dict(n_train=3000, rounds=100, n_cat=3,
                                   params={"max_depth": 6, "max_cat_to_onehot": 1}),
    "categorical one-hot": dict(n_train=5000, rounds=100, n_cat=3,
                                params={"max_depth": 5, "max_cat_to_onehot": 64}),
    "pruned (exact, gamma)": dict(n_train=2000, rounds=60,
                                  params={"tree_method": "exact", "max_depth": 8, "gamma": 1.5}),
    "random forest layers": dict(n_train=4000, rounds=20,
                                 params={"num_parallel_tree": 4, "subsample": 0.7,
                                         "colsample_bynode": 0.7, "max_depth": 6}),
    "gblinear": dict(n_train=5000, rounds=30,
                     params={"booster": "gblinear", "lambda": 5.0, "eta": 0.3}),
}

RESULTS = []


@pytest.mark.parametrize("case", list(CASES))
def test_ristra_scores_as_xgboost(ristra, case):
    spec = CASES[case]
    rng = np.random.default_rng(list(CASES).index(case) + 11)
    t0 = time.time()
    booster, names, types = train(spec, rng)
    doc = json.loads(booster.save_raw("json"))
    X = scoring_rows(rng, doc, spec.get("n_cat", 0))
    want_margin, want_prob = xgboost_scores(booster, X, names, types)
    checks = [(label, data, fnames, want_margin, want_prob)
              for label, data, fnames in variants(booster, names)]
    if doc["learner"]["gradient_booster"]["name"] == "gbtree":
        text = near_midpoint_text(doc)
        other = xgb.Booster(model_file=bytearray(text))
        m2, p2 = xgboost_scores(other, X, names, types)
        checks.append(("long decimal thresholds", text, None, m2, p2))
    for label, data, fnames, wm, wp in checks:
        handle = ristra.import_xgboost(data, f"{case} ({label})", fnames)
        try:
            prob, margin = ristra.score(handle, X)
        finally:
            ristra.lib.ristra_model_free(handle)
        dm, dp = np.abs(margin - wm).max(), np.abs(prob - wp).max()
        RESULTS.append((case, label, len(X), dm, dp, int((margin != wm).sum())))
        assert dm <= TOLERANCE, f"{case} ({label}): margins differ by up to {dm:.3g}"
        assert dp <= TOLERANCE, f"{case} ({label}): probabilities differ by up to {dp:.3g}"
    print(f"\n{case}: {len(checks)} files, {time.time() - t0:.1f} s")


def teardown_module(module):
    if not RESULTS:
        return
    print("\ncase                      file                      rows   max|dmargin|  "
          "max|dprob|  rows not bit-identical")
    for case, label, n, dm, dp, k in RESULTS:
        print(f"{case:25} {label:25} {n:6} {dm:12.3g} {dp:11.3g} {k:8}")
    print(f"{len(RESULTS)} imports of {len(CASES)} models; worst margin difference "
          f"{max(r[3] for r in RESULTS):.3g}, worst probability difference "
          f"{max(r[4] for r in RESULTS):.3g}")


def test_early_stopped_classifier_scores_as_predict_proba(ristra):
    """XGBClassifier(early_stopping_rounds=5) keeps every tree it grew but
    predict_proba() stops at best_iteration: the import must too (and keep
    them all when asked, as Booster.predict() does)."""
    rng = np.random.default_rng(2012)
    X = rng.normal(size=(6000, 6)).astype(np.float32)
    z = X[:, 0] - X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
    y = (rng.random(len(z)) < 1 / (1 + np.exp(-z))).astype(int)
    X[rng.random(X.shape) < 0.1] = np.nan
    clf = xgb.XGBClassifier(n_estimators=400, early_stopping_rounds=5, learning_rate=0.5,
                            max_depth=5, tree_method="hist", n_jobs=NTHREAD, random_state=3)
    clf.fit(X[:3000], y[:3000], eval_set=[(X[3000:4500], y[3000:4500])], verbose=False)
    n_trees = len(clf.get_booster().get_dump())
    assert clf.best_iteration + 1 < n_trees, "the model must have stopped early"
    data = bytes(clf.get_booster().save_raw("json"))
    Xs = X[4500:]
    names = [f"f{j}" for j in range(X.shape[1])]
    want = clf.predict_proba(Xs)[:, 1]
    every_tree = clf.get_booster().predict(xgb.DMatrix(Xs))
    assert np.abs(want - every_tree).max() > 1e-3, "early stopping must matter here"
    for all_trees, expect in ((False, want), (True, every_tree)):
        handle = ristra.import_xgboost(data, "early-stopped", names, all_trees=all_trees,
                                       min_present=0)
        try:
            prob, _ = ristra.score(handle, Xs)
        finally:
            ristra.lib.ristra_model_free(handle)
        d = np.abs(prob - expect).max()
        assert d <= TOLERANCE, f"all_trees={all_trees}: differs by up to {d:.3g}"
