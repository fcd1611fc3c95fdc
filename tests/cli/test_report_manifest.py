"""`ristra report --manifest M --output-dir D` (issue 15): the report of a
recorded run, from its manifest, is the report that run wrote, byte for
byte, when the model file and the input are the ones it read; otherwise
nothing is written."""
import json

from conftest import SOURCE, run

MODEL = SOURCE / "models" / "demo_gbdt.json.gz"


def pages(directory):
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_the_report_of_a_recorded_run_is_the_one_the_run_wrote(tmp_path):
    pop = tmp_path / "pop.csv"
    run("synth", "--patients", 4000, "--practices", 3, "--seed", 12, "--output", pop, check=True)
    first, again = tmp_path / "first", tmp_path / "again"
    first.mkdir(), again.mkdir()
    run("score", "--model", MODEL, "--input", pop, "--output", tmp_path / "list.csv",
        "--tiers", "1%,10%", "--tier-names", "very high,high", "--threads", 1,
        "--report-dir", first, "--quiet", check=True)
    manifest = tmp_path / "list.csv.manifest.json"
    assert json.loads(manifest.read_text())["options"]["audit"]["age_column"] == "age"
    p = run("report", "--manifest", manifest, "--output-dir", again)
    assert p.returncode == 0, p.stderr
    assert pages(again) == pages(first) and len(pages(first)) == 4   # area + 3 practices
    # the input changed since the run: refused, nothing written
    pop.write_text(pop.read_text().replace(",", ", ", 1))
    empty = tmp_path / "empty"
    empty.mkdir()
    p = run("report", "--manifest", manifest, "--output-dir", empty)
    assert p.returncode == 1 and "has changed since the run" in p.stderr
    assert list(empty.iterdir()) == []
    p = run("report", "--manifest", tmp_path / "nope.json", "--output-dir", empty)
    assert p.returncode == 1 and list(empty.iterdir()) == []
    assert run("report", "--output-dir", empty).returncode == 2
