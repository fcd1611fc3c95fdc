"""ristra.score_file: the ranked list, rejects and summary are byte for byte
what `ristra score` writes for the same input and options; the returned
summary is the summary file's; progress, cancellation and errors."""
import gzip
import subprocess

import numpy as np
import pandas as pd
import pytest

import ristra
from conftest import cli_path
from test_gil import no_forced_switches, watcher_runs_during  # noqa: F401 (a fixture)

FEATURES = ["age", "female", "imd_decile", "care_home", "n_ltc", "frailty_index",
            "ae_attendances_12m", "emergency_admissions_12m"]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """A synthetic population with a few bad rows, and a model fitted on it."""
    tmp = tmp_path_factory.mktemp("score")
    clean = tmp / "clean.csv"
    subprocess.run([cli_path(), "synth", "--patients", "12000", "--practices", "6", "--seed", "9",
                    "--output", clean], check=True, capture_output=True)
    rows = ristra.read_population(clean, columns=FEATURES,
                                  outcome_column="emergency_admission_next_12m")
    fit = ristra.fit_logistic(rows[FEATURES], rows.emergency_admission_next_12m)
    model = fit.to_model(name="score_file test", outcome="emergency admission",
                         horizon_days=365, intended_use="tests")
    model.save(tmp / "model.json")
    lines = clean.read_text().splitlines()
    names = lines[0].split(",")
    bad = lines[1].split(",")
    bad[names.index("age")] = "212"
    lines.insert(50, ",".join(bad))                       # out of range (and a repeated number)
    lines.insert(80, lines[80].replace(",", ",x", 1))      # a bad practice code (ditto)
    population = tmp / "population.csv"
    population.write_text("\n".join(lines) + "\n")
    return tmp, model, population


def cli_score(tmp, population, prefix, *options):
    paths = {k: tmp / f"{prefix}_{k}.csv" for k in ("ranked", "rejects", "summary")}
    subprocess.run([cli_path(), "score", "--model", tmp / "model.json", "--input", population,
                    "--output", paths["ranked"], "--rejects", paths["rejects"],
                    "--summary", paths["summary"], "--quiet", *options],
                   check=True, capture_output=True)
    return paths


def assert_same_files(a, b):
    for key in a:
        assert a[key].read_bytes() == b[key].read_bytes(), key


@pytest.mark.parametrize("options,kwargs", [
    ((), {}),
    (("--tiers", "0.01,0.1,0.5", "--tier-names", "very high,high,moderate", "--threads", "2",
      "--outcome-column", ""),
     {"tiers": (0.01, 0.1, 0.5), "tier_names": ["very high", "high", "moderate"], "threads": 2,
      "outcome_column": None}),
    # tier text is read by the library's reader, as the tool's --tiers is
    (("--tiers", "1%,10%,0.5"), {"tiers": "1%,10%,0.5"}),
    # names alone name the library's default tiers
    (("--tier-names", "a,b,c,d"), {"tier_names": ["a", "b", "c", "d"]}),
])
def test_the_files_are_byte_for_byte_the_command_line_tools(setup, options, kwargs):
    tmp, model, population = setup
    want = cli_score(tmp, population, "cli", *options)
    got = {k: tmp / f"py_{k}.csv" for k in want}
    result = ristra.score_file(model, population, got["ranked"], rejects=got["rejects"],
                               summary=got["summary"], **kwargs)
    assert_same_files(got, want)
    summary = pd.read_csv(want["summary"], dtype={"practice": str, "model_version": str},
                          float_precision="round_trip")
    assert set(summary["model_name"]) == {model.metadata["name"]}
    assert set(summary["model_version"]) == {model.metadata["version"]}
    summary = summary.drop(columns=["model_name", "model_version"])
    pd.testing.assert_frame_equal(result.practices, summary[summary.practice != "ALL"]
                                  .reset_index(drop=True), check_exact=True)
    everyone = summary[summary.practice == "ALL"].iloc[0]
    totals = result.totals
    assert totals["n_scored"] == everyone["list_size"] == 12000
    assert totals["n_rejected"] == everyone["rejected"] == 2
    assert totals["n_rows"] == 12002
    assert list(totals["tiers"].values()) == [everyone[n] for n in totals["tiers"]]
    assert totals["expected"] == everyone["expected_admissions"]
    assert totals["has_outcome"] == ("observed_admissions" in summary.columns)
    if totals["has_outcome"]:
        assert totals["observed"] == everyone["observed_admissions"]
        assert totals["auroc"] == everyone["auroc"]
    else:
        assert totals["observed"] is None


def test_a_path_gzip_and_no_output_file(setup):
    tmp, model, population = setup
    want = cli_score(tmp, population, "cli_default")
    ristra.score_file(tmp / "model.json", population, tmp / "ranked.csv.gz")
    assert gzip.decompress((tmp / "ranked.csv.gz").read_bytes()) == want["ranked"].read_bytes()
    result = ristra.score_file(model, population)
    assert result.totals["n_scored"] == len(want["ranked"].read_text().splitlines()) - 1
    totals, practices = result
    assert len(practices) == totals["n_practices"] == 6


def test_progress_is_reported_and_can_stop_the_run(setup):
    tmp, model, population = setup
    seen = []
    ristra.score_file(model, population, tmp / "p.csv", block_rows=1000,
                      progress=lambda *a: seen.append(a))
    patients = [p for p, _, _ in seen]
    assert patients == sorted(patients) and patients[-1] == 12002 and len(seen) > 5
    assert seen[-1][1] == seen[-1][2] == population.stat().st_size

    out = tmp / "stopped.csv"
    with pytest.raises(ristra.CancelledError):
        ristra.score_file(model, population, out, block_rows=1000,
                          progress=lambda patients, done, total: patients >= 3000)
    assert not out.exists()

    def fails(*args):
        raise KeyError("from the callback")
    with pytest.raises(KeyError, match="from the callback"):
        ristra.score_file(model, population, out, summary=tmp / "s.csv", progress=fails)
    assert not out.exists() and not (tmp / "s.csv").exists()


def test_errors_carry_the_librarys_message(setup, tmp_path):
    tmp, model, population = setup
    with pytest.raises(ristra.NotFoundError, match='2 required columns: "nhs", "practice_code"'):
        ristra.score_file(model, population, id_column="nhs", practice_column="practice_code")
    with pytest.raises(ristra.InvalidArgumentError, match="tier"):
        ristra.score_file(model, population, tiers=(0.2, 0.1))
    with pytest.raises(ristra.InvalidArgumentError, match="2 names for 4 tiers"):
        ristra.score_file(model, population, tier_names=["a", "b"])
    with pytest.raises(ristra.FileError, match="nowhere"):
        ristra.score_file(model, tmp_path / "nowhere.csv")
    with pytest.raises(ristra.InvalidArgumentError, match="its directory"):
        ristra.score_file(model, population, tmp_path / "no" / "dir" / "out.csv")
    with pytest.raises(ristra.NotFoundError, match="1 required column: \"outcome\""):
        ristra.score_file(model, tmp / "clean.csv", outcome_column="outcome",
                          outcome_required=True)


def test_the_risks_are_the_models_predictions(setup, tmp_path):
    tmp, model, population = setup
    ristra.score_file(model, population, tmp_path / "r.csv")
    ranked = pd.read_csv(tmp_path / "r.csv", float_precision="round_trip",
                         dtype={"practice": str})
    rows = ristra.read_population(population, model)
    rows = rows[rows.status == 0].set_index("nhs_number")
    want = model.predict(rows.loc[ranked.nhs_number])
    np.testing.assert_array_equal(ranked.risk.to_numpy(), want)   # to the bit


def test_the_gil_is_released_while_the_batch_runs(setup, tmp_path, no_forced_switches):
    tmp, model, population = setup
    seen = watcher_runs_during(lambda: ristra.score_file(model, population, threads=1), 20)
    assert seen > 0


def test_the_run_options_match_the_command_line_tools(setup):
    """manifest, max_reject_rate, min_scored and mode: the CLI's defaults
    and effects, the files byte for byte (the manifests differ only in
    their times and paths)."""
    import json
    import stat
    tmp, model, population = setup
    want = cli_score(tmp, population, "cli_run", "--mode", "0640", "--max-reject-rate", "0.5",
                     "--manifest", tmp / "cli_run.manifest.json")
    got = {k: tmp / f"py_run_{k}.csv" for k in want}
    ristra.score_file(tmp / "model.json", population, got["ranked"], rejects=got["rejects"],
                      summary=got["summary"], mode=0o640, max_reject_rate=0.5,
                      manifest=tmp / "py_run.manifest.json")
    assert_same_files(got, want)
    for path in [*got.values(), tmp / "py_run.manifest.json"]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o640 & ~current_umask()
    a = json.loads((tmp / "cli_run.manifest.json").read_text())
    b = json.loads((tmp / "py_run.manifest.json").read_text())
    for m in (a, b):
        for key in ("started_utc", "finished_utc"):
            del m[key]
        for o in m["outputs"]:
            del o["path"]
        for key in ("output", "rejects_path", "summary_path"):
            del m["options"][key]
    assert a == b
    # the defaults: a manifest beside the list, files 0600, the 5% threshold
    default = tmp / "py_default.csv"
    ristra.score_file(model, population, default)
    assert stat.S_IMODE(default.stat().st_mode) == 0o600 & ~current_umask()
    manifest = json.loads((tmp / "py_default.csv.manifest.json").read_text())
    assert manifest["options"]["max_reject_rate"] == 0.05
    assert manifest["options"]["min_scored"] == 1
    with pytest.raises(ristra.ThresholdError, match="fewer than min_scored 20000"):
        ristra.score_file(model, population, tmp / "none.csv", min_scored=20000)
    assert not (tmp / "none.csv").exists()
    p = subprocess.run([cli_path(), "score", "--model", tmp / "model.json", "--input", population,
                        "--output", tmp / "none.csv", "--min-scored", "20000"],
                       capture_output=True, text=True)
    assert p.returncode == 3 and "fewer than min_scored 20000" in p.stderr
    assert not (tmp / "none.csv").exists()


def current_umask():
    import os
    mask = os.umask(0o22)   # a test may read its own process's umask
    os.umask(mask)
    return mask
