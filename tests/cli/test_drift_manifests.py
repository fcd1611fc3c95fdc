"""`ristra drift --manifests`: drift between two runs named by their
manifests gives exactly the figures of drift between the files the runs
read (--model) or wrote (--lists), and refuses a file that changed since
its run."""
import pathlib
import subprocess

import pytest

from conftest import CLI, SOURCE

MODEL = SOURCE / "models" / "demo_logistic.json"


def ristra(*args, check=True):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    if check:
        assert proc.returncode in (0, 3), proc.stderr
    return proc


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("drift_manifests")
    for name, seed, effect in (("a", 5, "0"), ("b", 6, "1.0")):
        ristra("synth", "--patients", 4000, "--practices", 3, "--seed", seed,
               "--deprivation-effect", effect, "--output", d / f"{name}.csv")
        ristra("score", "--model", MODEL, "--input", d / f"{name}.csv", "--output",
               d / f"{name}_list.csv", "--quiet")
    return d


@pytest.mark.parametrize("kind", ["--model", "--lists"])
def test_drift_from_manifests_equals_drift_from_the_files_they_record(runs, kind):
    d = runs
    extra = ["--model", MODEL] if kind == "--model" else ["--lists"]
    files = ("a.csv", "b.csv") if kind == "--model" else ("a_list.csv", "b_list.csv")
    direct = ristra("drift", "--baseline", d / files[0], "--current", d / files[1], *extra,
                    "--output", d / "direct.csv")
    via = ristra("drift", "--manifests", "--baseline", d / "a_list.csv.manifest.json",
                 "--current", d / "b_list.csv.manifest.json", *extra,
                 "--output", d / "via.csv")
    assert via.returncode == direct.returncode
    assert via.stdout == direct.stdout
    assert (d / "via.csv").read_bytes() == (d / "direct.csv").read_bytes()


def test_a_file_changed_since_its_run_is_refused(runs, tmp_path):
    d = runs
    changed = tmp_path / "b.csv"
    changed.write_bytes((d / "b.csv").read_bytes())
    ristra("score", "--model", MODEL, "--input", changed, "--output", tmp_path / "l.csv",
           "--quiet")
    with open(changed, "a") as f:
        f.write("\n")
    proc = ristra("drift", "--manifests", "--baseline", d / "a_list.csv.manifest.json",
                  "--current", tmp_path / "l.csv.manifest.json", "--model", MODEL, check=False)
    assert proc.returncode not in (0, 3)
    assert "has changed since that run" in proc.stderr and str(changed) in proc.stderr


def test_a_file_that_is_not_a_manifest_is_refused(runs):
    d = runs
    proc = ristra("drift", "--manifests", "--baseline", d / "a.csv", "--current",
                  d / "b_list.csv.manifest.json", "--lists", check=False)
    assert proc.returncode not in (0, 3)
    assert "not a run manifest" in proc.stderr
