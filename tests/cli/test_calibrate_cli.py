"""`ristra calibrate`: a model fitted on one synthetic population is
recalibrated on another whose events were thinned (so the model
overestimates risk there). Checked: the metadata records what, on which
population and when; re-evaluating the recalibrated model on the same
patients gives calibration-in-the-large 0 (intercept method) or
calibration intercept 0 and slope 1 (logistic method); the new blocks agree
with R's glm (tests/parity/recalibrate_reference.R) to 1e-6 relative;
refusals exit non-zero and write nothing."""
import gzip
import json
import subprocess

import numpy as np
import pandas as pd
import pytest

from conftest import SOURCE, run

OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "female", "imd_decile", "n_ltc", "frailty_index", "emergency_admissions_12m"]
R_SCRIPT = SOURCE / "tests" / "parity" / "recalibrate_reference.R"


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    d = tmp_path_factory.mktemp("calibrate")
    train, local, model = d / "train.csv", d / "local.csv", d / "model.json"
    for path, n, seed in ((train, 20000, 31), (local, 25000, 32)):
        p = run("synth", "--patients", n, "--practices", 3, "--seed", seed, "--output", path)
        assert p.returncode == 0, p.stderr
    p = run("fit", "--input", train, "--outcome", OUTCOME, "--features", ",".join(FEATURES),
            "--output", model, "--no-training-range")
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(local, dtype={"nhs_number": str, "practice": str})
    thin = (df[OUTCOME] == 1) & (np.random.default_rng(3).random(len(df)) < 0.4)
    df.loc[thin, OUTCOME] = 0
    df.to_csv(local, index=False)
    return d, local, model, df


def risks(model_path, df):
    """The model's risks, recomputed with numpy from the model file."""
    m = json.loads(model_path.read_text())
    eta = m["logistic"]["intercept"] + df[FEATURES].to_numpy(float) @ np.array(
        m["logistic"]["coefficients"])
    cal = m.get("calibration", {"intercept": 0.0, "slope": 1.0})
    return 1 / (1 + np.exp(-(cal["intercept"] + cal["slope"] * eta)))


def calibrate(setup, out, method, *args, model=None):
    d, local, base, df = setup
    return run("calibrate", "--model", model or base, "--input", local, "--outcome", OUTCOME,
               "--method", method, "--output", out, *args)


def figures(model, local):
    csv = model.with_suffix(".figures.csv")
    p = run("evaluate", "--model", model, "--input", local, "--outcome", OUTCOME,
            "--output-csv", csv)
    assert p.returncode == 0, p.stderr
    return pd.read_csv(csv).iloc[0]


def glm(tmp_path, p, y):
    np.ascontiguousarray(p, dtype="<f8").tofile(tmp_path / "p.bin")
    np.ascontiguousarray(y, dtype="<f8").tofile(tmp_path / "y.bin")
    proc = subprocess.run(["Rscript", "--vanilla", str(R_SCRIPT), str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        key, *values = line.split()
        assert values[-1] == "TRUE"
        out[key] = [float(v) for v in values[:-1]]
    return out


def close(ours, ref):
    return abs(ours - ref) <= 1e-6 * max(abs(ref), 1e-3)


def test_intercept_method_records_itself_and_removes_citl(setup, tmp_path):
    d, local, model, df = setup
    original = model.read_bytes()
    out = tmp_path / "recalibrated.json"
    p = calibrate(setup, out, "intercept", "--population-name", "Local ICB, outcomes 2024-25",
                  "--date", "2025-04-01", "--model-version", "1.1.0")
    assert p.returncode == 0, p.stderr
    assert model.read_bytes() == original, "the input model is left as it was"
    m = json.loads(out.read_text())
    rec = m["metadata"]["recalibration"][-1]
    assert rec["method"] == "intercept" and rec["date"] == "2025-04-01"
    assert rec["population"] == {"description": "Local ICB, outcomes 2024-25", "n": len(df),
                                 "events": int(df[OUTCOME].sum())}
    assert rec["calibration_before"] is None
    assert rec["calibration_after"] == m["calibration"]
    assert m["calibration"]["slope"] == 1.0
    assert m["metadata"]["version"] == "1.1.0" and rec["model_version_before"] == "1.0.0"
    before, after = figures(model, local), figures(out, local)
    assert before["oe_ratio"] < 0.8, "the local population has fewer events than predicted"
    assert abs(after["calibration_in_the_large"]) < 1e-9, after["calibration_in_the_large"]
    assert abs(after["calibration_intercept"]) < 1e-8
    assert abs(after["oe_ratio"] - 1) < 1e-9
    assert after["auroc"] == before["auroc"]
    # the printed comparison
    assert "calibration block before: none" in p.stdout
    for name in ("AUROC", "observed / expected", "calibration-in-the-large",
                 "calibration slope"):
        assert any(line.startswith(name) for line in p.stdout.splitlines()), name


def test_logistic_method_gives_slope_one_and_intercept_zero(setup, tmp_path):
    d, local, model, df = setup
    out = tmp_path / "recalibrated.json.gz"
    p = calibrate(setup, out, "logistic")
    assert p.returncode == 0, p.stderr
    with gzip.open(out, "rt") as f:
        m = json.load(f)
    rec = m["metadata"]["recalibration"][-1]
    assert rec["method"] == "logistic"
    assert rec["population"]["description"] == f"{local} (outcome {OUTCOME})"
    assert len(rec["date"]) == 20 and rec["date"].endswith("Z")
    plain = tmp_path / "recalibrated.json"
    plain.write_text(json.dumps(m))
    after = figures(plain, local)
    assert abs(after["calibration_slope"] - 1) < 1e-8, after["calibration_slope"]
    assert abs(after["calibration_slope_intercept"]) < 1e-8
    assert abs(after["calibration_in_the_large"]) < 1e-9


def test_blocks_match_glm_and_compose(setup, tmp_path):
    d, local, model, df = setup
    y = df[OUTCOME].to_numpy(float)
    r = glm(tmp_path, risks(model, df), y)
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert calibrate(setup, first, "intercept").returncode == 0
    cal = json.loads(first.read_text())["calibration"]
    assert close(cal["intercept"], r["intercept"][0]) and cal["slope"] == 1.0, (cal, r)
    # logistic recalibration on top of the intercept one: R fits the risks
    # of the recalibrated model; ristra composes the blocks
    r2 = glm(tmp_path, risks(first, df), y)
    p = calibrate(setup, second, "logistic", model=first)
    assert p.returncode == 0, p.stderr
    m = json.loads(second.read_text())
    a, b = r2["logistic"]
    c0 = cal["intercept"]
    assert close(m["calibration"]["intercept"], a + b * c0), (m["calibration"], a, b)
    assert close(m["calibration"]["slope"], b), (m["calibration"], b)
    history = m["metadata"]["recalibration"]
    assert [h["method"] for h in history] == ["intercept", "logistic"]
    assert history[1]["calibration_before"] == cal
    # logistic recalibration does not depend on the block before it
    direct = glm(tmp_path, risks(model, df), y)["logistic"]
    assert close(m["calibration"]["intercept"], direct[0])
    assert close(m["calibration"]["slope"], direct[1])


def test_refusals_write_nothing(setup, tmp_path):
    d, local, model, df = setup
    out = tmp_path / "out.json"
    p = calibrate(setup, out, "isotonic")
    assert p.returncode == 2 and "--method" in p.stderr
    p = run("calibrate", "--model", model, "--input", local, "--outcome", OUTCOME, "--method",
            "intercept")
    assert p.returncode == 2 and "--output" in p.stderr
    p = calibrate(setup, out, "intercept", "--date", "1 April 2025")
    assert p.returncode == 1 and "date" in p.stderr, p.stderr
    p = calibrate(setup, tmp_path / "no" / "such" / "dir.json", "intercept")
    assert p.returncode == 1 and "dir.json" in p.stderr, p.stderr
    none = tmp_path / "no_events.csv"
    df.assign(**{OUTCOME: 0}).to_csv(none, index=False)
    p = run("calibrate", "--model", model, "--input", none, "--outcome", OUTCOME, "--method",
            "logistic", "--output", out)
    assert p.returncode == 1 and "no events" in p.stderr, p.stderr
    assert not out.exists()
