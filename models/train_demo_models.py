#!/usr/bin/python3
"""Trains the two demonstration models that `make demo` scores with.

    /usr/bin/python3 models/train_demo_models.py [--ristra build/bindings/cli/ristra]

Both are trained on a SYNTHETIC population (`ristra synth`, seed 20261, not
the demo's seed 1, so the demo scores patients the models never saw) and
say so in their metadata: they are NOT FOR CLINICAL USE.

  models/demo_logistic.json   `ristra fit`: IRLS logistic regression on the
                              synthetic features, as a commissioner would fit
                              one on local data.
  models/demo_gbdt.json.gz    XGBoost 1.7 (Debian's python3-xgboost), 300 trees
                              of depth 6, imported with `ristra convert
                              --min-present 4`, trained with the missingness
                              a real practice list has (see MISSINGNESS), so
                              that a missing value leads to no more than an
                              average risk, and a record with fewer than four
                              features present is not scored at all
                              (INSUFFICIENT_DATA) instead of topping the list.

The outputs are deterministic for a given XGBoost version and machine
architecture (XGBoost is run single-threaded with a fixed seed).
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import gzip

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent

OUTCOME = "emergency_admission_next_12m"
FEATURES = ["age", "female", "imd_decile", "care_home", "hypertension", "diabetes", "copd",
            "asthma", "heart_failure", "ckd", "af", "dementia", "cancer", "depression",
            "frailty_index", "n_ltc", "n_medications", "ae_attendances_12m",
            "emergency_admissions_12m"]
# n_ltc is the sum of the ten condition flags: the logistic model leaves it
# out (`ristra fit` refuses the aliased design, as R would give it an NA).
LOGISTIC_FEATURES = [f for f in FEATURES if f != "n_ltc"]
# Units and valid ranges written into both models (a fitted model would
# otherwise take its ranges from the training rows, and a demo patient with
# one more A&E attendance than anyone in training would be rejected).
FEATURE_INFO = {
    "age": ("Age in whole years", "years", [0, 120]),
    "female": ("1 if the patient is female", "indicator", [0, 1]),
    "imd_decile": ("IMD 2019 decile of the home area (1 = most deprived)", "decile", [1, 10]),
    "care_home": ("1 if the patient lives in a care home", "indicator", [0, 1]),
    "frailty_index": ("Electronic frailty index (deficits / 36)", "index", [0, 1]),
    "n_ltc": ("Number of the ten long-term conditions", "count", [0, 10]),
    "n_medications": ("Repeat medicines", "count", [0, 100]),
    "ae_attendances_12m": ("A&E attendances in the previous 12 months", "count", [0, 200]),
    "emergency_admissions_12m": ("Emergency admissions in the previous 12 months", "count", [0, 100]),
}
for _c in ["hypertension", "diabetes", "copd", "asthma", "heart_failure", "ckd", "af", "dementia",
           "cancer", "depression"]:
    FEATURE_INFO[_c] = ("1 if on the %s register" % _c.replace("_", " "), "indicator", [0, 1])
TRAIN = dict(patients=200000, practices=20, seed=20261)
# Missing values as a practice list has them, applied to the gbdt's
# training rows (the synthetic population itself is complete):
#   new registrants (4%): only age, sex and IMD are known, every other
#     field is empty, and their outcomes are those of everyone else;
#   frailty_index is computed for patients of 65 and over only (the eFI);
#   imd_decile: 3% without a matched postcode; n_medications: 5% unrecorded.
MISSINGNESS = dict(new_registrants=0.04, imd_decile=0.03, n_medications=0.05,
                   frailty_min_age=65, seed=12)
# Rows with fewer features present are not scored (models/FORMAT.md).
MIN_PRESENT = 4
INTENDED_USE = ("DEMONSTRATION ONLY - NOT FOR CLINICAL USE. Trained on a synthetic "
                "population made by `ristra synth`; it has never seen a real patient.")
TRAINING_POPULATION = {
    "description": "synthetic registered population from `ristra synth --patients {patients} "
                   "--practices {practices} --seed {seed}` (see examples/data/README.md)".format(**TRAIN),
    "n": TRAIN["patients"],
    "synthetic": True,
}


def run(*cmd):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True)


def set_metadata(path, name, extra=None):
    """Rewrites the model's metadata block; the rest is left as written."""
    raw = path.read_bytes()
    zipped = raw[:2] == b"\x1f\x8b"
    doc = json.loads(gzip.decompress(raw) if zipped else raw)
    meta = doc["metadata"]
    meta.update({
        "name": name,
        "version": "1.0.0",
        "outcome": "emergency hospital admission",
        "horizon_days": 365,
        "intended_use": INTENDED_USE,
        "training_population": TRAINING_POPULATION,
    })
    meta.pop("defaulted", None)
    meta.update(extra or {})
    for f in doc["features"]:
        description, unit, valid_range = FEATURE_INFO[f["name"]]
        f.update(description=description, unit=unit, valid_range=valid_range)
    text = (json.dumps(doc, indent=1) + "\n").encode()
    path.write_bytes(gzip.compress(text, mtime=0) if zipped else text)


def with_missingness(df, np):
    """The gbdt's training matrix: the features with MISSINGNESS applied."""
    rng = np.random.default_rng(MISSINGNESS["seed"])
    X = df[FEATURES].to_numpy(np.float32).copy()
    col = {f: j for j, f in enumerate(FEATURES)}
    n = len(X)
    new = rng.random(n) < MISSINGNESS["new_registrants"]
    known = [col["age"], col["female"], col["imd_decile"]]
    for j in range(len(FEATURES)):
        if j not in known:
            X[new, j] = np.nan
    X[X[:, col["age"]] < MISSINGNESS["frailty_min_age"], col["frailty_index"]] = np.nan
    for f in ("imd_decile", "n_medications"):
        X[rng.random(n) < MISSINGNESS[f], col[f]] = np.nan
    return X


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ristra", default=str(ROOT / "build/bindings/cli/ristra"))
    ap.add_argument("--out", default=str(HERE))
    args = ap.parse_args()
    out = pathlib.Path(args.out)
    ristra = args.ristra

    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        train = tmp / "train.csv.gz"
        run(ristra, "synth", "--patients", TRAIN["patients"], "--practices", TRAIN["practices"],
            "--seed", TRAIN["seed"], "--output", train)

        logistic = out / "demo_logistic.json"
        run(ristra, "fit", "--input", train, "--outcome", OUTCOME, "--features", ",".join(LOGISTIC_FEATURES),
            "--output", logistic)
        set_metadata(logistic, "ristra demo admission risk (logistic, synthetic)")

        import numpy as np
        import pandas as pd
        import xgboost as xgb
        df = pd.read_csv(train)
        X = with_missingness(df, np)
        dtrain = xgb.DMatrix(X, label=df[OUTCOME].to_numpy(), feature_names=FEATURES)
        params = dict(objective="binary:logistic", max_depth=6, eta=0.1, subsample=1.0,
                      min_child_weight=5, nthread=1, seed=1, tree_method="hist")
        booster = xgb.train(params, dtrain, num_boost_round=300)
        xgb_json = tmp / "demo_gbdt.xgb.json"
        booster.save_model(str(xgb_json))
        gbdt = out / "demo_gbdt.json.gz"
        run(ristra, "convert", "--from", "xgboost", xgb_json, gbdt, "--min-present", MIN_PRESENT)
        set_metadata(gbdt, "ristra demo admission risk (gradient-boosted trees, synthetic)",
                     {"trainer": "XGBoost %s, %s" % (xgb.__version__, json.dumps(params)),
                      "training_missingness": MISSINGNESS})

        for m in (logistic, gbdt):
            run(ristra, "inspect", m)
    return 0


if __name__ == "__main__":
    sys.exit(main())
