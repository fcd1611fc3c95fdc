#!/usr/bin/env python3
"""Ten million patients: `ristra score --id-kind pseudonym` on one
10,000,001-row gzip file, `zcat` of the same file (the peer), and
examples/dask/score_population.py on a LocalCluster (2 workers of 1 thread
by default) over the same patients as eleven files, in one run; the Dask
list is checked against the single-file list, and the figures projected
to England's registered population (63 million).

    /usr/bin/python3 benchmarks/bench_10m.py [--cli build/bindings/cli/ristra]
        [--parts 11] [--model models/demo_logistic.json] [--work build/bench-work/10m]
        [--repeat 2] [--threads 0] [--workers 2] [--no-dask]

The data, made once and cached in --work: `ristra synth --seed K` (909,091
patients, the whole of synth's test NHS-number range, 92 practices) for K =
1..11, each pseudonymised (`ristra pseudonymise`) under a key of its own,
so the eleven parts share no pseudonym; then the parts concatenated under
one header and gzipped (level 6) as all.csv.gz.

Each repeat runs, one after another: `ristra score --id-kind pseudonym` on
all.csv.gz (ranked list, rejects and summary, gzip, fsynced), `zcat
all.csv.gz > /dev/null`, and the Dask example over the eleven parts (list
gzip, one member per partition, fsynced). Every command runs under
/usr/bin/time -v (wall, user + sys CPU of it and its waited-for children,
largest single-process RSS) while the RSS of its whole process tree is
summed every 0.2 s (peak over the tree: the Dask client, scheduler, nannies
and workers together). The Dask list must decompress to exactly the bytes
of the single-file list (compared by SHA-256 and length); the benchmark
stops if not.
"""
import argparse
import gzip
import hashlib
import os
import pathlib
import re
import shlex
import statistics
import subprocess
import sys
import time

import psutil

ROOT = pathlib.Path(__file__).resolve().parents[1]
PART = 909091
ENGLAND = 63_000_000


def run_timed(cmd, log):
    """Runs cmd under /usr/bin/time -v; returns wall, CPU, the largest
    single-process RSS (MB), the peak RSS of the process tree (MB) and the
    command's standard output."""
    with open(log, "w") as err, open(str(log) + ".out", "w") as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(["/usr/bin/time", "-v", *map(str, cmd)], stdout=out, stderr=err)
        top = psutil.Process(p.pid)
        tree_peak = 0
        while p.poll() is None:
            try:
                procs = [top, *top.children(recursive=True)]
                rss = 0
                for q in procs:
                    try:
                        rss += q.memory_info().rss
                    except psutil.Error:
                        pass
                tree_peak = max(tree_peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.2)
        wall = time.perf_counter() - t0
    stderr = pathlib.Path(log).read_text()
    stdout = pathlib.Path(str(log) + ".out").read_text()
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{stderr[-4000:]}")
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", stderr).group(1))
              for k in ("User", "System"))
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1)) / 1024
    return wall, cpu, rss, tree_peak / 2**20, stdout


def digest(path):
    """SHA-256 and length of a file's bytes, gunzipped if it ends in .gz
    (every gzip member in turn)."""
    h, n = hashlib.sha256(), 0
    with (gzip.open(path, "rb") if str(path).endswith(".gz") else open(path, "rb")) as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
            n += len(chunk)
    return h.hexdigest(), n


def prepare(cli, work, n_parts, patients):
    """The pseudonymised parts and their concatenation, cached in work."""
    parts = []
    for k in range(n_parts):
        part = work / f"part{k:02d}.csv.gz"
        if not part.exists():
            key = work / f"part{k:02d}.key"
            key.write_bytes(hashlib.sha256(f"ristra bench_10m part {k}".encode()).digest())
            key.chmod(0o600)
            raw = work / f"synth{k:02d}.csv.gz"
            subprocess.run([cli, "synth", "--patients", str(patients), "--practices", "92",
                            "--seed", str(k + 1), "--output", raw], check=True)
            subprocess.run([cli, "pseudonymise", "--key-file", key, "--input", raw,
                            "--output", part, "--quiet"], check=True)
            raw.unlink()
        parts.append(part)
    whole = work / "all.csv.gz"
    if not whole.exists():
        q = [shlex.quote(str(p)) for p in parts]
        body = " ".join(f"zcat {p} | tail -n +2;" for p in q[1:])
        tmp = work / "all.csv.gz.tmp"
        subprocess.run(["sh", "-c", f"{{ zcat {q[0]}; {body} }} | gzip -6 > {shlex.quote(str(tmp))}"],
                       check=True)
        tmp.rename(whole)
    return parts, whole


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", default=str(ROOT / "build/bindings/cli/ristra"))
    ap.add_argument("--parts", type=int, default=11)
    ap.add_argument("--part-patients", type=int, default=PART, help="patients a part (a smoke test)")
    ap.add_argument("--model", default=str(ROOT / "models/demo_logistic.json"))
    ap.add_argument("--work", default=str(ROOT / "build/bench-work/10m"))
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="ristra score --threads")
    ap.add_argument("--workers", type=int, default=2, help="Dask LocalCluster workers")
    ap.add_argument("--no-dask", action="store_true")
    ap.add_argument("--prepare-only", action="store_true", help="make the data and stop")
    args = ap.parse_args()
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    parts, whole = prepare(args.cli, work, args.parts, args.part_patients)
    if args.prepare_only:
        return
    n = args.part_patients * len(parts)
    env_lib = os.environ.get("RISTRA_LIBRARY") or str(pathlib.Path(args.cli).resolve()
                                                      .parents[2] / "libristra.so.2")
    os.environ.setdefault("RISTRA_LIBRARY", env_lib)
    os.environ["PYTHONPATH"] = str(ROOT / "bindings/python")

    commands = {
        "ristra score, 1 file": [args.cli, "score", "--model", args.model, "--input", whole,
                                 "--id-kind", "pseudonym",
                                 "--output", work / "ranked.csv.gz",
                                 "--rejects", work / "rejects.csv.gz",
                                 "--summary", work / "summary.csv.gz",
                                 "--threads", args.threads, "--quiet"],
        "zcat, 1 file": ["sh", "-c", f"zcat {shlex.quote(str(whole))} > /dev/null"],
    }
    if not args.no_dask:
        commands[f"Dask, {args.workers} workers, {len(parts)} files"] = [
            sys.executable, ROOT / "examples/dask/score_population.py", args.model, *parts,
            "--id-kind", "pseudonym", "--output", work / "dask.csv.gz",
            "--workers", args.workers, "--threads-per-worker", 1]
    runs = {name: [] for name in commands}
    stages = []
    loads = [os.getloadavg()[0]]
    for r in range(args.repeat):
        for name, cmd in commands.items():
            wall, cpu, rss, tree, out = run_timed(cmd, work / f"run{r}.log")
            runs[name].append((wall, cpu, rss, tree, os.getloadavg()[0]))
            print(f"run {r + 1} {name}: wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS "
                  f"{rss:.0f} MB (one process), {tree:.0f} MB (tree); load {os.getloadavg()[0]:.1f}",
                  flush=True)
            if name.startswith("Dask"):
                found = re.search(r"stage wall seconds: (.*)", out)
                stages.append(dict((k, float(v)) for k, v in
                                   re.findall(r"([a-z, ]+?) ([\d.]+)(?:, |$)", found.group(1))))
                print(f"  stages: {found.group(1)}", flush=True)
                single, dask = digest(work / "ranked.csv.gz"), digest(work / "dask.csv.gz")
                print(f"  Dask list == ristra score list (gunzipped, SHA-256 and length): "
                      f"{single == dask} ({single[1]:,} bytes)", flush=True)
                if single != dask:
                    raise SystemExit("the Dask list differs from the single-file list")
        loads.append(os.getloadavg()[0])
    for f in ("ranked.csv.gz", "rejects.csv.gz", "summary.csv.gz", "dask.csv.gz",
              "ranked.csv.gz.manifest.json"):
        (work / f).unlink(missing_ok=True)

    print(f"\n{n:,} patients ({args.model}), pseudonyms; medians of {args.repeat}; "
          f"load average {' -> '.join(f'{x:.1f}' for x in loads)} (before, after each repeat)")
    print("| command | wall s | CPU s | patients/s (wall) | peak RSS one process | "
          "peak RSS tree | England (63 M) at this rate |")
    print("|---|---|---|---|---|---|---|")
    med = {}
    for name, rs in runs.items():
        wall = statistics.median(x[0] for x in rs)
        cpu = statistics.median(x[1] for x in rs)
        med[name] = (wall, cpu)
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {n / wall:,.0f} | "
              f"{max(x[2] for x in rs):,.0f} MB | {max(x[3] for x in rs):,.0f} MB | "
              f"{ENGLAND / n * wall / 60:.1f} min |")
    one, peer = med["ristra score, 1 file"], med["zcat, 1 file"]
    print(f"zcat / ristra score: {peer[0] / one[0]:.2f} wall, {peer[1] / one[1]:.2f} CPU")
    if args.no_dask:
        return
    dname = next(k for k in med if k.startswith("Dask"))
    print(f"Dask / ristra score (1 file): {med[dname][0] / one[0]:.2f} wall, "
          f"{med[dname][1] / one[1]:.2f} CPU")
    st = {k: statistics.median(s[k] for s in stages) for k in stages[0]}
    serial = st["client gather and write"]
    # fixed: the cluster's start and what the wall time holds outside the
    # stages (the interpreter, imports, the cluster's shutdown)
    fixed = st["cluster start"] + max(0.0, med[dname][0] - sum(st.values()))
    parallel = sum(v for k, v in st.items() if k not in ("cluster start", "client gather and write"))
    scale = ENGLAND / n
    print(f"Dask stages, medians (s): " + ", ".join(f"{k} {v:.1f}" for k, v in st.items()))
    print(f"Projection for 63 M on Dask: stages in parallel {parallel:.1f} s x {scale:.2f} on "
          f"{args.workers} workers; serial (client gather and write) {serial:.1f} s x {scale:.2f}; "
          f"fixed (cluster start, interpreter, imports, shutdown) {fixed:.1f} s")
    for machines in (1, 2, 4, 8, 16):
        t = fixed + scale * (parallel / machines + serial)
        print(f"  {machines:2d} machine(s) of {args.workers} workers: {t / 60:.1f} min "
              f"(the serial part alone {scale * serial / 60:.1f} min)")


if __name__ == "__main__":
    main()
