#!/usr/bin/env python3
"""How fast `ristra synth` writes a population, beside pandas writing the
same table from memory (no generation at all) as the reference point.

usage: /usr/bin/python3 benchmarks/bench_synth.py [--cli build/bindings/cli/ristra]
           [--patients 909091] [--practices 92] [--repeat 5]

Prints the median wall time of each of --repeat runs, patients per second,
and the ratio ristra / pandas (below 1: ristra generates and writes the
file faster than pandas only writes it).
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

import pandas as pd


def median_seconds(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    root = pathlib.Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(root / "build/bindings/cli/ristra"))
    ap.add_argument("--patients", type=int, default=909091)
    ap.add_argument("--practices", type=int, default=92)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for name in ("pop.csv", "pop.csv.gz"):
            out = os.path.join(tmp, name)
            cmd = [args.cli, "synth", "--patients", str(args.patients), "--practices",
                   str(args.practices), "--seed", "1", "--output", out]
            results[name] = median_seconds(lambda: subprocess.run(cmd, check=True), args.repeat)
            size = os.path.getsize(out)
            print(f"ristra synth -> {name:11} {results[name]:7.3f} s  "
                  f"{args.patients / results[name] / 1e6:5.2f} M patients/s  {size / 1e6:6.1f} MB")
        table = pd.read_csv(os.path.join(tmp, "pop.csv"), dtype={"nhs_number": str})
        peer = median_seconds(lambda: table.to_csv(os.path.join(tmp, "peer.csv"), index=False),
                              args.repeat)
        print(f"pandas to_csv (write only)  {peer:7.3f} s")
        print(f"ratio ristra synth / pandas to_csv (plain): {results['pop.csv'] / peer:.2f}")


if __name__ == "__main__":
    main()
