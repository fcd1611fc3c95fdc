"""`ristra evaluate`: a model fitted by `ristra fit` is evaluated on another
synthetic population, overall and by practice, age band, sex and
deprivation decile. Every group's AUROC, average precision and Brier score
in the --output-csv file must equal scikit-learn's on the same patients
(risks recomputed here with numpy from the model file) to 1e-9; counts,
observed/expected, calibration-in-the-large and the top-2% cut-point are
checked against numpy. The calibration plot is written."""
import json
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from conftest import run

OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "female", "imd_decile", "care_home", "n_ltc", "frailty_index",
            "emergency_admissions_12m", "ae_attendances_12m"]
TOL = 1e-9


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("evaluate")
    train, valid, model = d / "train.csv", d / "valid.csv", d / "model.json"
    for path, n, seed in ((train, 20000, 21), (valid, 30000, 22)):
        p = run("synth", "--patients", n, "--practices", 6, "--seed", seed, "--output", path)
        assert p.returncode == 0, p.stderr
    p = run("fit", "--input", train, "--outcome", OUTCOME, "--features", ",".join(FEATURES),
            "--output", model, "--no-training-range")
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(valid, dtype={"nhs_number": str, "practice": str})
    # a sex column of its own, partly unrecorded, for --sex-column and the "unknown" group
    sex = df["female"].astype(object)
    sex[np.arange(len(df)) % 97 == 0] = ""
    df["sex_code"] = sex
    df.to_csv(valid, index=False)
    m = json.loads(model.read_text())
    eta = m["logistic"]["intercept"] + df[FEATURES].to_numpy(float) @ np.array(
        m["logistic"]["coefficients"])
    df["risk"] = 1 / (1 + np.exp(-eta))
    return d, valid, model, df


def evaluate(setup, *args):
    d, valid, model, df = setup
    csv = d / f"figures_{len(args)}_{'_'.join(map(str, args)).replace('/', '_')}.csv"
    p = run("evaluate", "--model", model, "--input", valid, "--outcome", OUTCOME,
            "--output-csv", csv, *args)
    assert p.returncode == 0, p.stderr
    return p, pd.read_csv(csv, keep_default_na=False, na_values=["NA"])


def age_band(age):
    for start, name in ((85, "85+"), (75, "75-84"), (65, "65-74"), (45, "45-64"),
                        (18, "18-44"), (0, "0-17")):
        if age >= start:
            return name
    return "unknown"


def check_group(row, risk, y):
    n = len(y)
    assert row["n"] == n and row["events"] == int(y.sum())
    for name, ours, theirs in (
            ("auroc", row["auroc"], roc_auc_score(y, risk)),
            ("average_precision", row["average_precision"], average_precision_score(y, risk)),
            ("brier", row["brier"], brier_score_loss(y, risk))):
        assert abs(ours - theirs) <= TOL, (row["group"], name, ours, theirs)
    assert abs(row["oe_ratio"] - y.sum() / risk.sum()) <= TOL * row["oe_ratio"]
    assert abs(row["calibration_in_the_large"] - (y.mean() - risk.mean())) <= TOL
    # the group's own top 2% (ties in input order)
    k = math.ceil(0.02 * n - 1e-12 * 0.02 * n)
    top = np.argsort(-risk, kind="stable")[:k]
    assert row["flagged_2%"] == k and row["events_flagged_2%"] == int(y[top].sum())
    assert abs(row["sensitivity_2%"] - y[top].sum() / y.sum()) <= TOL
    assert abs(row["ppv_2%"] - y[top].sum() / k) <= TOL
    return abs(row["auroc"] - roc_auc_score(y, risk))


@pytest.mark.parametrize("by", ["practice", "age_band", "sex", "deprivation"])
def test_every_group_matches_sklearn(setup, by):
    d, valid, model, df = setup
    args = ["--by", by] + (["--sex-column", "sex_code"] if by == "sex" else [])
    p, figures = evaluate(setup, *args)
    labels = {
        "practice": df["practice"],
        "age_band": df["age"].map(age_band),
        "sex": df["sex_code"].map({0.0: "male", 1.0: "female"}).fillna("unknown"),
        "deprivation": df["imd_decile"].map(lambda v: f"decile {int(v)}"),
    }[by]
    overall = figures.iloc[0]
    assert overall["by"] == "all" and overall["group"] == "all"
    worst = check_group(overall, df["risk"].to_numpy(), df[OUTCOME].to_numpy())
    groups = figures.iloc[1:]
    assert set(groups["by"]) == {by}
    assert sorted(groups["group"]) == sorted(labels.unique())
    for _, row in groups.iterrows():
        mask = (labels == row["group"]).to_numpy()
        worst = max(worst, check_group(row, df["risk"].to_numpy()[mask],
                                       df[OUTCOME].to_numpy()[mask]))
    print(f"\n--by {by}: {len(groups)} groups, largest AUROC difference {worst:.1e}")
    assert f"By {by}:" in p.stdout
    if by == "sex":
        assert "unknown" in set(groups["group"])


def test_summary_and_tiers_are_printed(setup):
    p, figures = evaluate(setup, "--tiers", "1%,0.1", "--bins", "5")
    assert "AUROC" in p.stdout and "DeLong" in p.stdout
    assert "Calibration by risk bin" in p.stdout
    assert list(figures.columns[-8:]) == ["flagged_1%", "events_flagged_1%", "sensitivity_1%",
                                          "ppv_1%", "flagged_10%", "events_flagged_10%",
                                          "sensitivity_10%", "ppv_10%"]
    assert [c for c in figures.columns if c.startswith("oe_bin_")] == [
        f"oe_bin_{b}" for b in range(1, 6)]


def test_the_calibration_plot_is_written(setup, tmp_path):
    d, valid, model, df = setup
    plot = tmp_path / "calibration.svg"
    p = run("evaluate", "--model", model, "--input", valid, "--outcome", OUTCOME,
            "--plot", plot)
    assert p.returncode == 0, p.stderr
    svg = plot.read_text()
    assert svg.lstrip().startswith(("<?xml", "<svg")) and svg.rstrip().endswith("</svg>")
    assert svg.count("data-bin=") == 10


def test_bad_requests_are_refused(setup, tmp_path):
    d, valid, model, df = setup
    base = ["evaluate", "--model", model, "--input", valid, "--outcome", OUTCOME]
    p = run(*base, "--by", "postcode")
    assert p.returncode == 2 and "--by" in p.stderr
    p = run(*base, "--tiers", "0,2%")
    assert p.returncode == 2 and "--tiers" in p.stderr
    p = run(*base, "--by", "age_band", "--age-column", "age_years")
    assert p.returncode == 1 and '"age_years"' in p.stderr, p.stderr
    p = run("evaluate", "--model", model, "--input", valid, "--outcome", "died")
    assert p.returncode == 1 and '"died"' in p.stderr, p.stderr
    p = run("evaluate", "--model", tmp_path / "absent.json", "--input", valid, "--outcome",
            OUTCOME)
    assert p.returncode == 1 and "absent.json" in p.stderr, p.stderr
    p = run(*base, "--output-csv", tmp_path / "no" / "such" / "dir.csv")
    assert p.returncode == 1 and "dir.csv" in p.stderr, p.stderr
