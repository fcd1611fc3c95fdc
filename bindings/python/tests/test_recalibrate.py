"""Model.recalibrate and Model.calibration: the model written after a
recalibration here is byte for byte what `ristra calibrate` writes for the
same patients; the intercept method expects as many events as were
observed; the fits are R's glm, run at test time
(tests/parity/recalibrate_reference.R); refusals carry the library's message."""
import json
import shutil
import subprocess

import numpy as np
import pytest

import ristra
from conftest import EXAMPLE_MODEL, SOURCE, cli_path

OUTCOME = "emergency_admission_next_12m"
POPULATION = "ristra synth --patients 6000 --practices 3 --seed 11, outcomes as drawn"
DATE = "2025-03-01"
R_SCRIPT = SOURCE / "tests" / "parity" / "recalibrate_reference.R"


@pytest.fixture(scope="module")
def population_file(tmp_path_factory):
    """A synthetic population (`ristra synth`) with two columns renamed to
    the example model's names; the data rows are the tool's bytes."""
    tmp = tmp_path_factory.mktemp("recalibrate")
    synth = tmp / "synth.csv"
    subprocess.run([cli_path(), "synth", "--patients", "6000", "--practices", "3", "--seed", "11",
                    "--output", synth], check=True, capture_output=True)
    header, rest = synth.read_text().split("\n", 1)
    names = {"ae_attendances_12m": "ae_attendances",
             "emergency_admissions_12m": "prior_emergency_admissions"}
    header = ",".join(names.get(name, name) for name in header.split(","))
    path = tmp / "population.csv"
    path.write_text(header + "\n" + rest)
    return path


@pytest.fixture(scope="module")
def patients(population_file):
    """The rows `ristra calibrate` uses: scored, with a known outcome."""
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        df = ristra.read_population(population_file, model, outcome_column=OUTCOME)
    return df[(df.status == 0) & df[OUTCOME].notna()].reset_index(drop=True)


def cli_calibrate(tmp_path, population_file, method, *extra):
    out = tmp_path / f"cli_{method}.json"
    subprocess.run([cli_path(), "calibrate", "--model", EXAMPLE_MODEL, "--input", population_file,
                    "--outcome", OUTCOME, "--method", method, "--output", out,
                    "--population-name", POPULATION, "--date", DATE, *extra],
                   check=True, capture_output=True)
    return out.read_bytes()


@pytest.mark.parametrize("method", ["intercept", "logistic"])
def test_the_saved_model_is_the_command_line_tools(tmp_path, population_file, patients, method):
    want = cli_calibrate(tmp_path, population_file, method, "--model-version", "1.0.0-local")
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        local = model.recalibrate(patients, patients[OUTCOME], method, population=POPULATION,
                                  date=DATE, model_version="1.0.0-local")
    local.save(tmp_path / "python.json", indent=1)
    assert (tmp_path / "python.json").read_bytes() == want
    entry = local.metadata["recalibration"][-1]
    assert entry["method"] == method
    assert entry["population"] == {"description": POPULATION, "n": len(patients),
                                   "events": int(patients[OUTCOME].sum())}


def test_the_intercept_method_expects_what_was_observed(patients):
    y = patients[OUTCOME].to_numpy()
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        assert model.calibration is None
        before = model.predict(patients).sum()
        local = model.recalibrate(patients, y.astype(bool), population=POPULATION)
    expected = local.predict(patients).sum()
    assert abs(before - y.sum()) > 10          # the example model is off on this population
    assert abs(expected - y.sum()) <= 1e-9 * y.sum()
    cal = local.calibration
    assert isinstance(cal, ristra.Calibration) and cal.slope == 1.0
    assert np.isfinite(cal.intercept) and cal.intercept != 0.0


def r_glm(tmp_path, p, y):
    """R's glm fits of tests/parity/recalibrate_reference.R on risks p."""
    if shutil.which("Rscript") is None:
        pytest.skip("R (Rscript) is not installed")
    np.ascontiguousarray(p, dtype="<f8").tofile(tmp_path / "p.bin")
    np.ascontiguousarray(y, dtype="<f8").tofile(tmp_path / "y.bin")
    proc = subprocess.run(["Rscript", "--vanilla", str(R_SCRIPT), str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        key, *rest = line.split()
        assert rest[-1] == "TRUE", f"R's {key} fit did not converge"
        out[key] = [float(v) for v in rest[:-1]]
    return out


def rel(ours, ref):
    return abs(ours - ref) / max(abs(ref), 1e-3)


def test_the_fits_are_rs_glm(tmp_path, patients):
    """Logistic recalibration of a model that already has a calibration block
    (the intercept recalibration of the example model), so that the new block
    is the composition a + b c0, b c1 of R's a, b with the old c0, c1."""
    y = patients[OUTCOME].to_numpy()
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        first = model.recalibrate(patients, y, "intercept", population=POPULATION)
        r0 = r_glm(tmp_path, model.predict(patients), y)
    c0, c1 = first.calibration
    assert rel(c0, r0["intercept"][0]) <= 1e-6 and c1 == 1.0
    # A population whose risks are too extreme: outcomes drawn from a
    # flattened version of the model's log-odds.
    rng = np.random.default_rng(3)
    eta = 0.4 + 0.6 * (c0 + c1 * first.predict(patients, output="margin"))
    y2 = (rng.random(len(eta)) < 1 / (1 + np.exp(-eta))).astype(np.int64)
    r = r_glm(tmp_path, first.predict(patients), y2)
    second = first.recalibrate(patients, y2, "logistic", population=POPULATION)
    a, b = r["logistic"]
    cal = second.calibration
    assert rel(cal.intercept, a + b * c0) <= 1e-6, (cal, a, b)
    assert rel(cal.slope, b * c1) <= 1e-6, (cal, a, b)
    fit = second.metadata["recalibration"][-1]["fit"]
    assert rel(fit["intercept"], a) <= 1e-6 and rel(fit["slope"], b) <= 1e-6
    assert len(second.metadata["recalibration"]) == 2
    assert first.calibration == (c0, c1)       # the input model is unchanged


def test_refusals_carry_the_message(patients):
    y = patients[OUTCOME].to_numpy()
    with ristra.Model.load(EXAMPLE_MODEL) as model:
        with pytest.raises(ristra.InvalidArgumentError, match='method must be "intercept" or '
                                                             '"logistic", not \'platt\''):
            model.recalibrate(patients, y, "platt", population=POPULATION)
        with pytest.raises(ristra.NumericError, match="no events") as e:
            model.recalibrate(patients, np.zeros(len(y)), population=POPULATION)
        assert e.value.code == -9 and e.value.message == str(e.value)
        with pytest.raises(ristra.InvalidArgumentError, match="population_description"):
            model.recalibrate(patients, y, population=None)
        with pytest.raises(ristra.InvalidArgumentError, match='opts->date "1 March 2025"'):
            model.recalibrate(patients, y, population=POPULATION, date="1 March 2025")
        bad = y.astype(float)
        bad[7] = np.nan
        with pytest.raises(ristra.InvalidArgumentError, match=r"outcome\[7\]"):
            model.recalibrate(patients, bad, population=POPULATION)
        with pytest.raises(ristra.InvalidArgumentError, match="one value per row of X"):
            model.recalibrate(patients, y[:-1], population=POPULATION)
        rows = patients.copy()
        rows.loc[4, "age"] = 130.0
        with pytest.raises(ristra.InvalidArgumentError,
                           match="not scored: 1 of .* row 4 .*out of range"):
            model.recalibrate(rows, y, population=POPULATION)


def test_a_model_without_a_block_has_no_calibration_and_one_with_has_it():
    doc = json.loads(EXAMPLE_MODEL.read_text())
    doc["calibration"] = {"intercept": 0.25, "slope": 0.75}
    with ristra.Model.from_bytes(json.dumps(doc).encode()) as model:
        assert model.calibration == ristra.Calibration(0.25, 0.75)
