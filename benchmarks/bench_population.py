#!/usr/bin/env python3
"""The nightly batch end to end: `ristra score` on a 909,091-patient
population with 40 feature columns, plain and gzip, with a 40-feature
logistic model and a 500-tree depth-6 gbdt model, beside `zcat F > /dev/null`
and beside the notebook path (pandas read_csv, then XGBoost predict), all in
one run.

usage: /usr/bin/python3 benchmarks/bench_population.py [--cli build/bindings/cli/ristra]
           [--repeat 3] [--threads 0] [--work build/bench-work]
           [--baseline-cli OTHER/ristra] [--skip-notebook] [--models logistic,gbdt]

--baseline-cli times a second build of the CLI on the same commands in the
same run (e.g. one configured with -DRISTRA_WITH_ISAL=OFF: gzip by zlib),
for a before/after ratio. --skip-notebook leaves out the pandas path.
Every ristra run writes the ranked list, the rejects and the summary
(gzip-compressed when the input is), each fsynced before it is renamed.

The population, the models and the gzip file are made once and cached in
--work (delete it to remake them): `ristra synth` gives 19 feature columns;
21 more numeric columns (laboratory-like values) are added with pandas. The
logistic model is fitted by scikit-learn and the gbdt model trained by
XGBoost on 200,000 of the rows (the models are synthetic), then converted
with `ristra convert --from xgboost`.

Prints the median wall time of --repeat runs of each command, patients per
second, the ratios the issue sets targets for, and each command's peak
memory (maximum resident set size from /usr/bin/time -v). ristra's time is
the whole process: load the model, read, score, rank, write the ranked
list. The notebook path is timed inside Python around read_csv and predict
only (imports and the ranking and writing a notebook would still have to
do are left out, which favours it).
"""
import argparse
import gzip
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import time

N_PATIENTS = 909091  # every valid NHS number of the test range
N_PRACTICES = 92
N_EXTRA = 21
OUTCOME = "emergency_admission_next_12m"
SYNTH_FEATURES = ["age", "female", "imd_decile", "care_home", "hypertension", "diabetes",
                  "copd", "asthma", "heart_failure", "ckd", "af", "dementia", "cancer",
                  "depression", "frailty_index", "n_ltc", "n_medications",
                  "ae_attendances_12m", "emergency_admissions_12m"]
EXTRA = [f"lab_{i:02d}" for i in range(1, N_EXTRA + 1)]
FEATURES = SYNTH_FEATURES + EXTRA

NOTEBOOK = """
import sys, time
import pandas as pd, xgboost as xgb
path, model, features = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
booster = xgb.Booster(model_file=model)
t0 = time.perf_counter()
df = pd.read_csv(path, dtype={"nhs_number": str, "practice": str})
risk = booster.predict(xgb.DMatrix(df[features]))
print(time.perf_counter() - t0, len(risk))
"""


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def make_population(cli, work):
    """pop40.csv and pop40.csv.gz: synth's columns and 21 more."""
    plain, gz = work / "pop40.csv", work / "pop40.csv.gz"
    if plain.exists() and gz.exists():
        return plain, gz
    import numpy as np
    import pandas as pd
    synth = work / "synth.csv"
    log("making the population (once) ...")
    subprocess.run([cli, "synth", "--patients", str(N_PATIENTS), "--practices",
                    str(N_PRACTICES), "--seed", "1", "--output", str(synth)], check=True)
    df = pd.read_csv(synth, dtype={"nhs_number": str, "practice": str})
    rng = np.random.default_rng(2024)
    base = df["age"].to_numpy() / 100 + df["n_ltc"].to_numpy() / 10
    for i, name in enumerate(EXTRA):
        # readings that drift with age and morbidity, with noise, at 1-2 decimals
        value = 50 + 20 * np.sin(i) * base + rng.normal(0, 5 + i, len(df))
        df.insert(len(df.columns) - 1, name, np.round(value, 1 + i % 2))
    tmp = work / "pop40.csv.tmp"
    df.to_csv(tmp, index=False)
    os.replace(tmp, plain)
    with open(plain, "rb") as src, gzip.open(work / "pop40.csv.gz.tmp", "wb", 6) as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    os.replace(work / "pop40.csv.gz.tmp", gz)
    synth.unlink()
    return plain, gz


def native_logistic(intercept, coefficients):
    return {
        "format": "ristra-model", "format_version": 1, "kind": "logistic",
        "metadata": {"name": "bench logistic (40 features, synthetic)", "version": "1",
                     "outcome": "emergency hospital admission", "horizon_days": 365,
                     "intended_use": "BENCHMARK ONLY - NOT FOR CLINICAL USE",
                     "training_population": {"description": "ristra synth + 21 made-up columns",
                                             "synthetic": True}},
        "features": [{"name": f, "missing": {"policy": "impute", "value": 0}} for f in FEATURES],
        "link": "logit",
        "logistic": {"intercept": intercept, "coefficients": coefficients},
    }


def make_models(cli, work, plain):
    """logistic.json, gbdt.json (native) and gbdt.xgb.json (XGBoost's own)."""
    logistic, gbdt, xgb_path = work / "logistic.json", work / "gbdt.json", work / "gbdt.xgb.json"
    if logistic.exists() and gbdt.exists() and xgb_path.exists():
        return logistic, gbdt, xgb_path
    import numpy as np
    import pandas as pd
    import xgboost as xgb
    from sklearn.linear_model import LogisticRegression
    log("fitting the models (once) ...")
    df = pd.read_csv(plain, nrows=200000)
    X, y = df[FEATURES].to_numpy(dtype=np.float64), df[OUTCOME].to_numpy()
    mean, scale = X.mean(axis=0), X.std(axis=0)
    fit = LogisticRegression(C=1e4, max_iter=2000).fit((X - mean) / scale, y)
    coef = fit.coef_[0] / scale
    intercept = float(fit.intercept_[0] - np.sum(fit.coef_[0] * mean / scale))
    logistic.write_text(json.dumps(native_logistic(intercept, [float(c) for c in coef])))
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 6, "eta": 0.05,
                         "tree_method": "hist", "seed": 1},
                        xgb.DMatrix(df[FEATURES], label=y), num_boost_round=500)
    booster.save_model(xgb_path)
    subprocess.run([cli, "convert", "--from", "xgboost", str(xgb_path), str(gbdt)], check=True)
    return logistic, gbdt, xgb_path


def timed(cmd, repeat, inner=False):
    """Median wall seconds and median CPU seconds (user + sys) of repeat
    runs of cmd under /usr/bin/time -v, and the largest peak RSS (MB).
    inner: the command prints its own seconds."""
    times, cpus, peaks = [], [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{p.stderr}")
        times.append(float(p.stdout.split()[0]) if inner else wall)
        cpus.append(sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", p.stderr).group(1))
                        for k in ("User", "System")))
        peaks.append(int(re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                                   p.stderr).group(1)) / 1024)
    return statistics.median(times), statistics.median(cpus), max(peaks)


def main():
    root = pathlib.Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(root / "build/bindings/cli/ristra"))
    ap.add_argument("--work", default=str(root / "build/bench-work"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--baseline-cli", default=None)
    ap.add_argument("--skip-notebook", action="store_true")
    ap.add_argument("--models", default="logistic,gbdt")
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    plain, gz = make_population(args.cli, work)
    logistic, gbdt, xgb_path = make_models(args.cli, work, plain)
    rows = []
    load_start = os.getloadavg()[0]

    def add(name, cmd, inner=False):
        log(f"timing {name} ...")
        seconds, cpu, peak = timed([str(c) for c in cmd], args.repeat, inner)
        rows.append((name, seconds, cpu, peak))
        return seconds, cpu

    zcat = add("zcat pop40.csv.gz > /dev/null", ["sh", "-c", f"zcat '{gz}' > /dev/null"])
    if shutil.which("igzip"):
        add("igzip -d -c pop40.csv.gz > /dev/null", ["sh", "-c", f"igzip -d -c '{gz}' > /dev/null"])
    models = [m for m in (("logistic", logistic), ("gbdt 500x6", gbdt))
              if m[0].split()[0] in args.models.split(",")]
    clis = [("", args.cli)] + ([(" [baseline]", args.baseline_cli)] if args.baseline_cli else [])
    score = {}
    for model_name, model in models:
        for label, path, ext in (("plain", plain, ".csv"), ("gzip in+out", gz, ".csv.gz")):
            for tag, cli in clis:
                out = [f"--output", work / f"ranked{ext}", "--rejects", work / f"rejects{ext}",
                       "--summary", work / f"summary{ext}"]
                score[model_name, label, tag] = add(
                    f"ristra score, {model_name}, {label}{tag}",
                    [cli, "score", "--model", model, "--input", path, *out,
                     "--threads", args.threads, "--quiet"])
    notebook = {}
    for label, path in (() if args.skip_notebook else (("plain", plain), ("gzip", gz))):
        notebook[label] = add(f"pandas read_csv + XGBoost predict, {label}",
                              [sys.executable, "-c", NOTEBOOK, path, xgb_path, ",".join(FEATURES)],
                              inner=True)
    for name in ("ranked", "rejects", "summary"):
        for ext in (".csv", ".csv.gz"):
            (work / f"{name}{ext}").unlink(missing_ok=True)

    print(f"{N_PATIENTS:,} patients x {len(FEATURES)} features; "
          f"{plain.stat().st_size / 1e6:.0f} MB plain, {gz.stat().st_size / 1e6:.0f} MB gzip; "
          f"median of {args.repeat}; load average {load_start:.1f} at the start, "
          f"{os.getloadavg()[0]:.1f} at the end")
    print()
    print("| command | wall s | CPU s (user+sys) | patients/s (wall) | peak memory |")
    print("|---|---|---|---|---|")
    for name, seconds, cpu, peak in rows:
        print(f"| {name} | {seconds:.2f} | {cpu:.2f} | {N_PATIENTS / seconds:,.0f} | {peak:.0f} MB |")
    print()
    print("| ratio | wall | CPU |")
    print("|---|---|---|")
    for model_name, _ in models:
        for tag, _ in clis:
            w, c = score[model_name, "gzip in+out", tag]
            print(f"| ristra {model_name} gzip in+out{tag}: zcat time / ristra time | "
                  f"{zcat[0] / w:.2f} | {zcat[1] / c:.2f} |")
        if args.baseline_cli:
            for label in ("plain", "gzip in+out"):
                (w0, c0), (w1, c1) = score[model_name, label, " [baseline]"], score[model_name, label, ""]
                print(f"| ristra {model_name} {label}: baseline time / this build's | "
                      f"{w0 / w1:.2f} | {c0 / c1:.2f} |")
    for label in notebook:
        for model_name, _ in models:
            key = (model_name, "plain" if label == "plain" else "gzip in+out", "")
            print(f"| ristra {model_name} / pandas + XGBoost, {label} | "
                  f"{notebook[label][0] / score[key][0]:.1f}x | |")


if __name__ == "__main__":
    main()
