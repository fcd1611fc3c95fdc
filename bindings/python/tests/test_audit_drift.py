"""ristra.audit() and ristra.drift() return the library's figures as
DataFrames: the same numbers as `ristra score --audit` and `ristra drift`."""
import os
import pathlib
import subprocess

import pandas as pd

import ristra

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[3]))
CLI = os.environ.get("RISTRA_CLI", str(SOURCE / "build" / "bindings" / "cli" / "ristra"))
MODEL = SOURCE / "models" / "demo_logistic.json"


def test_audit_frame_equals_the_cli_audit(tmp_path):
    pop = tmp_path / "pop.csv"
    ristra.synth(pop, patients=3000, practices=2, seed=3)
    frame = ristra.audit(MODEL, pop, by=["care_home"], output=tmp_path / "py.csv")
    subprocess.run([CLI, "score", "--model", MODEL, "--input", pop, "--output",
                    tmp_path / "l.csv", "--audit", tmp_path / "cli.csv", "--audit-by",
                    "care_home", "--quiet"], check=True)
    assert (tmp_path / "py.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert set(frame.grouping) == {"area", "practice", "age_band", "sex",
                                   "deprivation_quintile", "care_home"}
    assert frame.estimate.dtype.kind == "f"


def test_drift_frame_equals_the_cli_csv(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    ristra.synth(a, patients=3000, practices=2, seed=3)
    ristra.synth(b, patients=3000, practices=2, seed=4)
    d = ristra.drift(a, b, MODEL, output=tmp_path / "py.csv")
    proc = subprocess.run([CLI, "drift", "--baseline", a, "--current", b, "--model", MODEL,
                           "--output", tmp_path / "cli.csv"], capture_output=True, text=True)
    assert proc.returncode == (3 if d.n_flagged else 0)
    assert (tmp_path / "py.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert d.summary == proc.stdout
    want = pd.read_csv(tmp_path / "cli.csv", keep_default_na=False, na_values={
        c: [""] for c in ("baseline", "current", "change", "lower", "upper")})
    pd.testing.assert_frame_equal(d.frame, want, check_dtype=False)


def test_report_pages_equal_the_cli_report(tmp_path):
    """ristra.report() is the library's report: the same pages, byte for
    byte, as `ristra score --report-dir` (no manifest, so no run date)."""
    pop = tmp_path / "pop.csv"
    ristra.synth(pop, patients=3000, practices=2, seed=3)
    py, cli = tmp_path / "py", tmp_path / "cli"
    py.mkdir(), cli.mkdir()
    pages = ristra.report(MODEL, pop, py, by=["care_home"], suppress_practice=False)
    subprocess.run([CLI, "score", "--model", MODEL, "--input", pop, "--output",
                    tmp_path / "l.csv", "--manifest", "", "--audit-by", "care_home",
                    "--report-dir", cli, "--report-unsuppressed", "--quiet"], check=True)
    assert [pathlib.Path(p).name for p in pages] == sorted(p.name for p in cli.iterdir())
    for p in pages:
        assert pathlib.Path(p).read_bytes() == (cli / pathlib.Path(p).name).read_bytes(), p


def test_drift_from_manifests_equals_the_cli(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    ristra.synth(a, patients=3000, practices=2, seed=3)
    ristra.synth(b, patients=3000, practices=2, seed=4)
    for pop in (a, b):
        subprocess.run([CLI, "score", "--model", MODEL, "--input", pop, "--output",
                        tmp_path / f"{pop.stem}_list.csv", "--quiet"], check=True)
    ma, mb = tmp_path / "a_list.csv.manifest.json", tmp_path / "b_list.csv.manifest.json"
    d = ristra.drift(ma, mb, MODEL, output=tmp_path / "py.csv", manifests=True)
    proc = subprocess.run([CLI, "drift", "--manifests", "--baseline", ma, "--current", mb,
                           "--model", MODEL, "--output", tmp_path / "cli.csv"],
                          capture_output=True, text=True)
    assert proc.returncode == (3 if d.n_flagged else 0)
    assert (tmp_path / "py.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert d.summary == proc.stdout
