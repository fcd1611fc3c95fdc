#!/usr/bin/env python3
"""Score a practice population with ristra: a pandas DataFrame first, then
the whole file with the library's batch (ranks and tiers per practice, as
`ristra score` writes them), and plot the risk distribution and the tier
counts per practice into a PNG.

    python3 examples/python/score_dataframe.py                       # synthetic data
    python3 examples/python/score_dataframe.py patients.csv --model model.json
    options: --model MODEL.json | --fit,  --out risk_report.png

patients.csv: one row per patient with nhs_number, practice and the model's
feature columns (examples/data/README.md describes the synthetic ones).
The default model is models/demo_logistic.json (trained on synthetic data;
not for clinical use); --fit fits one here instead, on a separate synthetic
training population, as a commissioner would fit one on local data.

Written as notebook cells (# %%): run it top to bottom, or paste the cells
into Jupyter. Needs the ristra package (see README.md, "Python"), pandas
and matplotlib. Outputs (ranked.csv, summary.csv, rejects.csv, the PNG) go
beside --out.
"""
# %% Setup
import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")  # write PNG files; leave this line out in a notebook
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

import ristra  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("csv", nargs="?", help="patients, one per row (default: synthetic)")
REPO = pathlib.Path(__file__).resolve().parents[2]
parser.add_argument("--model", default=REPO / "models" / "demo_logistic.json")
parser.add_argument("--fit", action="store_true", help="fit a logistic model here instead")
parser.add_argument("--out", default="risk_report.png", help="the PNG to write")
args = parser.parse_args()
out = pathlib.Path(args.out).resolve()
work = out.parent
work.mkdir(parents=True, exist_ok=True)

OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "female", "imd_decile", "care_home", "frailty_index", "n_ltc",
            "n_medications", "ae_attendances_12m", "emergency_admissions_12m"]

# %% A population: your CSV, or a synthetic one (made-up patients; NHS numbers
# from the never-issued test range)
if args.csv:
    population = pathlib.Path(args.csv)
else:
    population = work / "population.csv"
    ristra.synth(population, patients=30000, practices=8, seed=2024)
# Identifiers as text; round_trip reads numbers exactly as the library does.
df = pd.read_csv(population, dtype={"nhs_number": str, "practice": str},
                 float_precision="round_trip")
print(f"{len(df)} patients in {df['practice'].nunique()} practices")

# %% A model: load one, or fit a logistic regression here (R's glm, in C)
if not args.fit:
    model = ristra.Model.load(args.model)
else:
    training = work / "training.csv"
    ristra.synth(training, patients=60000, practices=6, seed=1)
    train = pd.read_csv(training, float_precision="round_trip")
    fit = ristra.fit_logistic(train[FEATURES], train[OUTCOME])
    print(fit.coefficients.round(4))
    model = fit.to_model(name="example admissions model", outcome=OUTCOME, horizon_days=365,
                         intended_use="DEMONSTRATION ONLY - fitted on synthetic data",
                         missing_policy="impute")
    model.save(work / "model.json")
print(model)

# %% Score the DataFrame: columns are matched by name
risk, status = model.predict(df, return_status=True)
df["risk"] = risk
not_scored = pd.Series(status[status != 0]).map(ristra.row_status_string).value_counts()
print(f"{int((status == 0).sum())} scored; not scored: {not_scored.to_dict() or 'none'}")

# %% The batch: the library reads the file, ranks every practice and assigns
# tiers (top 0.5%, 2%, 5%, 20% of each list), exactly as `ristra score` does
totals, practices = ristra.score_file(model, population, work / "ranked.csv",
                                      rejects=work / "rejects.csv", summary=work / "summary.csv")
print(f"{totals['n_scored']} ranked, {totals['n_rejected']} rejected; tiers: {totals['tiers']}")
ranked = pd.read_csv(work / "ranked.csv", dtype={"nhs_number": str, "practice": str},
                     float_precision="round_trip")
same = ranked.merge(df[["nhs_number", "risk"]], on="nhs_number", suffixes=("", "_frame"))
assert (same["risk"] == same["risk_frame"]).all(), "the batch and predict() disagree"
print(ranked.head())

# %% How good is the model here? (when the file has outcomes)
if OUTCOME in df.columns:
    known = ranked.merge(df[["nhs_number", OUTCOME]], on="nhs_number").dropna(subset=[OUTCOME])
    ev = ristra.evaluate(known[OUTCOME], known["risk"], groups=known["practice"])
    print(ev)
    print(ev.groups[["n", "events", "auroc", "oe_ratio", "calibration_slope"]].round(3))

# %% Plot the risk distribution and the tier counts per practice
tiers = list(totals["tiers"])
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
left.hist(ranked["risk"], bins=60, color="#005EB8")
left.set(xlabel="risk of emergency admission within a year", ylabel="patients", yscale="log",
         title="Risk distribution")
practices.set_index("practice")[tiers].plot.bar(
    stacked=True, ax=right, rot=45, color=["#DA291C", "#ED8B00", "#FFB81C", "#78BE20"])
right.set(xlabel="practice", ylabel="patients", title="Patients in each tier, per practice")
fig.tight_layout()
fig.savefig(out, dpi=120)
print(f"wrote {out}")
