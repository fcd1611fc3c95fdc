"""ristra_evaluate() against the real peers, to 1e-9:

  AUROC, average precision, Brier            scikit-learn (python3-sklearn)
  DeLong variance and confidence interval    R pROC, var() and ci.auc(method = "delong")
  calibration intercept and slope            R glm(family = binomial)
  Wilson intervals of the calibration bins   R prop.test(correct = FALSE)
  calibration bins, cut-points, totals       pandas / numpy, from the definitions in
                                             include/ristra/evaluate.h

over random cases from 2 to 200,000 patients: continuous risks, risks rounded
to one or two decimals (heavy ties), rare events, all risks tied, risks of
exactly 0 and 1, separated outcomes, and groups (including groups with no
events, one patient, or only events). Every figure of every group is
compared. Run with -s to see the largest difference per metric.
"""
import math
import os
import subprocess

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

import evaluate_ctypes as ec

HERE = os.path.dirname(os.path.abspath(__file__))
TOL = 1e-9
DEFAULT_CUTS = (0.005, 0.02, 0.05, 0.20)


# ---------------------------------------------------------------- cases

def outcomes(rng, risk, distortion=1.0):
    """Outcomes drawn from a distorted version of the risks, so that the
    calibration slope and intercept are not trivially 1 and 0."""
    logit = np.log(np.clip(risk, 1e-6, 1 - 1e-6) / (1 - np.clip(risk, 1e-6, 1 - 1e-6)))
    p = 1 / (1 + np.exp(-(0.3 + distortion * logit)))
    return (rng.random(len(risk)) < p).astype(np.uint8)


def make_cases():
    rng = np.random.default_rng(20240611)
    levels = [0.95, 0.9, 0.99, 0.5, 0.999]
    cases = []

    def add(name, risk, y, group=None, **opts):
        opts.setdefault("confidence_level", levels[len(cases) % len(levels)])
        cases.append(dict(name=name, risk=np.asarray(risk, dtype=np.float64),
                          y=np.asarray(y, dtype=np.uint8),
                          group=None if group is None else np.asarray(group, dtype=np.int32),
                          opts=opts))

    for n in (2, 3, 4, 7, 13, 50, 200, 1000, 5000, 20000, 200000):
        risk = rng.beta(1.2, 8.0, n)
        add(f"continuous n={n}", risk, outcomes(rng, risk, 0.8))
    for n in (10, 1000, 200000):
        risk = np.round(rng.beta(1.2, 8.0, n), 2)
        add(f"two decimals n={n}", risk, outcomes(rng, risk, 1.2))
    for n in (30, 5000):
        risk = np.round(rng.beta(2, 5, n), 1)
        add(f"one decimal n={n}", risk, outcomes(rng, risk))
    risk = rng.beta(0.3, 60, 50000)
    add("rare events n=50000", risk, outcomes(rng, risk))
    risk = rng.beta(0.3, 60, 2000)
    add("rare events n=2000", risk, outcomes(rng, risk))
    add("all tied n=100", np.full(100, 0.1), rng.random(100) < 0.1)
    add("two values n=500", rng.choice([0.05, 0.4], 500), rng.random(500) < 0.2)
    risk = np.concatenate([np.zeros(40), np.ones(10), rng.beta(1, 4, 450)])
    add("exact 0 and 1 n=500", risk, np.concatenate([rng.random(40) < 0.05, rng.random(10) < 0.9,
                                                     outcomes(rng, risk[50:])]))
    risk = rng.random(300)
    add("separated n=300", risk, risk > 0.7)
    risk = np.round(rng.random(300), 1)
    add("quasi-separated n=300", risk, risk >= 0.5)
    risk = rng.beta(1, 9, 1000)
    y = np.zeros(1000, dtype=np.uint8)
    y[rng.integers(1000)] = 1
    add("one event n=1000", risk, y)
    y[rng.integers(1000)] = 1
    add("two events n=1000", risk, y, n_bins=7)
    add("no events n=100", rng.random(100), np.zeros(100))
    add("only events n=100", rng.random(100), np.ones(100))
    add("custom cut-points n=1000", rng.beta(1, 5, 1000), rng.random(1000) < 0.15,
        cut_points=(0.07, 0.5, 1.0, 0.015, 0.001), n_bins=20)

    # 32 practices of uneven size: one without events, one of a single
    # patient, one with only events; labels sparse and negative.
    n = 100000
    labels = np.array([-7, 3, 10, 1000000] + list(range(20, 48)), dtype=np.int32)
    sizes = rng.multinomial(n - 10, rng.dirichlet(np.full(32, 2.0)))
    group = np.repeat(labels, sizes)
    risk = np.round(rng.beta(1.2, 9.0, len(group)), 3)
    y = outcomes(rng, risk, 0.9)
    y[group == labels[1]] = 0
    risk = np.concatenate([risk, [0.3], np.full(9, 0.6)])
    y = np.concatenate([y, [1], np.ones(9)]).astype(np.uint8)
    group = np.concatenate([group, [555], np.full(9, 777)])
    perm = rng.permutation(len(group))
    add("32 groups n=100000", risk[perm], y[perm], group[perm])
    add("32 groups, flags over everyone", risk[perm], y[perm], group[perm],
        flag_scope=ec.FLAG_OVERALL)
    risk = rng.beta(1, 6, 3000)
    add("age bands n=3000", risk, outcomes(rng, risk, 1.3), rng.integers(0, 5, 3000), n_bins=5)
    return cases


# ---------------------------------------------------------------- references

def logit_clamped(p):
    p = np.clip(p, 1e-15, 1 - 1e-15)
    return np.log(p / (1 - p))


def cut_count(fraction, n):
    return min(n, max(0, math.ceil(fraction * n * (1.0 - 1e-12))))


def reference_bins(risk, y, n_bins):
    """Bin floor(B * L / n), L = patients with strictly lower risk."""
    df = pd.DataFrame({"risk": risk, "y": y.astype(np.int64)})
    lower = df["risk"].rank(method="min").astype(np.int64) - 1
    df["bin"] = (n_bins * lower) // len(df)
    agg = df.groupby("bin").agg(n=("y", "size"), events=("y", "sum"), expected=("risk", "sum"),
                                mean_risk=("risk", "mean"), min_risk=("risk", "min"),
                                max_risk=("risk", "max"))
    agg = agg.reindex(range(n_bins))
    agg["n"] = agg["n"].fillna(0).astype(np.int64)
    agg["events"] = agg["events"].fillna(0).astype(np.int64)
    agg["expected"] = agg["expected"].fillna(0.0)
    agg["observed_rate"] = agg["events"] / agg["n"].where(agg["n"] > 0)
    agg["oe_ratio"] = agg["events"] / agg["expected"].where(agg["expected"] > 0)
    return agg


def reference_cuts(risk, y, fractions, rank=None, n_ranked=None):
    """Flagged: rank (1 = highest risk, ties in input order) <= k."""
    df = pd.DataFrame({"risk": risk, "y": y.astype(np.int64)})
    if rank is None:
        rank = df["risk"].rank(method="first", ascending=False).to_numpy()
        n_ranked = len(df)
    events = int(df["y"].sum())
    out = []
    for c in fractions:
        flagged = df[rank <= cut_count(c, n_ranked)]
        k, tp = len(flagged), int(flagged["y"].sum())
        out.append(dict(fraction=c, n_flagged=k, events_flagged=tp,
                        threshold=flagged["risk"].min() if k else math.nan,
                        sensitivity=tp / events if events else math.nan,
                        ppv=tp / k if k else math.nan))
    return out


# ---------------------------------------------------------------- the world

class Slot:
    """One group of one case (or everyone): its rows and ristra's figures."""

    def __init__(self, case, index, rows, evaluation, group):
        self.name = f"{case['name']} / " + ("everyone" if group == ec.OVERALL else f"group {group}")
        self.case = case
        self.rows = rows
        self.risk = case["risk"][rows]
        self.y = case["y"][rows]
        self.level = case["opts"]["confidence_level"]
        self.summary = evaluation.summary(group)
        self.bins = evaluation.bins(group)
        self.cuts = evaluation.cut_points(group)
        self.job = f"{index}"
        self.peer = None

    @property
    def mixed(self):
        return 0 < self.y.sum() < len(self.y)


def run_peers(slots, directory):
    jobs = [s for s in slots if s.mixed]
    with open(os.path.join(directory, "jobs.csv"), "w") as f:
        f.write("id,level\n")
        for s in jobs:
            s.risk.astype("<f8").tofile(os.path.join(directory, f"job_{s.job}.risk"))
            s.y.astype("<i4").tofile(os.path.join(directory, f"job_{s.job}.y"))
            f.write(f"{s.job},{s.level!r}\n")
    wilson = [(s, b) for s in slots for b in s.bins if b["n"] > 0]
    with open(os.path.join(directory, "wilson.csv"), "w") as f:
        f.write("events,n,level\n")
        for s, b in wilson:
            f.write(f"{b['events']},{b['n']},{s.level!r}\n")
    r = subprocess.run(["Rscript", os.path.join(HERE, "metrics_peer.R"), directory],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    results = np.fromfile(os.path.join(directory, "results.f64"), dtype="<f8").reshape(-1, 9)
    names = ("auroc", "variance", "ci_lower", "ci_upper", "slope_intercept", "slope",
             "intercept", "slope_converged", "intercept_converged")
    for s, row in zip(jobs, results):
        s.peer = dict(zip(names, row))
    intervals = np.fromfile(os.path.join(directory, "wilson.f64"), dtype="<f8").reshape(-1, 2)
    return [(b, lo, hi) for (s, b), (lo, hi) in zip(wilson, intervals)]


@pytest.fixture(scope="module")
def lib():
    return ec.load()


@pytest.fixture(scope="module")
def world(lib, tmp_path_factory):
    slots = []
    for case in make_cases():
        e = ec.evaluate(lib, case["risk"], case["y"], case["group"], **case["opts"])
        case["evaluation"] = e
        slots.append(Slot(case, len(slots), np.arange(len(case["risk"])), e, ec.OVERALL))
        if case["group"] is not None:
            labels = np.unique(case["group"])
            assert e.n_groups == len(labels)
            for g, label in enumerate(labels):
                slot = Slot(case, len(slots), np.flatnonzero(case["group"] == label), e, g)
                assert slot.summary["label"] == label
                slots.append(slot)
    wilson = run_peers(slots, str(tmp_path_factory.mktemp("peers")))
    return dict(slots=slots, wilson=wilson)


class Check:
    """Asserts |got - want| <= 1e-9 (relative to |want| when relative and
    |want| > 1; NaN only against NaN) and keeps the largest difference."""

    def __init__(self, metric, relative=False):
        self.metric = metric
        self.relative = relative
        self.worst = 0.0
        self.count = 0

    def __call__(self, got, want, where):
        self.count += 1
        want = float(want)
        if math.isnan(want):
            assert math.isnan(got), f"{self.metric}, {where}: {got!r}, expected NaN"
            return
        assert not math.isnan(got), f"{self.metric}, {where}: NaN, expected {want!r}"
        diff = abs(got - want) / (max(1.0, abs(want)) if self.relative else 1.0)
        self.worst = max(self.worst, diff)
        assert diff <= TOL, f"{self.metric}, {where}: ristra {got!r}, peer {want!r}"

    def report(self):
        scale = " / max(1, |peer|)" if self.relative else ""
        print(f"\n{self.metric}: {self.count} values, max |ristra - peer|{scale} = "
              f"{self.worst:.3g}")


# ---------------------------------------------------------------- the tests

def test_auroc_matches_sklearn_roc_auc_score(world):
    check = Check("AUROC vs sklearn roc_auc_score")
    for s in world["slots"]:
        want = roc_auc_score(s.y, s.risk) if s.mixed else math.nan
        check(s.summary["auroc"], want, s.name)
    check.report()


def test_auroc_and_delong_interval_match_pROC(world):
    auc, var, ci = (Check("AUROC vs pROC auc"), Check("DeLong variance vs pROC var"),
                    Check("DeLong CI vs pROC ci.auc"))
    for s in world["slots"]:
        if not s.mixed:
            for key in ("auroc_variance", "auroc_ci_lower", "auroc_ci_upper"):
                assert math.isnan(s.summary[key]), s.name
            continue
        auc(s.summary["auroc"], s.peer["auroc"], s.name)
        var(s.summary["auroc_variance"], s.peer["variance"], s.name)
        ci(s.summary["auroc_ci_lower"], s.peer["ci_lower"], s.name)
        ci(s.summary["auroc_ci_upper"], s.peer["ci_upper"], s.name)
    for c in (auc, var, ci):
        c.report()


def test_average_precision_matches_sklearn(world):
    check = Check("average precision vs sklearn average_precision_score")
    for s in world["slots"]:
        want = average_precision_score(s.y, s.risk) if s.y.any() else math.nan
        check(s.summary["average_precision"], want, s.name)
    check.report()


def test_brier_score_matches_sklearn(world):
    check = Check("Brier vs sklearn brier_score_loss")
    for s in world["slots"]:
        check(s.summary["brier"], brier_score_loss(s.y, s.risk), s.name)
    check.report()


def test_totals_and_calibration_in_the_large_match_numpy(world):
    check = Check("rates, means, O:E, calibration-in-the-large vs numpy")
    expected = Check("expected events (sum of risks) vs numpy", relative=True)
    for s in world["slots"]:
        m = s.summary
        assert m["n"] == len(s.y) and m["events"] == int(s.y.sum()), s.name
        check(m["observed_rate"], s.y.mean(), s.name)
        check(m["mean_risk"], s.risk.mean(), s.name)
        expected(m["expected"], s.risk.sum(), s.name)
        check(m["oe_ratio"], s.y.sum() / s.risk.sum() if s.risk.sum() > 0 else math.nan, s.name)
        check(m["calibration_in_the_large"], s.y.mean() - s.risk.mean(), s.name)
    check.report()
    expected.report()


def separated(x, y):
    """No finite maximum-likelihood slope: some threshold splits the outcomes."""
    x0, x1 = x[y == 0], x[y == 1]
    return x0.max() <= x1.min() or x1.max() <= x0.min()


def test_calibration_intercept_and_slope_match_glm(world):
    intercept = Check("calibration intercept vs R glm", relative=True)
    slope = Check("calibration slope and its intercept vs R glm", relative=True)
    fitted = separations = 0
    for s in world["slots"]:
        m = s.summary
        if not s.mixed:
            assert math.isnan(m["calibration_intercept"]) and math.isnan(m["calibration_slope"])
            continue
        assert s.peer["intercept_converged"] == 1, s.name
        intercept(m["calibration_intercept"], s.peer["intercept"], s.name)
        if separated(logit_clamped(s.risk), s.y):
            separations += 1
            assert math.isnan(m["calibration_slope"]), s.name
            assert math.isnan(m["calibration_slope_intercept"]), s.name
            continue
        assert s.peer["slope_converged"] == 1, s.name
        fitted += 1
        for key, peer in (("calibration_slope", "slope"),
                          ("calibration_slope_intercept", "slope_intercept")):
            slope(m[key], s.peer[peer], s.name)
    assert fitted > 40 and separations >= 3
    intercept.report()
    slope.report()


def test_calibration_bins_match_pandas(world):
    check = Check("calibration bins vs pandas")
    expected = Check("calibration bins' expected events vs pandas", relative=True)
    for s in world["slots"]:
        want = reference_bins(s.risk, s.y, len(s.bins))
        for b, got in enumerate(s.bins):
            w = want.loc[b]
            where = f"{s.name}, bin {b}"
            assert got["n"] == w["n"] and got["events"] == w["events"], where
            for key in ("min_risk", "max_risk", "mean_risk", "observed_rate", "oe_ratio"):
                check(got[key], w[key], where)
            expected(got["expected"], w["expected"], where)
    check.report()
    expected.report()


def test_bins_split_ties_never_and_counts_evenly_without_ties(world):
    for s in world["slots"]:
        filled = [b for b in s.bins if b["n"] > 0]
        for lo, hi in zip(filled, filled[1:]):
            assert lo["max_risk"] < hi["min_risk"], s.name
        if len(np.unique(s.risk)) == len(s.risk):
            sizes = [b["n"] for b in s.bins]
            assert max(sizes) - min(sizes) <= 1, s.name


def test_calibration_bin_intervals_match_R_prop_test(world):
    check = Check("bin Wilson intervals vs R prop.test")
    for b, lower, upper in world["wilson"]:
        check(b["observed_lower"], lower, f"bin {b}")
        check(b["observed_upper"], upper, f"bin {b}")
    check.report()


def test_cut_points_match_pandas(world):
    check = Check("cut-point sensitivity / PPV vs pandas")
    for s in world["slots"]:
        case = s.case
        fractions = case["opts"].get("cut_points", DEFAULT_CUTS)
        if case["opts"].get("flag_scope") == ec.FLAG_OVERALL:
            everyone = pd.Series(case["risk"]).rank(method="first", ascending=False).to_numpy()
            want = reference_cuts(s.risk, s.y, fractions, everyone[s.rows], len(case["risk"]))
        else:
            want = reference_cuts(s.risk, s.y, fractions)
        assert len(s.cuts) == len(want)
        for got, w in zip(s.cuts, want):
            where = f"{s.name}, cut {w['fraction']}"
            assert got["fraction"] == w["fraction"], where
            assert got["n_flagged"] == w["n_flagged"], where
            assert got["events_flagged"] == w["events_flagged"], where
            for key in ("threshold", "sensitivity", "ppv"):
                check(got[key], w[key], where)
    check.report()


def test_calibration_svg_is_valid_xml_holding_pandas_bins(world, tmp_path):
    import xml.etree.ElementTree as ET
    ns = {"svg": "http://www.w3.org/2000/svg"}
    drawn = 0
    for s in world["slots"]:
        if s.case["name"] not in ("32 groups n=100000", "two decimals n=200000", "all tied n=100"):
            continue
        group = ec.OVERALL if s.name.endswith("everyone") else int(s.name.rsplit(" ", 1)[1])
        path = tmp_path / f"plot_{drawn}.svg"
        title = f"Practice “{s.summary['label']}” <&>"
        s.case["evaluation"].write_calibration_svg(str(path), group, title)
        root = ET.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert title in texts
        assert "Mean predicted risk" in texts and "Observed rate" in texts
        assert sum(t.endswith("%") for t in texts) >= 4, "tick labels on both axes"
        assert len(root.findall("svg:line[@class='diagonal']", ns)) == 1
        want = reference_bins(s.risk, s.y, len(s.bins))
        want = want[want["n"] > 0]
        circles = root.findall("svg:circle[@class='bin']", ns)
        assert len(circles) == len(want), s.name
        assert len(root.findall("svg:path[@class='interval']", ns)) == len(want)
        for c, (b, w) in zip(circles, want.iterrows()):
            assert int(c.get("data-bin")) == b
            assert int(c.get("data-n")) == w["n"] and int(c.get("data-events")) == w["events"]
            assert abs(float(c.get("data-mean-risk")) - w["mean_risk"]) <= TOL
            assert abs(float(c.get("data-observed-rate")) - w["observed_rate"]) <= TOL
        xs = [float(c.get("cx")) for c in circles]
        assert xs == sorted(xs), "bins left to right by predicted risk"
        drawn += 1
    assert drawn >= 10
