"""`ristra fit`: a logistic model fitted to a population file. The
coefficients (from the model written) and the standard errors (from the
printed table) must equal R's glm(family = binomial()) on the same rows to
1e-6 relative; R runs at test time through tests/parity/glm_reference.R.
Rows the reader rejects, rows with a missing feature and rows without an
outcome are left out and counted; every refusal ends with a message and a
non-zero exit status and writes no model."""
import gzip
import json
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import SOURCE, run

sys.path.insert(0, str(SOURCE / "tests" / "parity"))
import fitlib  # noqa: E402  (R's glm through glm_reference.R)

OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "female", "imd_decile", "care_home", "n_ltc", "frailty_index",
            "emergency_admissions_12m"]
REL = 1e-6


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    """A synthetic population as text, with a few rows damaged on purpose."""
    d = tmp_path_factory.mktemp("fit")
    path = d / "pop.csv"
    p = run("synth", "--patients", 20000, "--practices", 4, "--seed", 11, "--output", path)
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    damage = {5: ("age", ""), 17: ("age", ""), 40: ("imd_decile", "NA"), 60: (OUTCOME, ""),
              80: ("frailty_index", "abc"), 100: (OUTCOME, "2")}
    for row, (col, value) in damage.items():
        df.loc[row, col] = value
    df["w"] = [str(v) for v in np.random.default_rng(5).integers(1, 4, len(df))]
    df["const"] = "1"
    df["sep"] = df[OUTCOME]
    df.to_csv(path, index=False)
    return d, path, df, sorted(damage)


def used_rows(df, damaged):
    ok = df.drop(index=damaged)
    X = ok[FEATURES].astype(float).to_numpy()
    return X, ok[OUTCOME].astype(float).to_numpy(), ok["w"].astype(float).to_numpy()


def fit(path, out, *extra):
    return run("fit", "--input", path, "--outcome", OUTCOME, "--features", ",".join(FEATURES),
               "--output", out, "--fitted-date", "2025-01-02", *extra)


def printed_table(stdout):
    """name -> (estimate, standard error, z) from the coefficient table."""
    table = {}
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Coefficients:"))
    for line in lines[start + 2:]:
        if not line.strip():
            break
        name, est, se, z, *_ = line.split()
        table[name] = (float(est), float(se), float(z))
    return table


def assert_matches_glm(model, stdout, r):
    ours = np.r_[model["logistic"]["intercept"], model["logistic"]["coefficients"]]
    assert len(ours) == len(r["coef"]) == len(FEATURES) + 1
    coef_err = np.abs(ours - r["coef"]) / np.abs(r["coef"])
    table = printed_table(stdout)
    se = np.array([table[name][1] for name in ["(Intercept)"] + FEATURES])
    se_err = np.abs(se - r["se"]) / r["se"]
    print(f"\nmax coef rel diff {coef_err.max():.1e}, printed SE rel diff {se_err.max():.1e}")
    assert coef_err.max() <= REL, (ours, r["coef"])
    assert se_err.max() <= REL, (se, r["se"])


def test_coefficients_match_glm_on_the_rows_used(population, tmp_path):
    d, path, df, damaged = population
    out = tmp_path / "model.json"
    p = fit(path, out, "--population", "synthetic practices, seed 11")
    assert p.returncode == 0, p.stderr
    X, y, _ = used_rows(df, damaged)
    r = fitlib.glm(tmp_path / "r", X, y)
    model = json.loads(out.read_text())
    assert_matches_glm(model, p.stdout, r)
    assert [f["name"] for f in model["features"]] == FEATURES
    pop = model["metadata"]["training_population"]
    assert pop["n"] == len(y) and pop["events"] == int(y.sum())
    assert pop["description"] == "synthetic practices, seed 11"
    assert pop["fitted"] == "2025-01-02"
    assert abs(pop["deviance"] - r["deviance"]) <= 1e-8 * r["deviance"]
    # valid ranges are the training ranges
    assert model["features"][0]["valid_range"] == [X[:, 0].min(), X[:, 0].max()]


def test_reports_the_rows_left_out_and_why(population, tmp_path):
    d, path, df, damaged = population
    p = fit(path, tmp_path / "m.json")
    assert p.returncode == 0, p.stderr
    n = len(df)
    assert f"{n} rows read, {n - 6} used, 6 left out" in p.stdout, p.stdout
    assert "2 rejected: 1 value not numeric, 1 invalid outcome value" in p.stdout, p.stdout
    assert "line 82: field \"frailty_index\": \"abc\" is not a number" in p.stdout  # header: line 1
    assert "3 with a missing value: age 2, imd_decile 1" in p.stdout, p.stdout
    assert f"1 with no outcome ({OUTCOME} empty)" in p.stdout, p.stdout


def test_case_weights_match_glm(population, tmp_path):
    d, path, df, damaged = population
    out = tmp_path / "weighted.json.gz"
    p = fit(path, out, "--weights", "w")
    assert p.returncode == 0, p.stderr
    X, y, w = used_rows(df, damaged)
    r = fitlib.glm(tmp_path / "r", X, y, w)
    with gzip.open(out, "rt") as f:  # .gz names are written compressed
        model = json.load(f)
    assert_matches_glm(model, p.stdout, r)
    assert model["metadata"]["training_population"]["weighted"] is True


def test_l2_penalty_reaches_the_fit(population, tmp_path):
    d, path, df, damaged = population
    plain, penalised = tmp_path / "a.json", tmp_path / "b.json"
    assert fit(path, plain).returncode == 0
    p = fit(path, penalised, "--l2", "50")
    assert p.returncode == 0, p.stderr
    a = np.abs(json.loads(plain.read_text())["logistic"]["coefficients"])
    b = np.abs(json.loads(penalised.read_text())["logistic"]["coefficients"])
    assert np.sum(b ** 2) < np.sum(a ** 2)
    assert json.loads(penalised.read_text())["metadata"]["training_population"]["l2"] == 50


# ------------------------------------------------------------ refusals

def refused(p, out, *words):
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert p.stderr.startswith("ristra fit: "), p.stderr
    for w in words:
        assert w in p.stderr, (w, p.stderr)
    assert not out.exists(), "a refused fit writes no model"


def test_a_missing_column_is_named(population, tmp_path):
    d, path, df, damaged = population
    out = tmp_path / "m.json"
    p = run("fit", "--input", path, "--outcome", OUTCOME, "--features", "age,nosuch,n_ltc",
            "--output", out)
    refused(p, out, '"nosuch"', str(path))
    p = run("fit", "--input", path, "--outcome", "no_outcome", "--features", "age",
            "--output", out)
    refused(p, out, '"no_outcome"')


def test_a_constant_column_is_named(population, tmp_path):
    d, path, df, damaged = population
    out = tmp_path / "m.json"
    p = run("fit", "--input", path, "--outcome", OUTCOME, "--features", "age,const,n_ltc",
            "--output", out)
    refused(p, out, '"const"', "constant")


def test_separation_is_refused_and_named(population, tmp_path):
    d, path, df, damaged = population
    out = tmp_path / "m.json"
    p = run("fit", "--input", path, "--outcome", OUTCOME, "--features", "age,sep",
            "--output", out)
    refused(p, out, '"sep"', "separat")


def test_no_convergence_is_refused(population, tmp_path):
    d, path, df, damaged = population
    out = tmp_path / "m.json"
    refused(fit(path, out, "--max-iter", 2), out, "did not converge", "2 iterations")


def test_bad_files_are_refused(tmp_path):
    out = tmp_path / "m.json"
    refused(run("fit", "--input", tmp_path / "absent.csv", "--outcome", OUTCOME, "--features",
                "age", "--output", out), out, "absent.csv", "cannot open")
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"age,x\x00\n1,2\n")
    refused(run("fit", "--input", binary, "--outcome", OUTCOME, "--features", "age",
                "--output", out), out, "binary.csv", "NUL")
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(gzip.compress(b"nhs_number,practice,age,y\n" * 2000)[:200])
    refused(run("fit", "--input", truncated, "--outcome", "y", "--features", "age",
                "--output", out), out, "truncated.csv.gz")


def test_a_file_without_usable_rows_is_refused(tmp_path):
    path, out = tmp_path / "none.csv", tmp_path / "m.json"
    path.write_text("nhs_number,practice,age,y\n9990000026,A81001,,1\n")
    refused(run("fit", "--input", path, "--outcome", "y", "--features", "age", "--output", out),
            out, "no row can be used")


def test_usage_errors_exit_2(population, tmp_path):
    d, path, df, damaged = population
    p = run("fit", "--input", path, "--outcome", OUTCOME, "--output", tmp_path / "m.json")
    assert p.returncode == 2 and "--features" in p.stderr
    p = run("fit", "--input", path, "--outcome", OUTCOME, "--features", "age,,n_ltc",
            "--output", tmp_path / "m.json")
    assert p.returncode == 2 and "empty name" in p.stderr
    p = fit(path, tmp_path / "m.json", "--l2", "lots")
    assert p.returncode == 2 and "--l2" in p.stderr
    assert run("fit", "--help").returncode == 0
