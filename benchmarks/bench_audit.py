#!/usr/bin/env python3
"""The cost of the subgroup audit: `ristra score` on the same population
with and without --audit (area, practices, age band, sex, deprivation
quintile, computed in the same pass), and with --report-dir (the audit
plus the HTML report), interleaved, medians of --repeats runs each, wall
time and CPU time (user + system of the child, from wait4). Prints the
medians and the overheads. Target: at most 5%. --before BUILD adds the
audit of another build (e.g. main before a change) side by side.

usage: bench_audit.py [--patients 315000] [--practices 32] [--repeats 7]
                      [--model models/demo_gbdt.json.gz] [--build build]
                      [--threads 0] [--before OTHER_BUILD]
"""
import argparse
import os
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
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--before", default=None)
    a = ap.parse_args()
    cli = pathlib.Path(a.build) / "bindings" / "cli" / "ristra"
    with tempfile.TemporaryDirectory() as d:
        d = pathlib.Path(d)
        pop = d / "pop.csv"
        subprocess.run([cli, "synth", "--patients", str(a.patients), "--practices",
                        str(a.practices), "--output", pop], check=True)
        (d / "report").mkdir()

        def score(binary):
            return [binary, "score", "--model", a.model, "--input", pop, "--output",
                    d / "list.csv", "--summary", d / "summary.csv", "--threads",
                    str(a.threads), "--quiet"]
        base = score(cli)
        runs = {"score": base, "score --audit": base + ["--audit", d / "audit.csv"],
                "score --report-dir": base + ["--report-dir", d / "report"]}
        if a.before:
            old = pathlib.Path(a.before) / "bindings" / "cli" / "ristra"
            runs["before: score --audit"] = score(old) + ["--audit", d / "audit_before.csv"]
        wall = {k: [] for k in runs}
        cpu = {k: [] for k in runs}
        subprocess.run(base, check=True)  # warm the page cache
        load0 = os.getloadavg()
        for _ in range(a.repeats):
            for k, cmd in runs.items():
                t = time.perf_counter()
                proc = subprocess.Popen([str(c) for c in cmd])
                _, status, usage = os.wait4(proc.pid, 0)
                proc.returncode = os.waitstatus_to_exitcode(status)
                assert proc.returncode == 0, (cmd, proc.returncode)
                wall[k].append(time.perf_counter() - t)
                cpu[k].append(usage.ru_utime + usage.ru_stime)
        rows = sum(1 for _ in open(d / "audit.csv")) - 1
        same = a.before is None or (d / "audit.csv").read_bytes() == \
            (d / "audit_before.csv").read_bytes()
    print(f"{a.patients} patients, {a.practices} practices, model {pathlib.Path(a.model).name}, "
          f"--threads {a.threads}, {a.repeats} interleaved runs each, {rows} audit rows"
          + ("" if a.before is None else f"; audit CSV identical to --before's: {same}"))
    print("load average (1, 5, 15 min) before / after: "
          + " / ".join(", ".join(f"{x:.2f}" for x in l) for l in (load0, os.getloadavg())))
    print(f"| run | wall median (s) | CPU median (s) | wall vs score | CPU vs score | "
          f"CPU runs (s) |")
    print("|---|---|---|---|---|---|")
    w0, c0 = statistics.median(wall["score"]), statistics.median(cpu["score"])
    for k in runs:
        w, c = statistics.median(wall[k]), statistics.median(cpu[k])
        print(f"| `ristra {k}` | {w:.3f} | {c:.3f} | {100 * (w / w0 - 1):+.1f}% | "
              f"{100 * (c / c0 - 1):+.1f}% | " + ", ".join(f"{t:.2f}" for t in cpu[k]) + " |")


if __name__ == "__main__":
    main()
