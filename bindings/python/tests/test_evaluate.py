"""ristra.evaluate: every figure checked against a peer computed here, for
everyone and per group: scikit-learn's metrics (to 1e-9), R's glm
(calibration intercept and slope), pROC (DeLong variance and interval),
prop.test (Wilson intervals), and the ranking rule done with numpy."""
import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import ristra

metrics = pytest.importorskip("sklearn.metrics")

CUTS = (0.005, 0.02, 0.05, 0.20)


def population(n=6000, seed=21):
    rng = np.random.default_rng(seed)
    practice = rng.choice(["C81010", "B82005", "A81001"], n, p=[0.5, 0.3, 0.2])
    z = rng.normal(-2.2, 1.0, n) + np.where(practice == "B82005", 0.4, 0.0)
    risk = 1 / (1 + np.exp(-z))
    risk = np.round(risk, 3)                      # ties, as real risks rounded for a report
    outcome = (rng.random(n) < np.clip(risk * 1.1, 0, 1)).astype(int)
    return risk, outcome, practice


@pytest.fixture(scope="module")
def data():
    return population()


@pytest.fixture(scope="module")
def ev(data):
    risk, outcome, practice = data
    return ristra.evaluate(outcome, risk, groups=practice)


def subsets(data):
    risk, outcome, practice = data
    yield None, risk, outcome
    for label in sorted(set(practice)):
        keep = practice == label
        yield label, risk[keep], outcome[keep]


def test_discrimination_and_accuracy_are_scikit_learns(data, ev):
    for label, risk, y in subsets(data):
        s = ev.summary(label)
        assert s["n"] == len(y) and s["events"] == y.sum()
        assert abs(s["auroc"] - metrics.roc_auc_score(y, risk)) < 1e-9, label
        assert abs(s["average_precision"] - metrics.average_precision_score(y, risk)) < 1e-9
        assert abs(s["brier"] - metrics.brier_score_loss(y, risk)) < 1e-9
        assert abs(s["mean_risk"] - risk.mean()) < 1e-12
        assert abs(s["expected"] - risk.sum()) < 1e-9
        assert abs(s["observed_rate"] - y.mean()) < 1e-12
        assert abs(s["oe_ratio"] - y.sum() / risk.sum()) < 1e-12
        assert abs(s["calibration_in_the_large"] - (y.mean() - risk.mean())) < 1e-12


def test_groups_are_sorted_labels_with_their_own_figures(data, ev):
    assert ev.labels == ["A81001", "B82005", "C81010"]
    table = ev.groups
    assert list(table.index) == ev.labels
    for label in ev.labels:
        assert table.loc[label].to_dict() == {k: v for k, v in ev.summary(label).items()
                                              if k != "group"}
    alone = ristra.evaluate(*[x[data[2] == "B82005"] for x in data[1::-1]])
    assert alone.overall == {k: v for k, v in ev.summary("B82005").items() if k != "group"}
    with pytest.raises(ristra.NotFoundError, match="Z99999"):
        ev.summary("Z99999")
    assert ristra.evaluate(data[1], data[0]).groups.empty


R_PEERS = r"""
suppressMessages(library(pROC))
d <- read.csv(commandArgs(TRUE)[1])
tight <- glm.control(epsilon = 1e-14, maxit = 100)
for (g in c("ALL", sort(unique(d$group)))) {
  s <- if (g == "ALL") d else d[d$group == g, ]
  x <- qlogis(pmin(pmax(s$risk, 1e-15), 1 - 1e-15))
  slope <- coef(glm(s$y ~ x, family = binomial, control = tight))
  int <- coef(glm(s$y ~ 1 + offset(x), family = binomial, control = tight))
  r <- roc(s$y, s$risk, direction = "<", levels = c(0, 1), quiet = TRUE)
  ci <- ci.auc(r, method = "delong")
  cat(g, sprintf("%.17g", c(slope[2], slope[1], int[1], var(r, method = "delong"), ci[1], ci[3])),
      "\n")
}
b <- read.csv(commandArgs(TRUE)[2])
for (i in seq_len(nrow(b))) {
  cat("WILSON", sprintf("%.17g", prop.test(b$events[i], b$n[i], correct = FALSE)$conf.int), "\n")
}
"""


@pytest.fixture(scope="module")
def r_peers(data, ev, tmp_path_factory):
    if shutil.which("Rscript") is None:
        pytest.skip("R (Rscript) is not installed")
    tmp = tmp_path_factory.mktemp("r")
    risk, y, practice = data
    pd.DataFrame({"risk": risk, "y": y, "group": practice}).to_csv(tmp / "d.csv", index=False,
                                                                  float_format="%.17g")
    ev.calibration().to_csv(tmp / "bins.csv", index=False)
    (tmp / "peers.R").write_text(R_PEERS)
    proc = subprocess.run(["Rscript", tmp / "peers.R", tmp / "d.csv", tmp / "bins.csv"],
                          capture_output=True, text=True, timeout=300)
    if "there is no package called" in proc.stderr:
        pytest.skip("R's pROC package is not installed (r-cran-proc)")
    assert proc.returncode == 0, proc.stderr
    out = {"WILSON": []}
    for line in proc.stdout.splitlines():
        key, *values = line.split()
        values = [float(v) for v in values]
        if key == "WILSON":
            out["WILSON"].append(values)
        else:
            out[None if key == "ALL" else key] = values
    return out


def test_calibration_fits_and_the_delong_interval_are_rs(ev, r_peers):
    for label in [None, *ev.labels]:
        s = ev.summary(label)
        slope, slope_int, cal_int, var, lo, hi = r_peers[label]
        assert abs(s["calibration_slope"] - slope) < 1e-8, label
        assert abs(s["calibration_slope_intercept"] - slope_int) < 1e-8
        assert abs(s["calibration_intercept"] - cal_int) < 1e-8
        assert abs(s["auroc_variance"] - var) < 1e-12
        assert abs(s["auroc_ci_lower"] - lo) < 1e-9 and abs(s["auroc_ci_upper"] - hi) < 1e-9


def test_calibration_bins_hold_equal_ranks_with_ties_kept_together(data, ev, r_peers):
    risk, y, _ = data
    bins = ev.calibration()
    assert len(bins) == 10 and bins.index.name == "bin"
    lower = np.searchsorted(np.sort(risk), risk, side="left")   # patients with a lower risk
    which = (10 * lower) // len(risk)
    for b, row in bins.iterrows():
        members = which == b
        assert row["n"] == members.sum() and row["events"] == y[members].sum()
        if members.any():
            assert row["min_risk"] == risk[members].min()
            assert row["max_risk"] == risk[members].max()
            assert abs(row["mean_risk"] - risk[members].mean()) < 1e-12
    wilson = np.array(r_peers["WILSON"])
    np.testing.assert_allclose(bins[["observed_lower", "observed_upper"]], wilson,
                               rtol=0, atol=1e-12)


@pytest.mark.parametrize("scope", ["within_group", "overall"])
def test_cut_points_flag_the_top_ceil_c_n_by_risk_then_input_order(data, scope):
    risk, y, practice = data
    ev = ristra.evaluate(y, risk, groups=practice, cut_points=CUTS, flag_scope=scope)
    everyone = np.argsort(-risk, kind="stable")
    for label in [None, *ev.labels]:
        table = ev.cut_points(label)
        assert list(table["fraction"]) == list(CUTS)
        members = np.ones(len(risk), bool) if label is None else practice == label
        for _, row in table.iterrows():
            c = row["fraction"]
            if scope == "overall" and label is not None:
                top = everyone[:math.ceil(c * len(risk))]
                flagged = top[members[top]]
            else:
                order = everyone[members[everyone]]
                flagged = order[:math.ceil(c * members.sum())]
            assert row["n_flagged"] == len(flagged), (label, c)
            assert row["events_flagged"] == y[flagged].sum()
            assert row["threshold"] == risk[flagged].min()
            assert row["ppv"] == pytest.approx(y[flagged].mean(), abs=1e-15)
            assert row["sensitivity"] == pytest.approx(y[flagged].sum() / y[members].sum(),
                                                       abs=1e-15)


def test_cut_points_default_to_the_librarys_tiers_and_read_tier_text(data):
    risk, y, _ = data
    default = ristra.evaluate(y, risk).cut_points()
    text = ristra.evaluate(y, risk, cut_points="0.5%,2%,5%,20%").cut_points()
    pd.testing.assert_frame_equal(default, text)
    assert list(default["fraction"]) == [0.005, 0.02, 0.05, 0.2]   # the documented default
    with pytest.raises(ristra.InvalidArgumentError, match="cut-point 2"):
        ristra.evaluate(y, risk, cut_points="2%,two")


def test_outcomes_and_labels_of_any_kind(data):
    risk, y, practice = data
    want = ristra.evaluate(y, risk).overall
    for outcome in (y.astype(bool), y.astype(float), pd.Series(y), list(y)):
        assert ristra.evaluate(outcome, risk).overall == want
    codes = pd.Series(practice).map({"A81001": 3, "B82005": 1, "C81010": 2}).to_numpy()
    by_code = ristra.evaluate(y, risk, groups=codes)
    assert by_code.labels == [1, 2, 3]
    assert by_code.summary(1) == {**ristra.evaluate(y, risk, groups=practice).summary("B82005"),
                                  "group": 1}


@pytest.mark.parametrize("outcome_value", [2, 0.5, -1, np.nan])
def test_an_outcome_other_than_0_or_1_is_refused_naming_its_row(data, outcome_value):
    risk, y, _ = data
    bad = y.astype(float)
    bad[123] = outcome_value
    with pytest.raises(ristra.InvalidArgumentError, match="123"):
        ristra.evaluate(bad, risk)


def test_bad_risks_options_and_labels_are_refused(data):
    risk, y, practice = data
    bad = risk.copy()
    bad[9] = 1.5
    with pytest.raises(ristra.InvalidArgumentError, match="9"):
        ristra.evaluate(y, bad)
    with pytest.raises(ristra.InvalidArgumentError, match="cut"):
        ristra.evaluate(y, risk, cut_points=(0.5, 1.5))
    with pytest.raises(ristra.InvalidArgumentError, match="flag_scope"):
        ristra.evaluate(y, risk, flag_scope="everyone")
    with pytest.raises(ristra.InvalidArgumentError, match="one value per risk"):
        ristra.evaluate(y[:-1], risk)
    groups = practice.astype(object)
    groups[4] = None
    with pytest.raises(ristra.InvalidArgumentError, match="row 4"):
        ristra.evaluate(y, risk, groups=groups)


def test_the_calibration_plot_is_written(ev, tmp_path):
    ev.write_calibration_svg(tmp_path / "all.svg")
    ev.write_calibration_svg(tmp_path / "b.svg", group="B82005", title="Practice B82005 & co")
    svg = (tmp_path / "b.svg").read_text()
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    assert "Practice B82005 &amp; co" in svg
    assert svg.count("data-bin=") == (ev.calibration("B82005")["n"] > 0).sum()
    with pytest.raises(ristra.FileError):
        ev.write_calibration_svg(tmp_path / "no" / "such" / "dir.svg")
