#!/usr/bin/env python3
"""The cost of the subgroup audit: `ristra score` on the same population
with and without --audit (area, practices, age band, sex, deprivation
quintile, computed in the same pass), interleaved, medians of --repeats
runs each. Prints both medians and the overhead. Target: at most 5%.

usage: bench_audit.py [--patients 315000] [--practices 32] [--repeats 7]
                      [--model models/demo_gbdt.json.gz] [--build build]
"""
import argparse
import pathlib
import statistics
import subprocess
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=315000)
    ap.add_argument("--practices", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--model", default=str(ROOT / "models" / "demo_gbdt.json.gz"))
    ap.add_argument("--build", default=str(ROOT / "build"))
    a = ap.parse_args()
    cli = pathlib.Path(a.build) / "bindings" / "cli" / "ristra"
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        pop = d / "pop.csv"
        subprocess.run([cli, "synth", "--patients", str(a.patients), "--practices",
                        str(a.practices), "--output", pop], check=True)
        base = [cli, "score", "--model", a.model, "--input", pop, "--output", d / "list.csv",
                "--summary", d / "summary.csv", "--quiet"]
        runs = {"plain": base, "audit": base + ["--audit", d / "audit.csv"]}
        times = {k: [] for k in runs}
        subprocess.run(base, check=True)  # warm the page cache
        for _ in range(a.repeats):
            for k, cmd in runs.items():
                t = time.perf_counter()
                subprocess.run(cmd, check=True)
                times[k].append(time.perf_counter() - t)
        rows = sum(1 for _ in open(d / "audit.csv")) - 1
    plain, audit = statistics.median(times["plain"]), statistics.median(times["audit"])
    print(f"{a.patients} patients, {a.practices} practices, model {pathlib.Path(a.model).name}, "
          f"{a.repeats} interleaved runs each")
    print(f"ristra score            median {plain:.3f} s  (runs: "
          + ", ".join(f"{t:.3f}" for t in times["plain"]) + ")")
    print(f"ristra score --audit    median {audit:.3f} s  (runs: "
          + ", ".join(f"{t:.3f}" for t in times["audit"]) + f"), {rows} audit rows")
    print(f"audit overhead: {100 * (audit / plain - 1):+.1f}%")


if __name__ == "__main__":
    main()
