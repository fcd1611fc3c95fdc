"""ristra.fit_logistic: the same coefficients, standard errors, deviance
and AIC as R's glm(family = binomial) fitted here at test time, the L2 fit
as scikit-learn's LogisticRegression(C = 1/l2), and a model that scores the
fit's linear predictor."""
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

import ristra
from conftest import cli_path

NAMES = ["age", "female", "n_ltc", "imd_decile", "ae_attendances"]


def cohort(n=4000, seed=5):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": rng.integers(18, 100, n).astype(float),
                       "female": rng.integers(0, 2, n),
                       "n_ltc": rng.poisson(1.5, n),
                       "imd_decile": rng.integers(1, 11, n).astype(float),
                       "ae_attendances": rng.poisson(0.4, n)})
    z = -5 + df.age / 25 + 0.1 * df.female + 0.3 * df.n_ltc - 0.05 * df.imd_decile \
        + 0.6 * df.ae_attendances
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(float)
    w = rng.choice([0.5, 1.0, 2.0, 3.0], n)
    return df, y, w


R_GLM = r"""
d <- read.csv(commandArgs(TRUE)[1])
w <- d$.w
d$.w <- NULL
fit <- glm(.y ~ ., family = binomial(), data = d, weights = w)
s <- summary(fit)$coefficients
for (i in seq_len(nrow(s))) cat("coef", rownames(s)[i], sprintf("%.17g", s[i, 1]),
                                sprintf("%.17g", s[i, 2]), sprintf("%.17g", s[i, 3]),
                                sprintf("%.17g", s[i, 4]), "\n")
cat("deviance", sprintf("%.17g", fit$deviance), "\n")
cat("null_deviance", sprintf("%.17g", fit$null.deviance), "\n")
cat("aic", sprintf("%.17g", fit$aic), "\n")
cat("iter", fit$iter, "\n")
"""


def r_glm(tmp_path, df, y, w):
    if shutil.which("Rscript") is None:
        pytest.skip("R (Rscript) is not installed")
    data = df.assign(**{".y": y, ".w": w})
    data.to_csv(tmp_path / "d.csv", index=False, float_format="%.17g")
    (tmp_path / "glm.R").write_text(R_GLM)
    proc = subprocess.run(["Rscript", tmp_path / "glm.R", tmp_path / "d.csv"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = {"coef": {}, "se": {}, "z": {}, "p": {}}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[0] == "coef":
            for k, key in enumerate(("coef", "se", "z", "p")):
                out[key][parts[1]] = float(parts[2 + k])
        else:
            out[parts[0]] = float(parts[1])
    return out


def rel(a, b):
    return np.max(np.abs(np.asarray(a) - np.asarray(b)) / np.maximum(np.abs(b), 1e-300))


def test_a_weighted_fit_is_rs_glm(tmp_path):
    df, y, w = cohort()
    r = r_glm(tmp_path, df, y, w)
    fit = ristra.fit_logistic(df, y, weights=w)
    assert fit.feature_names == NAMES
    assert rel(fit.intercept, r["coef"]["(Intercept)"]) < 1e-10
    assert rel(fit.intercept_se, r["se"]["(Intercept)"]) < 1e-10
    assert rel(fit.coef, [r["coef"][n] for n in NAMES]) < 1e-10
    assert rel(fit.se, [r["se"][n] for n in NAMES]) < 1e-10
    for key in ("deviance", "null_deviance", "aic"):
        assert rel(fit.summary[key], r[key]) < 1e-10, key
    assert fit.summary["iterations"] == r["iter"]
    assert fit.summary["n_rows"] == fit.summary["n_used"] == len(df)
    assert fit.summary["sum_weights"] == pytest.approx(w.sum(), rel=1e-14)
    table = fit.coefficients
    assert list(table.index) == ["(Intercept)", *NAMES]
    np.testing.assert_array_equal(table["estimate"], [fit.intercept, *fit.coef])
    terms = ["(Intercept)", *NAMES]   # z and p are the library's (ristra_fit_wald): R's
    assert rel(table["z"], [r["z"][t] for t in terms]) < 1e-9
    assert rel(table["p"], [r["p"][t] for t in terms]) < 1e-8


def test_arrays_in_any_layout_give_the_same_fit_as_the_frame():
    df, y, _ = cohort(n=1500)
    want = ristra.fit_logistic(df, y)
    X = df.to_numpy(np.float64)
    for block in (X, np.asfortranarray(X), X.astype(np.float32).astype(np.float64),
                  np.hstack([X, np.zeros((len(X), 3))])[:, :5], df.to_numpy(np.int64) * 1.0):
        got = ristra.fit_logistic(block, y, feature_names=NAMES)
        np.testing.assert_array_equal(got.coef, want.coef)
        assert got.intercept == want.intercept
    assert ristra.fit_logistic(X, y).feature_names is None
    threads = ristra.fit_logistic(df, y, n_threads=2)
    np.testing.assert_array_equal(threads.coef, want.coef)


def test_the_l2_fit_is_scikit_learns_penalised_logistic_regression():
    sklearn = pytest.importorskip("sklearn.linear_model")
    df, y, _ = cohort(n=3000, seed=8)
    l2 = 40.0
    ours = ristra.fit_logistic(df, y, l2=l2, tol=1e-14, max_iter=100)
    peer = sklearn.LogisticRegression(C=1 / l2, tol=1e-12, max_iter=1000,
                                      solver="newton-cholesky")
    peer.fit(df.to_numpy(float), y)
    assert rel(ours.coef, peer.coef_[0]) < 1e-10
    assert rel(ours.intercept, peer.intercept_[0]) < 1e-10
    assert ours.summary["l2"] == l2
    plain = ristra.fit_logistic(df, y)
    assert np.sum(ours.coef ** 2) < np.sum(plain.coef ** 2)   # the penalty shrinks


def test_without_intercept_it_is_glm_minus_one(tmp_path):
    df, y, _ = cohort(n=800)
    fit = ristra.fit_logistic(df, y, intercept=False)
    assert not fit.has_intercept and fit.intercept == 0
    assert list(fit.coefficients.index) == NAMES


def test_to_model_scores_the_linear_predictor_and_records_the_fit():
    df, y, w = cohort(n=2000)
    fit = ristra.fit_logistic(df, y, weights=w)
    model = fit.to_model(name="admissions glm", outcome="emergency admission",
                         horizon_days=365, intended_use="testing", model_version="0.1.0",
                         population_description="synthetic", fitted_date="2024-04-01",
                         units=["years", None, "conditions", None, "attendances"],
                         missing_policy="impute")
    assert model.kind == "logistic" and model.feature_names == NAMES
    margin = model.predict(df, output="margin")
    np.testing.assert_allclose(margin, fit.intercept + df.to_numpy(float) @ fit.coef,
                               rtol=0, atol=1e-12)
    md = model.metadata
    assert (md["name"], md["version"], md["horizon_days"]) == ("admissions glm", "0.1.0", 365)
    tp = md["training_population"]
    assert tp["fitted"] == "2024-04-01" and tp["description"] == "synthetic"
    assert tp["deviance"] == pytest.approx(fit.summary["deviance"], rel=1e-15)
    age = model.features[0]
    assert (age.unit, age.valid_min, age.valid_max) == ("years", df.age.min(), df.age.max())
    assert age.missing_policy == "impute"
    assert age.impute_value == pytest.approx(np.average(df.age, weights=w), rel=1e-12)


def test_to_model_needs_feature_names_and_the_required_metadata():
    df, y, _ = cohort(n=500)
    unnamed = ristra.fit_logistic(df.to_numpy(float), y)
    with pytest.raises(ristra.InvalidArgumentError, match="name"):
        unnamed.to_model(name="m", outcome="o", horizon_days=365, intended_use="u")
    named = ristra.fit_logistic(df, y)
    with pytest.raises(ristra.InvalidArgumentError, match="horizon"):
        named.to_model(name="m", outcome="o", horizon_days=0, intended_use="u")
    with pytest.raises(ristra.InvalidArgumentError, match="units"):
        named.to_model(name="m", outcome="o", horizon_days=1, intended_use="u", units=["a"])
    with pytest.raises(TypeError):
        named.to_model(name="m")
    named.close()
    with pytest.raises(ristra.InvalidArgumentError, match="closed"):
        named.to_model(name="m", outcome="o", horizon_days=1, intended_use="u")


def test_refusals_name_the_row_and_column():
    df, y, _ = cohort(n=500)
    bad = df.copy()
    bad.loc[7, "imd_decile"] = np.nan
    with pytest.raises(ristra.InvalidArgumentError, match="imd_decile") as e:
        ristra.fit_logistic(bad, y)
    assert "7" in str(e.value)
    separated = df.assign(flag=y)
    with pytest.raises(ristra.NumericError, match="flag"):
        ristra.fit_logistic(separated, y)
    with pytest.raises(ristra.InvalidArgumentError, match="499 values for 500 rows"):
        ristra.fit_logistic(df, y[:-1])
    with pytest.raises(ristra.InvalidArgumentError, match="weights"):
        ristra.fit_logistic(df, y, weights=np.ones(3))
    with pytest.raises(ristra.InvalidArgumentError, match="2 names for 5 columns"):
        ristra.fit_logistic(df.to_numpy(float), y, feature_names=["a", "b"])
    with pytest.raises(ristra.InvalidArgumentError, match="solver"):
        ristra.fit_logistic(df, y, solver="lbfgs")


@pytest.mark.parametrize("cli_options,kwargs,model_kwargs", [
    ((), {}, {}),
    (("--l2", "3.5", "--impute", "--no-training-range"), {"l2": 3.5},
     {"missing_policy": "impute", "training_range": False}),
])
def test_the_model_is_byte_for_byte_what_ristra_fit_writes(tmp_path, cli_options, kwargs,
                                                           model_kwargs):
    population = tmp_path / "population.csv"
    ristra.synth(population, patients=6000, practices=3, seed=4)
    features = ["age", "female", "n_ltc", "frailty_index", "ae_attendances_12m"]
    outcome = "emergency_admission_next_12m"
    proc = subprocess.run(
        [cli_path(), "fit", "--input", population, "--outcome", outcome,
         "--features", ",".join(features), "--output", tmp_path / "cli.json", "--name", "m",
         "--outcome-name", "emergency admission", "--intended-use", "tests",
         "--population", "synthetic", "--fitted-date", "2024-01-02", *cli_options],
        capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    rows = ristra.read_population(population, columns=features, outcome_column=outcome)
    fit = ristra.fit_logistic(rows[features], rows[outcome], **kwargs)
    model = fit.to_model(name="m", outcome="emergency admission", horizon_days=365,
                         intended_use="tests", population_description="synthetic",
                         fitted_date="2024-01-02", **model_kwargs)
    assert model.to_bytes() == ristra.Model.load(tmp_path / "cli.json").to_bytes()
