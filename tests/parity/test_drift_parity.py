"""`ristra drift` against an independent pandas / scikit-learn computation,
on a synthetic pair with drift planted in the current file (an older list, a feature going missing, outcomes that no longer follow
the risks), and on a file against itself (nothing flagged, exit 0).

The risks compared are those `ristra score` writes for each file (checked
elsewhere against XGBoost); PSI, missingness, list and tier sizes, AUROC
(sklearn), the DeLong interval on the difference (midranks), calibration-in-
the-large and slope (sklearn) are recomputed here from docs/drift.md.
"""
import math
import os
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from peer_metrics import Z, delong_variance, slope

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CLI = os.environ.get("RISTRA_CLI", str(SOURCE / "build" / "bindings" / "cli" / "ristra"))
MODEL = SOURCE / "models" / "demo_gbdt.json.gz"
OUTCOME = "emergency_admission_next_12m"
CUTS = (0.005, 0.02, 0.05, 0.20)
NAMES = ("top 0.5%", "top 2%", "top 5%", "top 20%")


def ristra(*args, status=0):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == status, proc.stdout + proc.stderr
    return proc


def read(path):
    return pd.read_csv(path, dtype={"nhs_number": str}, float_precision="round_trip")


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("drift")
    base, cur = d / "base.csv", d / "cur.csv"
    ristra("synth", "--patients", 20000, "--practices", 4, "--seed", 31, "--output", base)
    ristra("synth", "--patients", 18000, "--practices", 4, "--seed", 32, "--output", cur)
    df = read(cur)
    df["age"] = (df["age"] + 25).clip(upper=105)  # an older list (enough to move the risks)
    df.loc[df.index % 4 == 1, "n_medications"] = np.nan
    rng = np.random.default_rng(7)
    df[OUTCOME] = (rng.random(len(df)) < 0.06).astype(int)  # outcomes unrelated to risk
    df.to_csv(cur, index=False)
    for name in ("base", "cur"):
        ristra("score", "--model", MODEL, "--input", d / f"{name}.csv",
               "--output", d / f"{name}_list.csv", "--quiet")
    proc = ristra("drift", "--baseline", base, "--current", cur, "--model", MODEL,
                  "--output", d / "drift.csv", status=3)
    got = pd.read_csv(d / "drift.csv", keep_default_na=False, dtype=str)
    return d, got, proc.stdout


def psi(b, c, n_bins=10):
    """Bins: the distinct baseline values at sorted positions floor(k m / B);
    a value goes to the number of edges below it; missing is a bin."""
    bv = np.sort(b[~np.isnan(b)])
    edges = np.unique([bv[int(k * len(bv) / n_bins)] for k in range(1, n_bins)])
    def shares(x):
        bins = np.where(np.isnan(x), len(edges) + 1, np.searchsorted(edges, x, side="left"))
        return np.bincount(bins.astype(int), minlength=len(edges) + 2) / len(x)
    sb, sc = shares(b), shares(c)
    keep = (sb > 0) | (sc > 0)
    sb, sc = np.where(sb > 0, sb, 1e-4)[keep], np.where(sc > 0, sc, 1e-4)[keep]
    return float(((sc - sb) * np.log(sc / sb)).sum())


def cut_count(c, n):
    k = c * n
    f = math.floor(k)
    return f if k - f <= 1e-12 * k else math.ceil(k)


def num(t):
    return math.nan if t == "" else float(t)


def row(got, measure, subject):
    r = got[(got.measure == measure) & (got.subject == subject)]
    assert len(r) == 1, (measure, subject)
    return r.iloc[0]


def close(a, b, tol=1e-9):
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= tol * max(1.0, abs(b))


def test_psi_and_missingness_match_pandas(pair):
    d, got, _ = pair
    b = read(d / "base.csv").merge(read(d / "base_list.csv"), on=["nhs_number", "practice"])
    c = read(d / "cur.csv").merge(read(d / "cur_list.csv"), on=["nhs_number", "practice"])
    assert close(num(row(got, "psi", "risk").current), psi(b.risk.to_numpy(), c.risk.to_numpy()))
    features = [r.subject for r in got[got.measure == "missing_share"].itertuples()]
    assert "age" in features and "n_medications" in features
    for f in features:
        want = psi(b[f].to_numpy(float), c[f].to_numpy(float))
        r = row(got, "psi", f)
        assert close(num(r.current), want), f
        flag = "major" if want >= 0.25 else "moderate" if want >= 0.1 else ""
        assert r.flag == flag, f
        m = row(got, "missing_share", f)
        assert close(num(m.baseline), b[f].isna().mean()) and close(num(m.current),
                                                                    c[f].isna().mean())
    assert row(got, "missing_share", "n_medications").flag == "changed"
    assert row(got, "psi", "age").flag in ("moderate", "major")


def test_practice_list_and_tier_sizes_match_pandas(pair):
    d, got, _ = pair
    b, c = read(d / "base_list.csv"), read(d / "cur_list.csv")
    for code in sorted(set(b.practice) | set(c.practice)):
        nb, nc = (b.practice == code).sum(), (c.practice == code).sum()
        r = row(got, "list_size", code)
        assert (num(r.baseline), num(r.current)) == (nb, nc)
        assert close(num(row(got, "mean_risk", code).current), c.risk[c.practice == code].mean())
        prev = [0, 0]
        for cut, name in zip(CUTS, NAMES):
            t = row(got, "tier_size", f"{code} {name}")
            eb, ec = cut_count(cut, nb), cut_count(cut, nc)
            assert (num(t.baseline), num(t.current)) == (eb - prev[0], ec - prev[1])
            # the ranked lists' own tier columns agree
            assert (b[(b.practice == code)].tier == name).sum() == eb - prev[0]
            prev = [eb, ec]


def test_auroc_change_and_calibration_match_sklearn(pair):
    d, got, summary = pair
    fig = {}
    for name in ("base", "cur"):
        m = read(d / f"{name}.csv").merge(read(d / f"{name}_list.csv"),
                                          on=["nhs_number", "practice"])
        y, p = m[OUTCOME].to_numpy(int), m.risk.to_numpy()
        fig[name] = (roc_auc_score(y, p), delong_variance(y, p), y.mean() - p.mean(),
                     slope(y, p))
    r = row(got, "auroc", "area")
    diff = fig["cur"][0] - fig["base"][0]
    half = Z * math.sqrt(fig["cur"][1] + fig["base"][1])
    assert close(num(r.baseline), fig["base"][0]) and close(num(r.current), fig["cur"][0])
    assert close(num(r.lower), diff - half) and close(num(r.upper), diff + half)
    assert r.flag == "changed"  # outcomes unrelated to risk now: AUROC near 0.5
    citl = row(got, "calibration_in_the_large", "area")
    assert close(num(citl.baseline), fig["base"][2]) and close(num(citl.current), fig["cur"][2])
    sl = row(got, "calibration_slope", "area")
    assert close(num(sl.baseline), fig["base"][3], 1e-6)
    assert close(num(sl.current), fig["cur"][3], 1e-5)
    assert "AUROC" in summary and "flagged" in summary


def test_a_file_against_itself_flags_nothing(pair):
    d, _, _ = pair
    proc = ristra("drift", "--baseline", d / "base.csv", "--current", d / "base.csv",
                  "--model", MODEL, "--output", d / "same.csv", status=0)
    same = pd.read_csv(d / "same.csv", keep_default_na=False, dtype=str)
    assert (same.flag == "").all()
    assert (same[same.measure == "psi"].current.astype(float) == 0).all()
    assert "0 figures flagged" in proc.stdout


def test_two_ranked_lists_compare_risk_and_sizes(pair):
    d, _, _ = pair
    ristra("drift", "--baseline", d / "base_list.csv", "--current", d / "cur_list.csv",
           "--lists", "--output", d / "lists.csv", status=3)  # the older list moved the risks
    got = pd.read_csv(d / "lists.csv", keep_default_na=False, dtype=str)
    b, c = read(d / "base_list.csv"), read(d / "cur_list.csv")
    assert close(num(row(got, "psi", "risk").current), psi(b.risk.to_numpy(), c.risk.to_numpy()))
    assert set(got.measure) == {"psi", "list_size", "mean_risk", "tier_size"}
