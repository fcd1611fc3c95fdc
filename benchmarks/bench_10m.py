#!/usr/bin/env python3
"""Ten million patients on one machine: `ristra score` over eleven
909,091-patient gzip files (10,000,001 patients: synth's test NHS-number
range holds 909,091 numbers, so a larger population comes as several
files, one practice list each), beside `zcat` of the same files, in one run.

    /usr/bin/python3 benchmarks/bench_10m.py [--cli build/bindings/cli/ristra]
        [--parts 11] [--model models/demo_logistic.json] [--work build/bench-work/10m]
        [--repeat 3]

The files are made once with `ristra synth --seed K` (streamed to disk,
gzip level 6) and cached in --work. Each repeat scores every file in turn
(ranked list, rejects and summary, gzip, fsynced) and runs zcat over every
file; the figures are the medians over the repeats of the totals: wall
time, CPU time (user + sys) and the largest peak RSS of any one process
(/usr/bin/time -v), then patients per second and the projection for
England's registered population (63 million) at that rate.
"""
import argparse
import os
import pathlib
import re
import statistics
import subprocess
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
PART = 909091
ENGLAND = 63_000_000


def run_timed(cmd):
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v", *map(str, cmd)], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{p.stderr}")
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", p.stderr).group(1))
              for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr).group(1)) / 1024
    return wall, cpu, rss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(ROOT / "build/bindings/cli/ristra"))
    ap.add_argument("--parts", type=int, default=11)
    ap.add_argument("--model", default=str(ROOT / "models/demo_logistic.json"))
    ap.add_argument("--work", default=str(ROOT / "build/bench-work/10m"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    parts = []
    for k in range(args.parts):
        f = work / f"part{k:02d}.csv.gz"
        if not f.exists():
            subprocess.run([args.cli, "synth", "--patients", str(PART), "--practices", "92",
                            "--seed", str(k + 1), "--output", str(f)], check=True)
        parts.append(f)
    n = PART * len(parts)
    load0 = os.getloadavg()[0]
    totals = {"ristra": [], "zcat": []}
    for _ in range(args.repeat):
        for name in totals:
            wall = cpu = rss = 0.0
            for f in parts:
                if name == "zcat":
                    w, c, r = run_timed(["sh", "-c", f"zcat '{f}' > /dev/null"])
                else:
                    w, c, r = run_timed([args.cli, "score", "--model", args.model, "--input", f,
                                         "--output", work / "ranked.csv.gz",
                                         "--rejects", work / "rejects.csv.gz",
                                         "--summary", work / "summary.csv.gz",
                                         "--threads", args.threads, "--quiet"])
                wall, cpu, rss = wall + w, cpu + c, max(rss, r)
            totals[name].append((wall, cpu, rss))
    for f in ("ranked.csv.gz", "rejects.csv.gz", "summary.csv.gz"):
        (work / f).unlink(missing_ok=True)
    print(f"{n:,} patients in {len(parts)} gzip files of {PART:,} ({args.model}); median of "
          f"{args.repeat}; load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end")
    print("| command | wall s | CPU s | patients/s (wall) | peak RSS | England (63 M) at this rate |")
    print("|---|---|---|---|---|---|")
    med = {}
    for name, runs in totals.items():
        wall = statistics.median(r[0] for r in runs)
        cpu = statistics.median(r[1] for r in runs)
        rss = max(r[2] for r in runs)
        med[name] = (wall, cpu)
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | {rss:.0f} MB | "
              f"{ENGLAND / (n / wall) / 60:.1f} min |")
    print(f"| zcat time / ristra time | {med['zcat'][0] / med['ristra'][0]:.2f} | "
          f"{med['zcat'][1] / med['ristra'][1]:.2f} | | | |")


if __name__ == "__main__":
    main()
