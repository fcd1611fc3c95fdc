"""`ristra explain` and `ristra score --reasons` against the library.

The contributions file of `ristra explain --input` holds, to the bit, what
the Python binding's Model.explain and the C function (ctypes, below) give
for the same rows (R: bindings/R/tests/testthat/test-explain.R checks its
predict(type = "contrib") against the same file); each row sums to the
logit of the ranked list's risk; the reason columns of `ristra score` are
each patient's largest positive contributions; the what-if calculator
prints the library's numbers and the population reader's errors.
"""
import ctypes
import os
import pathlib
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import SOURCE, run

sys.path.insert(0, str(SOURCE / "bindings" / "python"))
import ristra  # noqa: E402

MODELS = {"gbdt": SOURCE / "models" / "demo_gbdt.json.gz",
          "logistic": SOURCE / "models" / "demo_logistic.json"}


@pytest.fixture(scope="module")
def population(tmp_path_factory):
    d = tmp_path_factory.mktemp("explain")
    path = d / "pop.csv"
    run("synth", "--patients", 3000, "--practices", 3, "--seed", 8, "--output", path, check=True)
    frame = pd.read_csv(path, dtype={"nhs_number": str}, float_precision="round_trip")
    return path, frame


def c_explain(model_path, X):
    lib = ctypes.CDLL(os.environ.get("RISTRA_LIBRARY", str(SOURCE / "build" / "libristra.so")))
    lib.ristra_model_load.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_char_p]
    lib.ristra_model_explain.argtypes = [
        ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int,
        ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    lib.ristra_model_free.argtypes = [ctypes.c_void_p]
    m = ctypes.c_void_p()
    assert lib.ristra_model_load(ctypes.byref(m), str(model_path).encode()) == 0
    X = np.ascontiguousarray(X, dtype=np.float64)
    out = np.empty((X.shape[0], X.shape[1] + 1))
    rc = lib.ristra_model_explain(out.ctypes.data, None, m, X.ctypes.data, 2, X.shape[0],
                                  X.shape[1], X.shape[1], 1, None)
    lib.ristra_model_free(m)
    assert rc == 0
    return out


@pytest.mark.parametrize("kind", list(MODELS))
def test_cli_python_and_c_give_identical_contributions(population, tmp_path, kind):
    path, frame = population
    out, rejects = tmp_path / "contrib.csv.gz", tmp_path / "rejects.csv"
    run("explain", "--model", MODELS[kind], "--input", path, "--output", out,
        "--rejects", rejects, check=True)
    cli = pd.read_csv(out, dtype={"nhs_number": str}, float_precision="round_trip")
    model = ristra.Model.load(MODELS[kind])
    names = model.feature_names
    assert list(cli.columns) == ["nhs_number", "practice", *names, "bias"]
    rows = frame.set_index("nhs_number").loc[cli["nhs_number"]]
    py = model.explain(rows)
    c = c_explain(MODELS[kind], rows[names].to_numpy())
    assert np.array_equal(cli[[*names, "bias"]].to_numpy(), py.to_numpy())
    assert np.array_equal(c, py.to_numpy())
    assert np.array_equal(model.predict(rows, output="contrib"), c)
    # the log-odds: the demo models have no calibration block, so the margin
    margin = model.predict(rows, output="margin")
    assert np.abs(py.sum(axis=1).to_numpy() - margin).max() < 1e-5
    n_rejected = len(pd.read_csv(rejects))
    assert len(cli) + n_rejected == len(frame)


def test_reasons_are_the_largest_raising_contributions(population, tmp_path):
    path, frame = population
    ranked, contrib = tmp_path / "ranked.csv", tmp_path / "contrib.csv"
    run("score", "--model", MODELS["gbdt"], "--input", path, "--output", ranked,
        "--reasons", 3, "--quiet", check=True)
    run("explain", "--model", MODELS["gbdt"], "--input", path, "--output", contrib, check=True)
    r = pd.read_csv(ranked, dtype={"nhs_number": str}, float_precision="round_trip", keep_default_na=False)
    c = pd.read_csv(contrib, dtype={"nhs_number": str}, float_precision="round_trip").set_index("nhs_number")
    names = [n for n in c.columns if n not in ("practice", "bias")]
    values = frame.set_index("nhs_number")
    for _, row in r.head(300).iterrows():
        contributions = c.loc[row["nhs_number"], names].astype(float)
        top = contributions[contributions > 0].sort_values(ascending=False, kind="stable")[:3]
        for k in range(3):
            feature = row[f"reason{k + 1}_feature"]
            if k >= len(top):
                assert feature == ""
                continue
            assert feature == top.index[k]
            assert float(row[f"reason{k + 1}_contribution"]) == top.iloc[k]
            v = values.loc[row["nhs_number"], feature]
            assert (row[f"reason{k + 1}_value"] == "") if pd.isna(v) else \
                float(row[f"reason{k + 1}_value"]) == v
            assert f"({top.iloc[k]:+.2f})" in row[f"reason{k + 1}"]


def test_whatif_prints_the_library_numbers():
    model = ristra.Model.load(MODELS["gbdt"])
    proc = run("explain", "--model", MODELS["gbdt"], "--values",
               "age=82,copd=1,frailty_index=0.4,emergency_admissions_12m=3", check=True)
    x = pd.DataFrame([{n: np.nan for n in model.feature_names}])
    x.loc[0, ["age", "copd", "frailty_index", "emergency_admissions_12m"]] = [82, 1, 0.4, 3]
    want = model.explain(x).iloc[0]
    lines = proc.stdout.splitlines()
    assert lines[0].split()[1] == f"{model.predict(x)[0]:.6f}"
    printed = {ln.split()[0]: float(ln.split()[1]) for ln in lines[4:]}
    assert printed.keys() == set(model.feature_names)
    for name, value in printed.items():
        assert value == float(f"{want[name]:+.6f}")
    sizes = [abs(v) for v in printed.values()]
    assert sizes == sorted(sizes, reverse=True)
    assert "missing" in proc.stdout


@pytest.mark.parametrize("values,words", [
    ("age=200", 'field "age": 200 is outside the valid range'),
    ("age=old", 'field "age": "old" is not a number'),
    ("shoe_size=9", 'no feature "shoe_size"'),
    ("age=82,copd=1", "too few features present: 2 of the model's 19 features given, it needs "
                      "at least 4"),
])
def test_whatif_refuses_bad_values_with_the_readers_words(values, words):
    proc = run("explain", "--model", MODELS["gbdt"], "--values", values)
    assert proc.returncode != 0
    assert words in proc.stderr


def test_an_explain_run_is_recorded_private_and_all_or_nothing(population, tmp_path):
    import json
    path, _ = population
    out, rejects = tmp_path / "contrib.csv", tmp_path / "rejects.csv"
    run("explain", "--model", MODELS["gbdt"], "--input", path, "--output", out,
        "--rejects", rejects, check=True)
    manifest = tmp_path / "contrib.csv.manifest.json"
    record = json.loads(manifest.read_text())
    assert record["command"] == "explain"
    assert {o["role"] for o in record["outputs"]} == {"contributions", "rejects"}
    assert record["options"]["contributions_path"] == str(out)
    for f in (out, rejects, manifest):
        assert f.stat().st_mode & 0o777 == 0o600, f
    assert run("verify", manifest).returncode == 0
    # a run that fails (no patient scored) writes nothing, not even a manifest
    empty, out2 = tmp_path / "empty.csv", tmp_path / "none.csv"
    empty.write_text(path.read_text().splitlines()[0] + "\n")
    assert run("explain", "--model", MODELS["gbdt"], "--input", empty, "--output", out2).returncode != 0
    assert not out2.exists() and not (tmp_path / "none.csv.manifest.json").exists()
