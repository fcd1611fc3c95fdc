#!/usr/bin/env python3
"""Score a practice population held in a pandas DataFrame with ristra, then
plot the risk distribution and the tier counts per practice into a PNG.

    python3 examples/python/score_dataframe.py                # a synthetic population
    python3 examples/python/score_dataframe.py patients.csv   # your own: one row per patient,
                                                              # a "practice" column and the
                                                              # model's feature columns
    options: --model MODEL.json  --out risk_report.png

Written as notebook cells (# %%): run it top to bottom, or paste the cells
into Jupyter. Needs the ristra package (see README.md, "Python"), pandas
and matplotlib.
"""
# %% Setup
import argparse
import pathlib

import matplotlib

matplotlib.use("Agg")  # write PNG files; leave this line out in a notebook
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import ristra  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]
parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("csv", nargs="?", help="patients, one per row (default: synthetic)")
parser.add_argument("--model", default=REPO / "models" / "example_logistic.json")
parser.add_argument("--out", default="risk_report.png", help="the PNG to write")
args = parser.parse_args()


# %% A population: your CSV, or a synthetic one
def synthetic_population(practices=("C81010", "C81020", "C81030", "C81040"), per_practice=2500,
                         seed=2024):
    """Made-up patients of a few practices, in the example model's columns."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, practice in enumerate(practices):
        n = per_practice
        age = rng.integers(0, 100, n)
        frames.append(pd.DataFrame({
            "practice": practice,
            "age": age,
            "female": rng.integers(0, 2, n),
            "imd_decile": np.clip(rng.normal(3 + 2 * i, 2, n).round(), 1, 10),
            "n_ltc": rng.poisson(age / 30),
            "prior_emergency_admissions": rng.poisson(0.05 + age / 400),
            "ae_attendances": rng.poisson(0.3 + age / 300),
            "care_home": (rng.random(n) < np.where(age >= 80, 0.08, 0.002)).astype(int),
        }))
    df = pd.concat(frames, ignore_index=True)
    df.loc[rng.random(len(df)) < 0.02, "imd_decile"] = np.nan  # gaps: the model imputes them
    df.loc[rng.random(len(df)) < 0.002, "age"] = np.nan        # the model rejects these rows
    return df


df = pd.read_csv(args.csv) if args.csv else synthetic_population()
print(f"{len(df)} patients in {df['practice'].nunique()} practices")

# %% Load the model and score: columns are matched by name
model = ristra.Model.load(args.model)
print(model)
print(model.metadata["intended_use"])
risk, status = model.predict(df, return_status=True)
df["risk"] = risk
not_scored = pd.Series(status[status != 0]).map(ristra.row_status_string).value_counts()
print(f"{int((status == 0).sum())} scored; not scored: {not_scored.to_dict() or 'none'}")

# %% Tiers within each practice
# For now the tiers are computed here with pandas. When the population
# scorer ristra.score_file (the library's own ranks and tiers, as the
# command-line tool writes them) lands in this binding, this cell becomes
# that one call. Cut-offs: the top 0.5% of each practice "very high", the
# next 4.5% "high", the next 15% "moderate", the rest "low".
TIERS = ["very high", "high", "moderate", "low"]
share = df.groupby("practice")["risk"].rank(ascending=False, pct=True)
df["tier"] = pd.cut(share, [0, 0.005, 0.05, 0.20, 1.0], labels=TIERS)
counts = pd.crosstab(df["practice"], df["tier"]).reindex(columns=TIERS, fill_value=0)
print(counts)

# %% Plot the risk distribution and the tier counts per practice
fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
left.hist(df["risk"].dropna(), bins=60, color="#005EB8")
left.set(xlabel="risk of emergency admission within a year", ylabel="patients", yscale="log",
         title="Risk distribution")
counts[TIERS[:3]].plot.bar(stacked=True, ax=right, rot=0,
                           color=["#DA291C", "#ED8B00", "#FFB81C"])
right.set(xlabel="practice", ylabel="patients", title="Patients in the top three tiers")
fig.tight_layout()
fig.savefig(args.out, dpi=120)
print(f"wrote {args.out}")
