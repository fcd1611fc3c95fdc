#!/usr/bin/env python3
"""Peak memory of `ristra score` against the target of 32 bytes a patient
plus 64 MB, at several population sizes, beside an earlier build in the
same run.

    /usr/bin/python3 benchmarks/bench_memory.py [--cli build/bindings/cli/ristra]
        [--baseline-cli OTHER_BUILD/bindings/cli/ristra] [--work build/bench-work/memory]
        [--wide pop40.csv.gz --wide-logistic M --wide-gbdt M]
        [--file PATH:ID_KIND:MODEL ...] [--repeat 2]

Makes (once, cached in --work) `ristra synth` populations of 100,000 and
909,091 patients (22 columns, 19 features; 909,091 is the most the test
NHS-number range holds) as gzip files, then runs `ristra score` on each
with the demonstration logistic and gbdt models (ranked list, rejects and
summary, gzip, fsynced; 2 threads) under /usr/bin/time -v, --repeat times,
and prints the largest maximum resident set size of the runs, the budget
32 B x patients + 64 MB and the bytes a patient above the smallest run.
--wide adds a wider list (the 40-feature file of bench_population.py, with
its own models; its first 100,000 rows too); --file adds any other file
(for example the 10,000,001-patient pseudonymised file of bench_10m.py,
ID_KIND pseudonym).
"""
import argparse
import gzip
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
MB = 1024 * 1024


def peak_rss(cmd, repeat):
    """The largest maximum resident set size (bytes) of repeat runs."""
    peak = 0
    for _ in range(repeat):
        p = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{p.stderr}")
        kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1))
        peak = max(peak, kb * 1024)
    return peak


def head_rows(src, dst, rows):
    """The header and the first rows of a gzip CSV, as a gzip file."""
    with gzip.open(src, "rt", newline="") as f, gzip.open(dst, "wt", newline="",
                                                          compresslevel=1) as g:
        for i, line in enumerate(f):
            if i > rows:
                break
            g.write(line)


def count_rows(path):
    with gzip.open(path, "rb") as f:
        return sum(1 for _ in f) - 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(ROOT / "build/bindings/cli/ristra"))
    ap.add_argument("--baseline-cli")
    ap.add_argument("--work", default=str(ROOT / "build/bench-work/memory"))
    ap.add_argument("--wide")
    ap.add_argument("--wide-logistic")
    ap.add_argument("--wide-gbdt")
    ap.add_argument("--file", action="append", default=[])
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    work = pathlib.Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    models = {"logistic": ROOT / "models/demo_logistic.json",
              "gbdt": ROOT / "models/demo_gbdt.json.gz"}
    cases = []  # (label, file, patients, id_kind, model name, model path)
    for n in (100000, 909091):
        f = work / f"synth{n}.csv.gz"
        if not f.exists():
            subprocess.run([a.cli, "synth", "--patients", str(n), "--output", f, "--seed", "1"],
                           check=True, capture_output=True)
        for name, m in models.items():
            cases.append((f"synth 22 columns", f, n, "nhs", name, m))
    if a.wide:
        small = work / "wide100000.csv.gz"
        if not small.exists():
            head_rows(a.wide, small, 100000)
        for f, n in ((small, 100000), (pathlib.Path(a.wide), count_rows(a.wide))):
            for name, m in (("logistic", a.wide_logistic), ("gbdt", a.wide_gbdt)):
                if m:
                    cases.append(("40 features", f, n, "nhs", name, m))
    for spec in a.file:
        path, id_kind, model = spec.split(":")
        cases.append((pathlib.Path(path).name, pathlib.Path(path), count_rows(path), id_kind,
                      pathlib.Path(model).stem, model))

    builds = [("ristra", a.cli)] + ([("baseline", a.baseline_cli)] if a.baseline_cli else [])
    print("| file | patients | model | build | peak RSS MB | budget MB (32 B x n + 64 MB) | within |")
    print("|---|---|---|---|---|---|---|")
    results = {}
    for label, f, n, id_kind, name, m in cases:
        for bname, cli in builds:
            out = work / "out"
            out.mkdir(exist_ok=True)
            cmd = [cli, "score", "--model", m, "--input", f, "--output", out / "ranked.csv.gz",
                   "--rejects", out / "rejects.csv.gz", "--summary", out / "summary.csv",
                   "--threads", "2", "--manifest", "", "--quiet"]
            if id_kind != "nhs":
                cmd += ["--id-kind", id_kind]
            rss = peak_rss(cmd, a.repeat)
            budget = 32 * n + 64 * MB
            results[(label, name, bname, n)] = rss
            print(f"| {label} | {n:,} | {name} | {bname} | {rss / MB:.1f} | {budget / MB:.1f} | "
                  f"{'yes' if rss <= budget else 'NO'} |", flush=True)
            for p in out.iterdir():
                p.unlink()
    print()
    for (label, name, bname, n), rss in sorted(results.items()):
        small = results.get((label, name, bname, 100000))
        if small and n > 100000:
            print(f"{label}, {name}, {bname}: {(rss - small) / (n - 100000):.1f} bytes a patient "
                  f"between 100,000 and {n:,} patients")
    return 0


if __name__ == "__main__":
    sys.exit(main())
