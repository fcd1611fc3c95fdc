"""ristra_fit_logistic() against R's glm(family = binomial()), run at test
time through Rscript (tests/parity/glm_reference.R), on R's own data sets
and on synthetic ones (large and correlated, a raw calendar year, nearly
collinear columns, 120 columns, case weights, proportions, rare events, no
intercept). The L2 case,
which glm cannot fit, is checked against an independent numpy Newton
solve of the penalised objective.

Data go to R as little-endian binary doubles (readBin), never as text, so
that both sides fit exactly the same numbers; R prints with 17 digits.

Agreement required:
  * coefficients: |ristra - R| <= 1e-6 * max(|R|, floor), where the floor
    is 1e-3 for the intercept and 1e-3 * sd(eta) / sd(x_j) for column j
    (eta = R's linear predictor): a coefficient is compared relatively
    unless its whole effect on the linear predictor is below a thousandth
    of the predictor's spread, in which case it must still agree to 1e-9
    of that spread;
  * standard errors: |ristra - R| <= 1e-4 * R;
  * deviance, null deviance and AIC to 1e-8 relative, and the same number
    of IRLS iterations.
Each case prints its largest relative differences (pytest -s shows them).
"""
import os

import numpy as np
import pytest

import fitlib

COEF_REL, SE_REL, DEV_REL = 1e-6, 1e-4, 1e-8


@pytest.fixture(scope="module")
def lib():
    return fitlib.load()


parse_r, rscript, write_case, glm = fitlib.parse_r, fitlib.rscript, fitlib.write_case, fitlib.glm


def read_export(d):
    names = (d / "names.txt").read_text().splitlines()
    X = np.fromfile(d / "x.bin", dtype="<f8").reshape(-1, len(names))
    return X, np.fromfile(d / "y.bin", dtype="<f8"), np.fromfile(d / "w.bin", dtype="<f8"), names


def compare(case, ours, r, X, intercept=True):
    """Asserts the agreement described at the top; returns the figures."""
    est = np.r_[[ours["intercept"]] if intercept else [], ours["coef"]]
    se = np.r_[[ours["intercept_se"]] if intercept else [], ours["se"]]
    ref, ref_se = r["coef"], r["se"]
    assert len(ref) == len(est) and np.all(np.isfinite(ref)), r
    eta = X @ ref[-X.shape[1]:] + (ref[0] if intercept else 0.0)
    floor = 1e-3 * np.std(eta) / np.maximum(X.std(axis=0), 1e-300)
    floor = np.r_[[1e-3] if intercept else [], floor]
    coef_err = np.abs(est - ref) / np.maximum(np.abs(ref), floor)
    se_err = np.abs(se - ref_se) / ref_se
    plain = np.abs(est - ref) / np.abs(ref)
    dev_err = max(abs(ours[k] - r[v]) / abs(r[v]) for k, v in
                  (("deviance", "deviance"), ("null_deviance", "null_deviance"), ("aic", "aic")))
    print(f"\n{case}: max coef rel diff {plain.max():.2e} (floored {coef_err.max():.2e}), "
          f"max SE rel diff {se_err.max():.2e}, deviance/AIC rel diff {dev_err:.2e}, "
          f"iterations {ours['iterations']} (R {r['iter']}), solver {ours['solver']}")
    for j in range(len(est)):
        assert coef_err[j] <= COEF_REL, (case, r["names"][j], est[j], ref[j])
        assert se_err[j] <= SE_REL, (case, r["names"][j], se[j], ref_se[j])
    assert dev_err <= DEV_REL, (case, ours, r)
    assert ours["iterations"] == r["iter"] and r["converged"]
    return plain.max(), se_err.max()


# ------------------------------------------------------------ R's own data

@pytest.mark.parametrize("dataset", ["infert", "esoph", "mtcars", "birthwt"])
def test_r_datasets_match_glm(lib, tmp_path, dataset):
    r = rscript("export", dataset, tmp_path)
    X, y, w, names = read_export(tmp_path)
    assert X.shape == (r["n"], r["p"]) and r["names"][1:] == names
    weighted = not np.all(w == 1)
    ours = fitlib.fit(lib, X, y, w if weighted else None, names=names)
    compare(dataset, ours, r, X)


# ------------------------------------------------------------ synthetic

def correlated(rng, n, p, rho=0.7):
    cov = rho ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    Z = rng.normal(size=(n, p)) @ np.linalg.cholesky(cov).T
    scale = rng.uniform(0.5, 20, size=p)
    shift = rng.uniform(-50, 100, size=p)
    X = Z * scale + shift
    X[:, ::5] = (Z[:, ::5] > 0.5).astype(float)  # some indicators, as in risk models
    return X


def draw(rng, X, b, b0):
    eta = b0 + (X - X.mean(axis=0)) @ b
    return (rng.random(len(X)) < 1 / (1 + np.exp(-eta))).astype(float)


def test_large_correlated_sample_matches_glm(lib, tmp_path):
    rng = np.random.default_rng(20240501)
    X = correlated(rng, 50_000, 20)
    b = rng.normal(size=20) * 0.3 / X.std(axis=0)
    y = draw(rng, X, b, -1.5)
    compare("correlated 50000 x 20", fitlib.fit(lib, X, y, n_threads=2), glm(tmp_path, X, y), X)


def test_raw_calendar_year_beside_the_intercept_matches_glm(lib, tmp_path):
    rng = np.random.default_rng(7)
    n = 30_000
    year = rng.integers(2015, 2025, n).astype(float)
    age = rng.uniform(18, 100, n)
    X = np.c_[year, age, (rng.random(n) < 0.5).astype(float), rng.poisson(2, n).astype(float),
              year * 12 + rng.integers(1, 13, n)]  # calendar month index: ~24200
    y = draw(rng, X[:, :4], np.array([-0.06, 0.03, 0.2, 0.25]), -2.0)
    ours = fitlib.fit(lib, X, y)
    compare("calendar year and month", ours, glm(tmp_path, X, y), X)
    assert abs(ours["intercept"]) > 50  # the year carries a large intercept


def test_nearly_collinear_columns_fall_back_to_qr_and_match_glm(lib, tmp_path):
    rng = np.random.default_rng(11)
    n = 20_000
    X = rng.normal(size=(n, 4)) + 3.0
    X = np.c_[X, X[:, 0] + 1e-7 * rng.normal(size=n)]
    y = draw(rng, X[:, :4], np.array([0.5, -0.3, 0.2, 0.1]), -1.0)
    ours = fitlib.fit(lib, X, y)
    assert ours["solver"] == fitlib.SOLVER_QR
    compare("nearly collinear (QR fallback)", ours, glm(tmp_path, X, y), X)


@pytest.mark.parametrize("solver", [fitlib.SOLVER_AUTO, fitlib.SOLVER_QR])
def test_wide_model_built_from_tiles_matches_glm(lib, tmp_path, solver):
    # 120 columns: the cross-product is too wide for one single-threaded
    # dsyrk and is built from tiles; the QR solve uses narrower panels.
    rng = np.random.default_rng(14)
    n, p = 8_000, 120
    X = rng.normal(size=(n, p)) + rng.uniform(-5, 5, p)
    y = draw(rng, X, rng.normal(size=p) * 0.05, -1.0)
    ours = fitlib.fit(lib, X, y, solver=solver, n_threads=2)
    compare(f"120 columns (solver {solver})", ours, glm(tmp_path, X, y), X)


def test_case_weights_match_glm(lib, tmp_path):
    rng = np.random.default_rng(3)
    n = 20_000
    X = correlated(rng, n, 8)
    y = draw(rng, X, rng.normal(size=8) * 0.4 / X.std(axis=0), -1.0)
    w = rng.choice([0.0, 1.0, 2.0, 3.0, 0.5, 1.75], size=n)
    compare("case weights", fitlib.fit(lib, X, y, w), glm(tmp_path / "w", X, y, w), X)


def test_proportions_with_trial_weights_match_glm(lib, tmp_path):
    rng = np.random.default_rng(4)
    n = 5_000
    X = correlated(rng, n, 5)
    trials = rng.integers(1, 30, n).astype(float)
    p = 1 / (1 + np.exp(-(-0.5 + (X - X.mean(0)) @ (rng.normal(size=5) * 0.3 / X.std(0)))))
    y = rng.binomial(trials.astype(int), p) / trials
    compare("proportions x trials", fitlib.fit(lib, X, y, trials), glm(tmp_path, X, y, trials), X)


def test_rare_events_match_glm(lib, tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(100_000, 10))
    y = draw(rng, X, np.linspace(-0.5, 0.5, 10), -5.0)
    assert 0.005 < y.mean() < 0.02
    compare(f"rare events ({y.mean():.2%})", fitlib.fit(lib, X, y), glm(tmp_path, X, y), X)


def test_no_intercept_matches_glm(lib, tmp_path):
    rng = np.random.default_rng(6)
    X = rng.normal(size=(10_000, 4)) + 0.5
    y = draw(rng, X, np.array([0.6, -0.4, 0.3, 0.2]), -0.3)
    ours = fitlib.fit(lib, X, y, intercept=False)
    compare("no intercept", ours, glm(tmp_path, X, y, intercept=False), X, intercept=False)


# ------------------------------------------------------------ L2 penalty

def penalised_newton(X, y, l2):
    """Newton's method to convergence on -loglik + l2/2 |b|^2 (intercept
    unpenalised); returns the coefficients and the inverse Hessian's
    diagonal square roots."""
    A = np.c_[np.ones(len(X)), X]
    D = np.diag(np.r_[0.0, np.full(X.shape[1], l2)])
    b = np.zeros(A.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-(A @ b)))
        grad = A.T @ (y - p) - D @ b
        H = (A * (p * (1 - p))[:, None]).T @ A + D
        step = np.linalg.solve(H, grad)
        b += step
        if np.max(np.abs(step)) < 1e-14 * max(1.0, np.max(np.abs(b))):
            break
    p = 1 / (1 + np.exp(-(A @ b)))
    H = (A * (p * (1 - p))[:, None]).T @ A + D
    return b, np.sqrt(np.diag(np.linalg.inv(H)))


def test_l2_penalty_matches_a_newton_solve_of_the_penalised_objective(lib):
    rng = np.random.default_rng(8)
    X = correlated(rng, 20_000, 10)
    y = draw(rng, X, rng.normal(size=10) * 0.3 / X.std(axis=0), -1.0)
    l2 = 25.0
    ours = fitlib.fit(lib, X, y, l2=l2, tol=1e-13)
    b, se = penalised_newton(X, y, l2)
    est = np.r_[ours["intercept"], ours["coef"]]
    ours_se = np.r_[ours["intercept_se"], ours["se"]]
    rel = np.abs(est - b) / np.abs(b)
    se_rel = np.abs(ours_se - se) / se
    print(f"\nl2 = {l2}: max coef rel diff {rel.max():.2e}, max SE rel diff {se_rel.max():.2e}")
    assert rel.max() <= COEF_REL and se_rel.max() <= SE_REL
    unpenalised = fitlib.fit(lib, X, y)["coef"]
    assert np.sum(ours["coef"] ** 2) < np.sum(unpenalised ** 2)


# ------------------------------------------------------------ refusals R also flags

def refused(lib, X, y, code=fitlib.ENUMERIC, **kw):
    with pytest.raises(fitlib.FitError) as err:
        fitlib.fit(lib, X, y, names=[f"x{j}" for j in range(X.shape[1])], **kw)
    assert err.value.code == code, err.value.message
    return err.value.message


def test_separation_is_refused_where_glm_warns(lib, tmp_path):
    rng = np.random.default_rng(9)
    X = rng.normal(size=(2000, 3))
    for case, y in (("one column", (X[:, 1] > 0.2).astype(float)),
                    ("two columns", (X[:, 0] + X[:, 2] > 0).astype(float))):
        r = glm(tmp_path / case.replace(" ", "_"), X, y)
        assert any("fitted probabilities numerically 0 or 1" in w for w in r["warnings"]), r
        message = refused(lib, X, y)
        assert "separation" in message
        named = ["x1"] if case == "one column" else ["x0", "x2"]
        assert all(f'"{name}"' in message for name in named), message


def test_aliased_and_constant_columns_are_refused_where_glm_gives_na(lib, tmp_path):
    rng = np.random.default_rng(10)
    X = rng.normal(size=(3000, 4))
    X = np.c_[X, X[:, 0] - 2 * X[:, 1], np.full(3000, 7.0), X[:, 2]]
    y = draw(rng, X[:, :4], np.array([0.5, -0.5, 0.3, 0.2]), -1.0)
    r = glm(tmp_path, X, y)
    na = [name for name, c in zip(r["names"], r["coef"]) if np.isnan(c)]
    assert na == ["Xx4", "Xx5", "Xx6"], r["names"]
    constant = refused(lib, X, y)
    assert '"x5" is constant' in constant
    X = np.delete(X, 5, axis=1)  # without the constant, the aliased columns are named
    message = refused(lib, X, y)
    assert '"x4", "x5"' in message and "linear combination" in message, message


def test_non_convergence_is_refused_where_glm_warns(lib, tmp_path):
    rng = np.random.default_rng(12)
    X = rng.normal(size=(3000, 3))
    y = draw(rng, X, np.array([1.0, -0.8, 0.5]), -1.0)
    r = glm(tmp_path, X, y, maxit=2)
    assert not r["converged"] and any("did not converge" in w for w in r["warnings"])
    assert "did not converge in 2 iterations" in refused(lib, X, y, max_iter=2)


def test_missing_values_are_refused_where_glm_would_drop_the_row(lib):
    X = np.random.default_rng(13).normal(size=(100, 2))
    X[42, 1] = np.nan
    message = refused(lib, X, (X[:, 0] > 0).astype(float), code=fitlib.EINVAL)
    assert "row 42" in message and '"x1"' in message
