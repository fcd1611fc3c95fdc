"""The three front ends over one library (issue 13): the `ristra` tool, the
Python package and the R package, run on the same inputs with their
defaults, write the same bytes. Nothing here computes a figure: each side
is a front end, and any default or rule that one of them kept for itself
would show as a difference.

  synth     every default (25,000 patients: the practice count is a default)
  score     the ranked list, the rejects and the summary (default tiers, threshold)
  evaluate  every figure of everyone and each practice (--output-csv)
  fit       the fitted model file (the CLI's and Python's; R has no fit)
"""
import os
import pathlib
import subprocess
import textwrap

import numpy as np
import pytest

import ristra

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", "."))
CLI = os.environ["RISTRA_CLI"]
MODEL = SOURCE / "models" / "demo_logistic.json"
OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "n_ltc", "female", "imd_decile"]
FIT_TEXT = {"name": "front ends", "outcome": "admission", "intended_use": "tests",
            "population": "synthetic", "date": "2026-01-01"}


def cli(*args):
    subprocess.run([CLI, *map(str, args)], check=True, capture_output=True)


def r(code):
    proc = subprocess.run(["Rscript", "--vanilla", "-e", "suppressMessages(library(ristra))\n" +
                           textwrap.dedent(code)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def same_bytes(*paths):
    first = paths[0].read_bytes()
    for p in paths[1:]:
        assert p.read_bytes() == first, f"{p.name} differs from {paths[0].name}"
    return first


@pytest.fixture(scope="module")
def work(tmp_path_factory):
    d = tmp_path_factory.mktemp("front_ends")
    cli("synth", "--patients", 25000, "--output", d / "cli_pop.csv")
    ristra.synth(d / "py_pop.csv", patients=25000)
    r(f'ristra_synth("{d / "r_pop.csv"}", patients = 25000)')
    return d


def test_synth_with_every_default(work):
    text = same_bytes(work / "cli_pop.csv", work / "py_pop.csv", work / "r_pop.csv")
    assert len({line.split(b",")[1] for line in text.splitlines()[1:]}) == 3


def test_score_with_every_default(work):
    pop = work / "cli_pop.csv"
    lines = pop.read_text().splitlines()
    lines[7] = "0" + lines[7][1:]          # a bad NHS number: one reject row
    bad = work / "bad_pop.csv"
    bad.write_text("\n".join(lines) + "\n")
    names = {side: {k: work / f"{side}_{k}.csv" for k in ("list", "rej", "sum")}
             for side in ("cli", "py", "r")}
    c = names["cli"]
    cli("score", "--model", MODEL, "--input", bad, "--output", c["list"], "--rejects", c["rej"],
        "--summary", c["sum"], "--manifest", "", "--quiet")
    p = names["py"]
    ristra.score_file(MODEL, bad, p["list"], rejects=p["rej"], summary=p["sum"], manifest="")
    q = names["r"]
    r(f'''ristra_score_file("{MODEL}", "{bad}", "{q["list"]}", rejects = "{q["rej"]}",
                            summary = "{q["sum"]}", manifest = "")''')
    for k in ("list", "rej", "sum"):
        same_bytes(c[k], p[k], q[k])
    assert len(c["rej"].read_text().splitlines()) == 2


def test_evaluate_every_figure_by_practice(work):
    pop = work / "cli_pop.csv"
    cli("evaluate", "--model", MODEL, "--input", pop, "--outcome", OUTCOME, "--by", "practice",
        "--output-csv", work / "cli_ev.csv")
    rows = ristra.collect(pop, ristra.Model.load(MODEL), outcome_column=OUTCOME)
    codes = np.array(rows.practice_codes)[rows.practice]
    ristra.evaluate(rows.outcome, rows.risk, groups=codes).to_csv(work / "py_ev.csv",
                                                                  by="practice")
    r(f'''rows <- ristra_collect("{pop}", "{MODEL}", outcome_column = "{OUTCOME}")
          ev <- ristra_evaluate(rows$risk, rows$outcome, groups = rows$practice)
          ristra_evaluation_csv(ev, "{work / "r_ev.csv"}", by = "practice")''')
    text = same_bytes(work / "cli_ev.csv", work / "py_ev.csv", work / "r_ev.csv")
    assert len(text.splitlines()) == 1 + 1 + 3   # header, everyone, 3 practices


def test_fit_writes_the_same_model(work):
    pop = work / "cli_pop.csv"
    t = FIT_TEXT
    cli("fit", "--input", pop, "--outcome", OUTCOME, "--features", ",".join(FEATURES),
        "--output", work / "cli_fit.json", "--name", t["name"], "--outcome-name", t["outcome"],
        "--intended-use", t["intended_use"], "--population", t["population"],
        "--fitted-date", t["date"])
    rows = ristra.collect(pop, columns=FEATURES, outcome_column=OUTCOME, keep_values=True)
    fit = ristra.fit_logistic(rows.values, rows.outcome.astype(float), feature_names=FEATURES)
    fit.to_model(name=t["name"], outcome=t["outcome"], horizon_days=365,
                 intended_use=t["intended_use"], population_description=t["population"],
                 fitted_date=t["date"]).save(work / "py_fit.json", indent=1)
    same_bytes(work / "cli_fit.json", work / "py_fit.json")
