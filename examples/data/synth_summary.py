#!/usr/bin/env python3
"""Summarises a population written by `ristra synth`, next to the figures the
generator was built to reproduce (examples/data/README.md says where each
comes from). Use it to check the README's claims on any seed or size.

usage: /usr/bin/python3 examples/data/synth_summary.py FILE [--models]

--models also fits a main-effects logistic regression and gradient-boosted
trees (XGBoost) on 70% of the rows and reports their AUROC on the rest,
beside the AUROC of the ground truth (needs the true_risk column).
"""
import argparse

import numpy as np
import pandas as pd

CONDITIONS = ["hypertension", "diabetes", "copd", "asthma", "heart_failure", "ckd", "af",
              "dementia", "cancer", "depression"]
# QOF 2022-23 England prevalence (percent) and the ages of its denominator.
QOF = {"hypertension": (14.4, 0), "diabetes": (7.5, 17), "copd": (1.9, 0),
       "asthma": (6.5, 6), "heart_failure": (1.0, 0), "ckd": (4.0, 18), "af": (2.1, 0),
       "dementia": (0.7, 0), "cancer": (3.5, 0), "depression": (13.2, 18)}


def pct(x):
    return f"{100 * x:5.1f}%"


def auroc(y, s):
    from sklearn.metrics import roc_auc_score
    return roc_auc_score(y, s)


def models(df):
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    import xgboost as xgb
    features = [c for c in df.columns if c not in (
        "nhs_number", "practice", "emergency_admission_next_12m", "true_risk")]
    rng = np.random.default_rng(0)
    train = rng.random(len(df)) < 0.7
    x, y = df[features].to_numpy(float), df["emergency_admission_next_12m"].to_numpy()
    scaler = StandardScaler().fit(x[train])
    lr = LogisticRegression(max_iter=2000).fit(scaler.transform(x[train]), y[train])
    p_lr = lr.predict_proba(scaler.transform(x[~train]))[:, 1]
    gb = xgb.XGBClassifier(n_estimators=400, max_depth=4, learning_rate=0.05, subsample=0.8,
                           colsample_bytree=0.8, n_jobs=2, tree_method="hist")
    gb.fit(x[train], y[train])
    p_gb = gb.predict_proba(x[~train])[:, 1]
    print(f"held-out AUROC ({(~train).sum()} rows): main-effects logistic "
          f"{auroc(y[~train], p_lr):.4f}, XGBoost {auroc(y[~train], p_gb):.4f}", end="")
    if "true_risk" in df:
        print(f", ground truth {auroc(y[~train], df['true_risk'].to_numpy()[~train]):.4f}")
    else:
        print()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--models", action="store_true")
    args = ap.parse_args()
    df = pd.read_csv(args.file, dtype={"nhs_number": str})
    n = len(df)
    sizes = df.groupby("practice").size()
    print(f"{n} patients, {len(sizes)} practices: list size mean {sizes.mean():.0f}, "
          f"median {sizes.median():.0f}, min {sizes.min()}, max {sizes.max()}")
    age = df["age"]
    print(f"age: mean {age.mean():.1f}; under 18 {pct((age < 18).mean())}, 65+ "
          f"{pct((age >= 65).mean())}, 85+ {pct((age >= 85).mean())}; female "
          f"{pct(df['female'].mean())} (85+: {pct(df.loc[age >= 85, 'female'].mean())})")
    print("IMD deciles 1..10:", " ".join(f"{100 * v:.1f}" for v in
                                         df["imd_decile"].value_counts(normalize=True).sort_index()))
    bands = pd.cut(age, [-1, 39, 64, 79, 200], labels=["<40", "40-64", "65-79", "80+"])
    quint = (df["imd_decile"] + 1) // 2
    print(f"\n{'condition':14} {'QOF':>6} {'synth':>6}   " +
          " ".join(f"{b:>6}" for b in bands.cat.categories) + "   IMD Q1..Q5")
    for c in CONDITIONS:
        target, min_age = QOF[c]
        by_band = df.groupby(bands, observed=False)[c].mean()
        by_q = df.groupby(quint)[c].mean()
        print(f"{c:14} {target:5.1f}% {pct(df.loc[age >= min_age, c].mean())}   " +
              " ".join(pct(v) for v in by_band) + "   " +
              " ".join(f"{100 * v:.1f}" for v in by_q))
    ch = df["care_home"] == 1
    print(f"\ncare home: {ch.sum()} ({pct(ch.mean())}); of 65+ {pct(df.loc[age >= 65, 'care_home'].mean())},"
          f" of 85+ {pct(df.loc[age >= 85, 'care_home'].mean())}; residents: mean age "
          f"{age[ch].mean():.1f}, dementia {pct(df.loc[ch, 'dementia'].mean())}, "
          f"eFI mean {df.loc[ch, 'frailty_index'].mean():.2f}")
    efi = df.loc[age >= 65, "frailty_index"]
    print(f"eFI 65+: fit {pct((efi <= 0.12).mean())}, mild {pct(((efi > 0.12) & (efi <= 0.24)).mean())},"
          f" moderate {pct(((efi > 0.24) & (efi <= 0.36)).mean())}, severe {pct((efi > 0.36).mean())}"
          f"   (Clegg 2016: 50/35/12/3)")
    m = df["n_medications"]
    print(f"medications: mean {m.mean():.2f}; 5+ {pct((m >= 5).mean())}, 8+ {pct((m >= 8).mean())},"
          f" 10+ {pct((m >= 10).mean())}; 65+ on 5+ {pct((m[age >= 65] >= 5).mean())}")
    a, e = df["emergency_admissions_12m"], df["ae_attendances_12m"]
    print(f"prior 12m: emergency admissions mean {a.mean():.3f}, 1+ {pct((a >= 1).mean())}; "
          f"A&E mean {e.mean():.3f}, 1+ {pct((e >= 1).mean())}")
    print("A&E per person by IMD Q1..Q5:", " ".join(f"{v:.2f}" for v in e.groupby(quint).mean()),
          "; admissions per person by age band:",
          " ".join(f"{v:.3f}" for v in a.groupby(bands, observed=False).mean()),
          "; 1+ by age band:", " ".join(pct(v) for v in (a >= 1).groupby(bands, observed=False).mean()))
    print(f"n_ltc: 0 {pct((df['n_ltc'] == 0).mean())}, 2+ {pct((df['n_ltc'] >= 2).mean())},"
          f" 4+ {pct((df['n_ltc'] >= 4).mean())}")
    if "emergency_admission_next_12m" in df:
        y = df["emergency_admission_next_12m"]
        print(f"\noutcome: {y.sum()} of {n} = {100 * y.mean():.2f}%; by age band: " +
              " ".join(pct(v) for v in y.groupby(bands, observed=False).mean()))
        if "true_risk" in df:
            r = df["true_risk"]
            print(f"true_risk: mean {100 * r.mean():.2f}%, AUROC {auroc(y, r):.4f}; top 2% "
                  f"capture {y[r >= r.quantile(0.98)].sum() / y.sum():.1%} of admissions")
        if args.models:
            models(df)


if __name__ == "__main__":
    main()
