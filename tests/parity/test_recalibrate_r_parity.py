"""ristra_model_recalibrate() against R's glm, run at test time through
Rscript (tests/parity/recalibrate_reference.R):

  intercept method: glm(y ~ 1 + offset(qlogis(p)), family = binomial())
  logistic method:  glm(y ~ qlogis(p), family = binomial())

where p are the risks the model gives before recalibration (scored by
ristra). Cases: logistic models with and without an existing calibration
block, common and rare outcomes, and a gradient-boosted model with a
calibration block (so that the copy of a tree model is exercised too).

Agreement required (R with its default glm.control, data passed as binary
doubles, printed with 17 digits):
  * the fitted a (and b) recorded in metadata.recalibration[].fit, and the
    new calibration block composed from them, to 1e-6 relative
    (|ristra - R| <= 1e-6 * max(|R|, 1e-3));
  * the recalibrated model's risks, scored by ristra, against R's fitted
    values to 1e-7 relative;
  * the population n and events recorded in the metadata exactly.
"""
import json
import pathlib
import subprocess

import numpy as np
import pytest

import recalibrate_ctypes as rc

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parents[1]
R_SCRIPT = HERE / "recalibrate_reference.R"
COEF_REL, RISK_REL = 1e-6, 1e-7


@pytest.fixture(scope="module")
def lib():
    return rc.load()


def glm(tmp_path, p, y):
    np.ascontiguousarray(p, dtype="<f8").tofile(tmp_path / "p.bin")
    np.ascontiguousarray(y, dtype="<f8").tofile(tmp_path / "y.bin")
    proc = subprocess.run(["Rscript", "--vanilla", str(R_SCRIPT), str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        key, *rest = line.split()
        assert rest[-1] == "TRUE", f"R's {key} fit did not converge"
        out[key] = [float(v) for v in rest[:-1]]
    out["fitted_intercept"] = np.fromfile(tmp_path / "fitted_intercept.bin", dtype="<f8")
    out["fitted_logistic"] = np.fromfile(tmp_path / "fitted_logistic.bin", dtype="<f8")
    return out


def logistic_model(coef, intercept, calibration=None):
    doc = {
        "format": "ristra-model", "format_version": 1, "kind": "logistic",
        "metadata": {"name": "parity", "version": "1.0.0", "outcome": "synthetic",
                     "horizon_days": 365, "intended_use": "TEST",
                     "training_population": {"synthetic": True}},
        "features": [{"name": f"x{j}", "missing": {"policy": "reject"}}
                     for j in range(len(coef))],
        "link": "logit",
        "logistic": {"intercept": intercept, "coefficients": list(coef)},
    }
    if calibration:
        doc["calibration"] = {"intercept": calibration[0], "slope": calibration[1]}
    return doc


def gbdt_model(calibration):
    doc = json.loads((SOURCE / "tests/golden/gbdt_numeric/model.json").read_text())
    doc["calibration"] = {"intercept": calibration[0], "slope": calibration[1]}
    return doc


def draw(rng, margin, c0, c1, true_a, true_b):
    """Outcomes whose true log-odds are true_a + true_b * (c0 + c1 * margin)."""
    eta = true_a + true_b * (c0 + c1 * margin)
    return (rng.random(len(margin)) < 1 / (1 + np.exp(-eta))).astype(np.uint8)


def close(ours, ref):
    return abs(ours - ref) / max(abs(ref), 1e-3)


CASES = {
    # name: (model, n, features, (c0, c1) for the outcome, true a, true b)
    "logistic, underestimates": ("logistic", None, 30000, 6, 0.6, 0.75),
    "logistic, calibrated, rare events": ("logistic", (0.35, 0.8), 50000, 6, -1.2, 1.25),
    "gbdt, calibrated": ("gbdt", (0.1, 0.9), 20000, 20, 0.3, 0.7),
}


@pytest.mark.parametrize("case", list(CASES))
def test_recalibration_matches_glm(lib, tmp_path, case):
    kind, cal, n, p, true_a, true_b = CASES[case]
    rng = np.random.default_rng(sum(map(ord, case)))
    X = rng.normal(size=(n, p))
    if kind == "logistic":
        doc = logistic_model(rng.normal(scale=0.5, size=p), -2.5, cal)
    else:
        doc = gbdt_model(cal)
    model = rc.model_from_json(lib, doc)
    try:
        risk, margin = rc.score(lib, model, X)
        c0, c1 = cal if cal else (0.0, 1.0)
        y = draw(rng, margin, c0, c1, true_a, true_b)
        r = glm(tmp_path, risk, y)
        worst = {}
        for method, name in ((rc.INTERCEPT, "intercept"), (rc.LOGISTIC, "logistic")):
            new = rc.recalibrate(lib, model, margin, y, method, description=case)
            try:
                present, a1, b1 = rc.calibration(lib, new)
                rec = rc.metadata(lib, new)["recalibration"][-1]
                new_risk, _ = rc.score(lib, new, X)
            finally:
                lib.ristra_model_free(new)
            assert present == 1 and rec["method"] == name
            assert rec["population"] == {"description": case, "n": n, "events": int(y.sum())}
            fit_a, fit_b = rec["fit"]["intercept"], rec["fit"]["slope"]
            if name == "intercept":
                ra, rb = r["intercept"][0], 1.0
                assert fit_b == 1.0 and b1 == c1
            else:
                ra, rb = r["logistic"]
            errs = [close(fit_a, ra), close(fit_b, rb), close(a1, ra + rb * c0),
                    close(b1, rb * c1)]
            fitted = r["fitted_" + name]
            risk_err = np.max(np.abs(new_risk - fitted) / fitted)
            worst[name] = (max(errs), risk_err)
            assert max(errs) <= COEF_REL, (case, name, (fit_a, fit_b), (ra, rb), (a1, b1))
            assert risk_err <= RISK_REL, (case, name, risk_err)
        print(f"\n{case}: " + ", ".join(f"{k}: coef rel diff {v[0]:.1e}, risk rel diff {v[1]:.1e}"
                                        for k, v in worst.items()))
    finally:
        lib.ristra_model_free(model)


def test_refusals_reach_the_caller(lib):
    model = rc.model_from_json(lib, logistic_model([1.0], 0.0))
    try:
        with pytest.raises(rc.RistraError, match="no events") as e:
            rc.recalibrate(lib, model, np.array([0.1, 0.2, 0.3]), np.zeros(3), rc.INTERCEPT)
        assert e.value.code == -9
        with pytest.raises(rc.RistraError, match="population_description") as e:
            rc.recalibrate(lib, model, np.array([0.1, 0.2]), np.array([0, 1]), rc.LOGISTIC,
                           description=None)
        assert e.value.code == -2
    finally:
        lib.ristra_model_free(model)
