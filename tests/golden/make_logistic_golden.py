#!/usr/bin/env python3
"""Golden vectors for logistic scoring, computed independently with numpy.

Each case directory holds model.json (native format), input.csv (the
model's features, "nan" = missing) and expected.csv (status, margin, prob).
The C, Python and R tests all check ristra against these files.

    make_logistic_golden.py           write the files
    make_logistic_golden.py --check   recompute and fail if they differ
"""
import io
import json
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent

ROW_OK, ROW_MISSING, ROW_OUT_OF_RANGE = 0, 1, 2


def num(x):
    return repr(float(x)).replace("inf", "Infinity") if np.isfinite(x) else "nan"


def make_case(name, seed, n_features, n_rows, calibration=None, margin_scale=1.0):
    rng = np.random.default_rng(seed)
    features = []
    for j in range(n_features):
        lo = float(rng.integers(-50, 0)) if j % 3 else 0.0
        hi = lo + float(rng.integers(10, 200))
        bounded = j % 4 != 3                       # every fourth feature is unbounded
        policy = "reject" if j % 5 == 0 else "impute"
        f = {"name": f"x{j:02d}", "description": f"synthetic feature {j}", "unit": "units",
             "valid_range": [lo, hi] if bounded else [None, None],
             "missing": {"policy": policy}}
        if policy == "impute":
            f["missing"]["value"] = float(np.round(rng.uniform(lo, hi), 3))
        features.append(f)
    coef = rng.normal(0, 0.05 * margin_scale, n_features)
    intercept = float(rng.normal(-3, 1))
    model = {
        "format": "ristra-model", "format_version": 1, "kind": "logistic",
        "metadata": {"name": f"golden {name}", "version": "1", "outcome": "synthetic",
                     "horizon_days": 365, "intended_use": "test vectors only",
                     "training_population": {"description": "none: random coefficients"}},
        "features": features, "link": "logit",
        "logistic": {"intercept": intercept, "coefficients": [float(c) for c in coef]},
    }
    if calibration:
        model["calibration"] = {"intercept": calibration[0], "slope": calibration[1]}

    X = np.empty((n_rows, n_features))
    for j, f in enumerate(features):
        lo, hi = f["valid_range"]
        lo = -100.0 if lo is None else lo
        hi = 100.0 if hi is None else hi
        X[:, j] = np.round(rng.uniform(lo, hi, n_rows), 4)
    X[rng.random(X.shape) < 0.05] = np.nan
    X[0, 0] = np.nan            # feature 0's policy is "reject": row 0 is always rejected
    if features[0]["valid_range"][0] is not None:
        X[1, 0] = features[0]["valid_range"][1] + 1.0   # and row 1 is out of range
    # a few values just outside the valid range, and exactly on its bounds
    for _ in range(n_rows // 50):
        r, j = rng.integers(n_rows), rng.integers(n_features)
        lo, hi = features[j]["valid_range"]
        if lo is not None:
            X[r, j] = rng.choice([lo - 1e-9, lo, hi, hi + 0.5])

    status = np.zeros(n_rows, dtype=int)
    Xi = X.copy()
    for j, f in enumerate(features):
        col = X[:, j]
        miss = np.isnan(col)
        lo, hi = f["valid_range"]
        lo = -np.inf if lo is None else lo
        hi = np.inf if hi is None else hi
        out = ~miss & ((col < lo) | (col > hi))
        if f["missing"]["policy"] == "reject":
            bad = miss
            code = ROW_MISSING
        else:
            Xi[miss, j] = f["missing"]["value"]
            bad = np.zeros(n_rows, bool)
            code = ROW_MISSING
        # the first failing feature (in feature order) names the status
        status = np.where((status == 0) & bad, code, status)
        status = np.where((status == 0) & out, ROW_OUT_OF_RANGE, status)
    ok = status == 0
    margin = intercept + np.where(ok[:, None], Xi, 0.0) @ coef
    a, b = calibration if calibration else (0.0, 1.0)
    z = a + b * margin
    prob = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
    margin = np.where(ok, margin, np.nan)
    prob = np.where(ok, prob, np.nan)

    files = {}
    files["model.json"] = json.dumps(model, indent=1) + "\n"
    buf = io.StringIO()
    buf.write(",".join(f["name"] for f in features) + "\n")
    for row in X:
        buf.write(",".join(num(v) for v in row) + "\n")
    files["input.csv"] = buf.getvalue()
    buf = io.StringIO()
    buf.write("status,margin,prob\n")
    for s, m, p in zip(status, margin, prob):
        buf.write(f"{s},{num(m)},{num(p)}\n")
    files["expected.csv"] = buf.getvalue()
    return files


CASES = {
    "logistic_basic": dict(seed=1, n_features=12, n_rows=600),
    "logistic_calibrated": dict(seed=2, n_features=40, n_rows=800, calibration=(0.35, 0.8),
                                margin_scale=6.0),
    "logistic_one_feature": dict(seed=3, n_features=1, n_rows=50),
}


def same(old, new, fname):
    """The model and inputs must match byte for byte. The expected outputs
    must match to 1e-14 relative: numpy's matrix product goes through
    whichever BLAS the machine has (reference or OpenBLAS), whose sums may
    differ in the last bit."""
    if fname != "expected.csv":
        return old == new
    a = np.genfromtxt(io.StringIO(old), delimiter=",", skip_header=1)
    b = np.genfromtxt(io.StringIO(new), delimiter=",", skip_header=1)
    return a.shape == b.shape and bool(
        np.all(np.isclose(a, b, rtol=1e-14, atol=0.0, equal_nan=True)))


def main():
    check = "--check" in sys.argv
    bad = 0
    for name, kw in CASES.items():
        files = make_case(name, **kw)
        d = HERE / name
        for fname, text in files.items():
            path = d / fname
            if check:
                if not path.exists() or not same(path.read_text(), text, fname):
                    print(f"{path}: differs from what numpy computes now")
                    bad += 1
            else:
                d.mkdir(exist_ok=True)
                path.write_text(text)
    if check:
        print("golden logistic vectors:", "stale" if bad else "match numpy")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
