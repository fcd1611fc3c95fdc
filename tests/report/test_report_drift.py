"""The report's drift section (`--report-baseline`): the flagged figures on
the pages are exactly the flagged rows of `ristra drift --manifests` between
the baseline run and this one, the area's on the area page and each
practice's on its page (parsed from the HTML; no browser needed)."""
import csv
import html.parser
import os
import pathlib
import subprocess

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
CLI = os.environ.get("RISTRA_CLI", str(SOURCE / "build" / "bindings" / "cli" / "ristra"))
MODEL = SOURCE / "models" / "demo_logistic.json"


def ristra(*args, ok=(0,)):
    proc = subprocess.run([CLI, *map(str, args)], capture_output=True, text=True)
    assert proc.returncode in ok, proc.stderr
    return proc


class DriftRows(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-drift-measure" in a:
            self.rows.add((a["data-drift-measure"], a["data-drift-subject"],
                           a["data-drift-flag"]))


def drift_rows(page):
    p = DriftRows()
    p.feed(page.read_text(encoding="utf-8"))
    return p.rows


def test_the_pages_show_the_flags_of_ristra_drift_between_the_two_runs(tmp_path):
    d = tmp_path
    # the current area is older and more deprived: drift is planted
    ristra("synth", "--patients", 5000, "--practices", 3, "--seed", 7, "--output", d / "a.csv")
    ristra("synth", "--patients", 4000, "--practices", 3, "--seed", 8,
           "--deprivation-effect", 1.5, "--output", d / "b.csv")
    ristra("score", "--model", MODEL, "--input", d / "a.csv", "--output", d / "a_list.csv",
           "--quiet")
    (d / "report").mkdir()
    ristra("score", "--model", MODEL, "--input", d / "b.csv", "--output", d / "b_list.csv",
           "--report-dir", d / "report", "--report-baseline", d / "a_list.csv.manifest.json",
           "--quiet")
    ristra("drift", "--manifests", "--baseline", d / "a_list.csv.manifest.json", "--current",
           d / "b_list.csv.manifest.json", "--model", MODEL, "--output", d / "drift.csv",
           ok=(0, 3))
    with open(d / "drift.csv", newline="") as f:
        flagged = {(r["measure"], r["subject"], r["flag"]) for r in csv.DictReader(f)
                   if r["flag"]}
    assert flagged, "the planted drift must cross some flag"
    assert drift_rows(d / "report" / "index.html") == flagged
    for page in (d / "report").glob("practice-*.html"):
        code = page.stem.removeprefix("practice-")
        want = {r for r in flagged if r[1] == code or r[1].startswith(code + " ")}
        assert drift_rows(page) == want, page


def test_a_baseline_manifest_that_is_not_one_fails_the_run_and_writes_nothing(tmp_path):
    d = tmp_path
    ristra("synth", "--patients", 500, "--practices", 1, "--output", d / "a.csv")
    (d / "report").mkdir()
    proc = ristra("score", "--model", MODEL, "--input", d / "a.csv", "--output", d / "l.csv",
                  "--report-dir", d / "report", "--report-baseline", d / "a.csv", "--quiet",
                  ok=range(1, 256))
    assert "not a run manifest" in proc.stderr
    assert list((d / "report").iterdir()) == [] and not (d / "l.csv").exists()
