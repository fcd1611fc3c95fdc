"""`ristra score --audit` against an independent pandas / scikit-learn
computation of every figure, on a synthetic area whose ground truth differs
by deprivation (ristra synth --deprivation-effect), so that a mix-up of
groups, tiers or outcomes shows.

Independent: the groupings, the tier of each patient (from
rank_in_practice and the cut-off rule in include/ristra/batch.h, not from
the tier column), the confusion counts, Wilson intervals, the ratios and
their intervals are recomputed here with pandas from the definitions in
docs/audit.md; AUROC with sklearn.metrics.roc_auc_score, DeLong's interval
from midranks (pandas' rank), the calibration slope with scikit-learn's
unpenalised LogisticRegression.
"""
import math
import os
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from peer_metrics import Z, delong, slope, wilson

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CLI = os.environ.get("RISTRA_CLI", str(SOURCE / "build" / "bindings" / "cli" / "ristra"))
MODEL = SOURCE / "models" / "demo_logistic.json"
CUTS = (0.005, 0.02, 0.05, 0.20)
OUTCOME = "emergency_admission_next_12m"


def ristra(*args):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("audit")
    pop, lst, audit = d / "pop.csv", d / "list.csv", d / "audit.csv"
    ristra("synth", "--patients", 40000, "--practices", 7, "--seed", 15,
           "--deprivation-effect", 1.2, "--output", pop)
    # a few unknown outcomes, so that known and everyone differ
    df = pd.read_csv(pop, dtype={"nhs_number": str})
    df[OUTCOME] = df[OUTCOME].astype("Int64")
    df.loc[df.index % 97 == 5, OUTCOME] = pd.NA
    df.to_csv(pop, index=False)
    ristra("score", "--model", MODEL, "--input", pop, "--output", lst, "--audit", audit,
           "--audit-by", "care_home,n_ltc", "--quiet")
    listed = pd.read_csv(lst, dtype={"nhs_number": str})
    merged = listed.merge(df, on=["nhs_number", "practice"], validate="one_to_one")
    got = pd.read_csv(audit, keep_default_na=False, dtype=str)
    return merged, got


def cut_count(c, n):
    k = c * n
    f = math.floor(k)
    return f if k - f <= 1e-12 * k else math.ceil(k)


def ratio_to_whole(x1, n1, x, n):
    """p1 / pa with the delta-method interval of log(p1 / pa), the group
    being part of the whole: Var = Var log p1 - 2 Cov + Var log pa."""
    if n1 == 0 or x == 0:
        return (math.nan, math.nan, math.nan)
    p1, pa = x1 / n1, x / n
    r = p1 / pa
    if x1 == 0:
        return (r, math.nan, math.nan)
    n0, x0 = n - n1, x - x1
    p0 = x0 / n0 if n0 else 0.0
    var_p1 = p1 * (1 - p1) / n1
    var_pa = (n1 * p1 * (1 - p1) + n0 * p0 * (1 - p0)) / n ** 2
    cov = (n1 / n) * var_p1
    v = var_p1 / p1 ** 2 - 2 * cov / (p1 * pa) + var_pa / pa ** 2
    h = Z * math.sqrt(max(v, 0.0))
    return (r, r * math.exp(-h), r * math.exp(h))


def groupings(df):
    bands = pd.cut(df["age"], [0, 18, 45, 65, 75, 85, np.inf], right=False,
                   labels=["0-17", "18-44", "45-64", "65-74", "75-84", "85+"]).astype(str)
    return {
        "area": pd.Series("all", index=df.index),
        "practice": df["practice"],
        "age_band": bands,
        "sex": df["female"].map({1: "female", 0: "male"}),
        "deprivation_quintile": ("quintile " + ((df["imd_decile"] + 1) // 2).astype(str)),
        "care_home": df["care_home"].astype(str),
        "n_ltc": df["n_ltc"].astype(str),
    }


def expected_rows(df):
    df = df.copy()
    sizes = df.groupby("practice")["practice"].transform("size")
    for k, c in enumerate(CUTS):
        df[f"sel{k}"] = df["rank_in_practice"] <= sizes.map(lambda n, c=c: cut_count(c, n))
    known = df[OUTCOME].notna()
    y_all = df[OUTCOME]
    area = {"n": len(df), "sel": [df[f"sel{k}"].sum() for k in range(len(CUTS))],
            "tp": [(df[f"sel{k}"] & (y_all == 1)).sum() for k in range(len(CUTS))],
            "events": (y_all == 1).sum()}
    rows = {}
    for gname, labels in groupings(df).items():
        for group, g in df.groupby(labels):
            kn = g[known.loc[g.index]]
            y = kn[OUTCOME].astype(int).to_numpy()
            p = kn["risk"].to_numpy()
            key = (gname, str(group))
            rows[key + ("", "list_size")] = (len(g), math.nan, math.nan)
            rows[key + ("", "observed_rate")] = wilson(int(y.sum()), len(y))
            rows[key + ("", "expected")] = (p.sum(), math.nan, math.nan)
            rows[key + ("", "observed_expected")] = (y.sum() / p.sum(), math.nan, math.nan)
            rows[key + ("", "calibration_in_the_large")] = (y.mean() - p.mean(), math.nan,
                                                            math.nan)
            rows[key + ("", "calibration_slope")] = (slope(y, p), math.nan, math.nan)
            auc = roc_auc_score(y, p) if 0 < y.sum() < len(y) else math.nan
            rows[key + ("", "auroc")] = (auc,) + delong(y, p)
            for k, c in enumerate(CUTS):
                sel = g[f"sel{k}"]
                s_kn = kn[f"sel{k}"].to_numpy()
                tp = int((s_kn & (y == 1)).sum())
                fp = int((s_kn & (y == 0)).sum())
                fn = int((~s_kn & (y == 1)).sum())
                tn = int((~s_kn & (y == 0)).sum())
                ck = key + (repr(c),)
                rows[ck + ("share_selected",)] = wilson(int(sel.sum()), len(g))
                rows[ck + ("sensitivity",)] = wilson(tp, tp + fn)
                rows[ck + ("specificity",)] = wilson(tn, tn + fp)
                rows[ck + ("ppv",)] = wilson(tp, tp + fp)
                rows[ck + ("false_omission_rate",)] = wilson(fn, fn + tn)
                rows[ck + ("false_discovery_rate",)] = wilson(fp, tp + fp)
                rows[ck + ("false_negative_rate",)] = wilson(fn, tp + fn)
                rows[ck + ("demographic_parity_ratio",)] = ratio_to_whole(
                    int(sel.sum()), len(g), area["sel"][k], area["n"])
                rows[ck + ("equal_opportunity_ratio",)] = ratio_to_whole(
                    tp, tp + fn, area["tp"][k], area["events"])
    return rows


def number(text):
    return math.nan if text == "" else float(text)


def close(a, b, tol):
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= tol * max(1.0, abs(b))


def test_every_audit_figure_matches_pandas_and_sklearn(run):
    df, got = run
    want = expected_rows(df)
    seen = set()
    for r in got.itertuples(index=False):
        cut = "" if r.cut_off == "" else repr(float(r.cut_off))
        key = (r.grouping, r.group, cut, r.measure)
        assert key in want, f"unexpected row {key}"
        seen.add(key)
        tol = 1e-6 if r.measure == "calibration_slope" else 1e-9
        for name, a, b in zip(("estimate", "lower", "upper"),
                              (number(r.estimate), number(r.lower), number(r.upper)), want[key]):
            assert close(a, b, tol), f"{key} {name}: ristra {a}, pandas {b}"
    assert seen == set(want), f"missing rows: {sorted(set(want) - seen)[:5]}"


def test_deprivation_groups_differ_by_construction(run):
    """The planted effect: observed over expected rises with deprivation."""
    _, got = run
    oe = got[(got.grouping == "deprivation_quintile") & (got.measure == "observed_expected")]
    oe = dict(zip(oe.group, oe.estimate.astype(float)))
    assert oe["quintile 1"] > 1.3 * oe["quintile 5"]


def test_counts_are_numerators_of_the_shares(run):
    df, got = run
    share = got[(got.grouping == "area") & (got.measure == "share_selected")]
    assert share.denominator.astype(int).tolist() == [len(df)] * len(CUTS)
