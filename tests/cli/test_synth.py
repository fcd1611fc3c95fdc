"""`ristra synth`: the command line, and the statistics of the population it
writes (the figures each check stands for are in examples/data/README.md)."""
import gzip
import os
import re
import resource
import signal

import numpy as np
import pandas as pd
import pytest

from conftest import run

COLUMNS = ["nhs_number", "practice", "age", "female", "imd_decile", "care_home",
           "hypertension", "diabetes", "copd", "asthma", "heart_failure", "ckd", "af",
           "dementia", "cancer", "depression", "frailty_index", "n_ltc", "n_medications",
           "ae_attendances_12m", "emergency_admissions_12m", "emergency_admission_next_12m"]
CONDITIONS = COLUMNS[6:16]
RISING_WITH_AGE = [c for c in CONDITIONS if c not in ("asthma", "depression")]
RISING_WITH_DEPRIVATION = ["hypertension", "diabetes", "copd", "asthma", "heart_failure",
                           "ckd", "dementia", "depression"]


def synth(path, *args, **kw):
    return run("synth", "--output", path, *args, **kw)


@pytest.fixture(scope="module")
def ccg(tmp_path_factory):
    """A CCG-sized population: 315,000 patients in 32 practices, seed 1."""
    path = tmp_path_factory.mktemp("ccg") / "ccg.csv"
    p = synth(path, "--patients", 315000, "--practices", 32, "--seed", 1, "--truth")
    assert p.returncode == 0, p.stderr
    return pd.read_csv(path, dtype={"nhs_number": str, "practice": str})


def nhs_check_digit(nine):
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = 11 - total % 11
    return 0 if check == 11 else check


# ---------------------------------------------------------------- the command


def test_the_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path):
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        assert synth(tmp_path / name, "--patients", 2000, "--practices", 2,
                     "--seed", seed).returncode == 0
    a, b, c = ((tmp_path / n).read_bytes() for n in "abc")
    assert a == b
    assert a != c


def test_a_gz_output_is_gzip_of_the_plain_output(tmp_path):
    args = ("--patients", 3000, "--practices", 3, "--seed", 2)
    assert synth(tmp_path / "p.csv", *args).returncode == 0
    assert synth(tmp_path / "p.csv.gz", *args).returncode == 0
    raw = (tmp_path / "p.csv.gz").read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    assert gzip.decompress(raw) == (tmp_path / "p.csv").read_bytes()
    df = pd.read_csv(tmp_path / "p.csv.gz")
    assert len(df) == 3000


def test_no_outcome_and_truth_choose_the_last_columns(tmp_path):
    synth(tmp_path / "a.csv", "--patients", 10, "--no-outcome")
    assert list(pd.read_csv(tmp_path / "a.csv").columns) == COLUMNS[:-1]
    synth(tmp_path / "b.csv", "--patients", 10, "--truth")
    assert list(pd.read_csv(tmp_path / "b.csv").columns) == COLUMNS + ["true_risk"]
    synth(tmp_path / "c.csv", "--patients", 10, "--truth", "--no-outcome")
    assert list(pd.read_csv(tmp_path / "c.csv").columns) == COLUMNS[:-1] + ["true_risk"]


def test_practices_default_to_about_ten_thousand_patients_each(tmp_path):
    synth(tmp_path / "a.csv", "--patients", 50000)
    assert pd.read_csv(tmp_path / "a.csv")["practice"].nunique() == 5
    synth(tmp_path / "b.csv", "--patients", 800)
    assert pd.read_csv(tmp_path / "b.csv")["practice"].nunique() == 1


@pytest.mark.parametrize("args, words", [
    ((), "--patients and --output are required"),
    (("--patients", "0"), "n_patients is 0; it must be at least 1"),
    (("--patients", "909092"), "at most 909091 patients"),
    (("--patients", "ten"), '--patients: "ten" is not a whole number'),
    (("--patients", "100", "--practices", "0"), "--practices must be 1..100"),
    (("--patients", "100", "--practices", "101"), "n_practices is 101"),
    (("--patients", "100", "--seed", "-1"), "--seed must be >= 0"),
    (("--patients", "100", "--gzip-level", "12"), "--gzip-level must be 0..9"),
    (("--patients", "100", "--bogus"), 'unknown option "--bogus"'),
])
def test_bad_options_exit_2_with_a_message_and_write_nothing(tmp_path, args, words):
    p = synth(tmp_path / "out.csv", *args)
    assert p.returncode == 2
    assert words in p.stderr
    assert os.listdir(tmp_path) == []


def test_a_missing_output_is_a_usage_error():
    p = run("synth", "--patients", 10)
    assert p.returncode == 2 and "--output" in p.stderr and "ristra synth --help" in p.stderr


def test_an_unwritable_output_exits_1_naming_the_file(tmp_path):
    target = tmp_path / "missing" / "out.csv"
    p = synth(target, "--patients", 10)
    assert p.returncode == 1
    assert str(target) in p.stderr


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))


def test_a_failure_part_way_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("previous contents\n")
    p = synth(target, "--patients", 100000, preexec_fn=_limit_file_size)
    assert p.returncode == 1
    assert "write failed" in p.stderr
    assert target.read_text() == "previous contents\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_help_describes_the_command():
    p = run("synth", "--help", check=True)
    assert p.stdout.startswith("usage: ristra synth")
    assert "synth" in run("help", check=True).stdout


# ---------------------------------------------------------------- identifiers and shape


def test_columns_are_in_the_documented_order(ccg):
    assert list(ccg.columns) == COLUMNS + ["true_risk"]
    assert len(ccg) == 315000


def test_nhs_numbers_are_valid_unique_and_from_the_test_range(ccg):
    nhs = ccg["nhs_number"]
    assert nhs.str.fullmatch(r"999\d{7}").all()
    assert nhs.is_unique
    checks = nhs.map(lambda s: nhs_check_digit(s[:9]) == int(s[9]))
    assert checks.all()
    tails = nhs.str[3:9].astype(int).to_numpy()
    assert 0.4 < np.mean(np.diff(tails) > 0) < 0.6, "numbers are handed out in order"


def test_practice_codes_are_ods_style_and_lists_sum_to_the_population(ccg):
    codes = ccg["practice"]
    assert codes.str.fullmatch(r"[A-Z]\d{5}").all()
    sizes = codes.value_counts()
    assert len(sizes) == 32 and sizes.sum() == 315000
    # each practice's rows are together, practices in code order
    runs = (codes != codes.shift()).sum()
    assert runs == 32 and codes.is_monotonic_increasing
    # England's lists: mean ~10,000, a lognormal spread, no absurd outliers
    assert sizes.min() > 315000 / 32 / 6 and sizes.max() < 315000 / 32 * 6
    assert 0.25 < sizes.std() / sizes.mean() < 0.8


def test_every_column_is_within_its_documented_range(ccg):
    ranges = {"age": (0, 105), "female": (0, 1), "imd_decile": (1, 10), "care_home": (0, 1),
              "frailty_index": (0, 1), "n_ltc": (0, 10), "n_medications": (0, 200),
              "ae_attendances_12m": (0, 500), "emergency_admissions_12m": (0, 500),
              "emergency_admission_next_12m": (0, 1)}
    for c in CONDITIONS:
        ranges[c] = (0, 1)
    for col, (lo, hi) in ranges.items():
        assert ccg[col].between(lo, hi).all(), col
    assert (ccg["n_ltc"] == ccg[CONDITIONS].sum(axis=1)).all()
    deficits = ccg["frailty_index"] * 36
    assert np.allclose(ccg["frailty_index"], (np.round(deficits) / 36).round(2))
    assert ccg["true_risk"].between(0, 1, inclusive="neither").all()
    assert not ccg.isna().any().any()


# ---------------------------------------------------------------- realism


def test_the_age_sex_structure_is_like_englands(ccg):
    age = ccg["age"]
    assert 0.17 < (age < 18).mean() < 0.24
    assert 0.16 < (age >= 65).mean() < 0.23
    assert 0.015 < (age >= 85).mean() < 0.035
    assert 0.48 < ccg["female"].mean() < 0.53
    assert ccg.loc[age >= 85, "female"].mean() > 0.55, "women outlive men"
    assert ccg.loc[age < 15, "female"].mean() < 0.5, "more boys are born"


def test_deprivation_covers_every_decile_and_clusters_by_practice(ccg):
    assert set(ccg["imd_decile"]) == set(range(1, 11))
    by_practice = ccg.groupby("practice")["imd_decile"].mean()
    # practices have their own deprivation profiles: their means spread far
    # more than 32 random samples of ~10,000 patients would
    assert by_practice.max() - by_practice.min() > 3


def prevalence(df, mask):
    return df.loc[mask, CONDITIONS].mean()


@pytest.mark.parametrize("condition", RISING_WITH_AGE)
def test_prevalence_rises_with_age(ccg, condition):
    young = prevalence(ccg, ccg["age"] < 40)[condition]
    old = prevalence(ccg, ccg["age"] >= 75)[condition]
    assert old > 3 * young and old > 0.02, f"{condition}: under 40 {young:.4f}, 75+ {old:.4f}"


@pytest.mark.parametrize("condition", RISING_WITH_DEPRIVATION)
def test_prevalence_rises_with_deprivation(ccg, condition):
    # deprivation is independent of age here, so crude rates compare fairly
    deprived = prevalence(ccg, ccg["imd_decile"] <= 2)[condition]
    affluent = prevalence(ccg, ccg["imd_decile"] >= 9)[condition]
    assert deprived > 1.1 * affluent, f"{condition}: {deprived:.4f} vs {affluent:.4f}"


def test_overall_prevalence_is_near_qof(ccg):
    # QOF 2022-23 England registers (percent) with their age denominators
    qof = {"hypertension": (14.4, 0), "diabetes": (7.5, 17), "copd": (1.9, 0),
           "asthma": (6.5, 6), "heart_failure": (1.0, 0), "ckd": (4.0, 18), "af": (2.1, 0),
           "dementia": (0.7, 0), "cancer": (3.5, 0), "depression": (13.2, 18)}
    for c, (target, min_age) in qof.items():
        got = 100 * ccg.loc[ccg["age"] >= min_age, c].mean()
        assert 0.7 * target < got < 1.3 * target, f"{c}: {got:.2f}% against QOF {target}%"


def test_conditions_cluster_the_way_they_do_clinically(ccg):
    mid = ccg[ccg["age"].between(50, 79)]

    def rate(target, given):
        return mid.loc[mid[given] == 1, target].mean(), mid.loc[mid[given] == 0, target].mean()

    for target, given in (("hypertension", "diabetes"), ("ckd", "diabetes"),
                          ("heart_failure", "af"), ("dementia", "care_home")):
        with_, without = rate(target, given)
        assert with_ > 1.5 * without, f"{target} given {given}: {with_:.3f} vs {without:.3f}"


def test_care_home_residents_are_old_frail_and_often_have_dementia(ccg):
    res = ccg[ccg["care_home"] == 1]
    old = ccg[(ccg["age"] >= 75) & (ccg["care_home"] == 0)]
    assert 0.004 < ccg["care_home"].mean() < 0.012
    assert (res["age"] >= 18).all() and res["age"].mean() > 75
    assert res["dementia"].mean() > 0.4
    assert res["frailty_index"].mean() > old["frailty_index"].mean() + 0.1


def test_frailty_in_over_65s_is_spread_like_the_efi_categories(ccg):
    efi = ccg.loc[ccg["age"] >= 65, "frailty_index"]
    fit, severe = (efi <= 0.12).mean(), (efi > 0.36).mean()
    assert 0.40 < fit < 0.60 and 0.01 < severe < 0.07
    young = ccg.loc[ccg["age"] < 40, "frailty_index"].mean()
    assert efi.mean() > 2 * young


def test_polypharmacy_follows_multimorbidity(ccg):
    meds = ccg.groupby(ccg["n_ltc"].clip(upper=4))["n_medications"].mean()
    assert meds.is_monotonic_increasing
    assert 0.10 < (ccg["n_medications"] >= 5).mean() < 0.20


def test_prior_hospital_use_is_plausible_and_rises_with_age_and_deprivation(ccg):
    adm, ae = ccg["emergency_admissions_12m"], ccg["ae_attendances_12m"]
    assert 0.04 < (adm >= 1).mean() < 0.09
    assert 0.18 < (ae >= 1).mean() < 0.35
    assert adm[ccg["age"] >= 80].mean() > 4 * adm[ccg["age"].between(20, 59)].mean()
    assert ae[ccg["imd_decile"] <= 2].mean() > 1.4 * ae[ccg["imd_decile"] >= 9].mean()


def test_the_outcome_rate_is_near_six_percent_and_matches_the_truth(ccg):
    y, risk = ccg["emergency_admission_next_12m"], ccg["true_risk"]
    assert 0.05 < y.mean() < 0.07
    assert abs(y.mean() - risk.mean()) < 0.003, "outcomes are drawn from true_risk"
    # calibrated by decile of risk: each decile's rate is near its mean risk
    deciles = pd.qcut(risk, 10, labels=False)
    observed, expected = y.groupby(deciles).mean(), risk.groupby(deciles).mean()
    assert (abs(observed - expected) < 0.01 + 0.1 * expected).all()


def test_the_outcome_follows_prior_admissions_age_and_frailty(ccg):
    y = ccg["emergency_admission_next_12m"]
    assert y[ccg["emergency_admissions_12m"] >= 2].mean() > 4 * y[ccg["emergency_admissions_12m"] == 0].mean()
    assert y[ccg["age"] >= 80].mean() > 3 * y[ccg["age"].between(20, 59)].mean()
    assert y[ccg["frailty_index"] > 0.36].mean() > y[ccg["frailty_index"] <= 0.12].mean() * 3


def test_gradient_boosting_beats_a_main_effects_logistic_model(ccg):
    """The ground truth has non-linear terms and interactions on purpose."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.preprocessing import StandardScaler
    import xgboost as xgb
    features = COLUMNS[2:-1]
    x = ccg[features].to_numpy(float)
    y = ccg["emergency_admission_next_12m"].to_numpy()
    train = np.random.default_rng(0).random(len(ccg)) < 0.7
    scaler = StandardScaler().fit(x[train])
    lr = LogisticRegression(max_iter=2000).fit(scaler.transform(x[train]), y[train])
    auc_lr = roc_auc_score(y[~train], lr.predict_proba(scaler.transform(x[~train]))[:, 1])
    gb = xgb.XGBClassifier(n_estimators=300, max_depth=4, learning_rate=0.05,
                           tree_method="hist", n_jobs=2)
    gb.fit(x[train], y[train])
    auc_gb = roc_auc_score(y[~train], gb.predict_proba(x[~train])[:, 1])
    auc_truth = roc_auc_score(y[~train], ccg["true_risk"].to_numpy()[~train])
    assert auc_gb > auc_lr + 0.005, f"XGBoost {auc_gb:.4f}, logistic {auc_lr:.4f}"
    assert auc_gb < auc_truth + 0.005, "no model should beat the ground truth by more than noise"
    assert 0.72 < auc_truth < 0.86, "discrimination like published admission-risk models"
