#!/usr/bin/env python3
"""Score a registered population split across many CSV files on a Dask
cluster, and write the same ranked list as `ristra score` on one machine.

    python3 score_population.py MODEL.json 'lists/*.csv.gz' --output ranked.csv
    python3 score_population.py MODEL.json a.csv b.csv --workers 8
    python3 score_population.py MODEL.json 'lists/*.csv' --scheduler tcp://host:8786
    python3 score_population.py MODEL.json 'pseudo/*.csv.gz' --id-kind pseudonym \
        --output ranked.csv.gz

Without --scheduler it starts a LocalCluster (worker processes on this
machine); with one it uses that cluster (see README.md for a multi-host
setup). Needs the ristra Python package, pandas, dask.dataframe and
dask.distributed on the client and on every worker.

What runs where:
  1. every file is one partition, read on a worker by libristra's own
     population reader (ristra.read_population: the checks `ristra score`
     makes, row by row) and scored there with the model, which the
     RistraModel worker plugin loads once per worker process;
  2. an identifier (NHS number, or pseudonym with --id-kind pseudonym) on
     usable rows of several files counts once, for its first file in the
     order given (as `ristra score` keeps the first usable row of a file);
  3. a distributed sort by risk gives every patient's overall rank;
  4. a shuffle by practice gives each practice's ranks, percentiles and
     tiers, in partitions that follow practice-code order;
  5. the workers write each partition's CSV text (gzip-compressed, one
     gzip member a partition, when --output ends in .gz); the client
     writes the parts in order into a temporary file, fsyncs it and
     renames it into place.

Ranking is `ristra score`'s (include/ristra/batch.h): risk highest first,
equal risks by identifier (NHS number, or the pseudonym's bytes); percentile = 100 * rank / n; a patient is in the
first tier c with rank_in_practice <= ceil(c * list_size) (where c *
list_size within a relative 1e-12 above a whole number counts as that
number); rows sorted by practice code and then rank; numbers written as
the shortest of %.15g, %.16g, %.17g that reads back as the same double.
"""
from __future__ import annotations

import argparse
import csv
import glob
import gzip
import io
import math
import os
import pathlib
import sys
import tempfile
import time

import numpy as np
import pandas as pd

import dask
import dask.dataframe as dd
from distributed import Client, LocalCluster, WorkerPlugin, get_worker, wait

import ristra

DEFAULT_TIERS = (0.005, 0.02, 0.05, 0.20)
COLUMNS = ["practice", "risk", "rank_in_practice", "percentile_in_practice",
           "percentile_overall", "tier"]      # after the identifier column
ID_COLUMN = {"nhs": "nhs_number", "pseudonym": "pseudonym"}   # ristra_id_kind_column()


# ------------------------------------------------------------------ one model per worker

class RistraModel(WorkerPlugin):
    """Loads the model once per worker process, from bytes that travel with
    the plugin (so the model file need not be on the workers' storage).
    Tasks reach it through worker_model(); the model is thread-safe, so the
    worker's threads share it."""

    name = "ristra-model"

    def __init__(self, model_bytes: bytes) -> None:
        self.model_bytes = model_bytes
        self.model: ristra.Model | None = None

    def setup(self, worker) -> None:
        self.model = ristra.Model.from_bytes(self.model_bytes, "ristra-model")
        worker.ristra_model_loads = getattr(worker, "ristra_model_loads", 0) + 1

    def teardown(self, worker) -> None:
        if self.model is not None:
            self.model.close()


def worker_model() -> ristra.Model:
    return get_worker().plugins[RistraModel.name].model


# ------------------------------------------------------------------ the stages

def scored_meta(id_kind: str) -> pd.DataFrame:
    """The scored rows: id is the NHS number (int64) or the pseudonym (str)."""
    return pd.DataFrame({"id": pd.Series(dtype="int64" if id_kind == "nhs" else "object"),
                         "practice": pd.Series(dtype="object"),
                         "risk": pd.Series(dtype="float64"),
                         "file": pd.Series(dtype="int64"),
                         "line": pd.Series(dtype="int64")})


def read_and_score(path: str, file_number: int, id_column: str | None, practice_column: str,
                   threads: int, id_kind: str) -> pd.DataFrame:
    """One file: read and checked by libristra's reader, scored on the
    worker. Only the rows the ranked list will hold come back."""
    model = worker_model()
    rows = ristra.read_population(path, model, id_column=id_column,
                                  practice_column=practice_column, threads=threads,
                                  id_kind=id_kind)
    rows = rows[rows.status == 0]
    risk, status = model.predict(rows, return_status=True, n_threads=threads)
    ok = status == 0
    return pd.DataFrame({"id": rows[ID_COLUMN[id_kind]].to_numpy()[ok],
                         "practice": rows.practice.to_numpy()[ok],
                         "risk": risk[ok],
                         "file": np.full(ok.sum(), file_number, dtype=np.int64),
                         "line": rows.line.to_numpy()[ok]})


def first_claims(part: pd.DataFrame) -> pd.DataFrame:
    """Of the rows sharing an identifier (all in this partition after the
    shuffle), the one from the earliest file."""
    part = part.sort_values(["file", "line"], kind="mergesort")
    return part[~part.id.duplicated(keep="first")]


def overall_ranks(part: pd.DataFrame, offsets: np.ndarray, partition_info=None) -> pd.DataFrame:
    """Ranks within a partition of the sort by risk (equal risks share a
    partition), shifted by the patients in the partitions before it."""
    part = part.sort_values(["risk", "id"], ascending=[False, True], kind="mergesort")
    first = offsets[partition_info["number"]] if partition_info else 0
    return part.assign(overall_rank=np.arange(first + 1, first + len(part) + 1, dtype=np.int64))


def cut_count(fraction: float, n: int) -> int:
    """Patients of n that a tier cut-point takes (as ristra__cut_count)."""
    return min(n, int(math.ceil(fraction * n * (1.0 - 1e-12))))


def shortest(x: float) -> str:
    """The shortest of %.15g, %.16g, %.17g that reads back as x."""
    for p in (15, 16):
        text = "%.*g" % (p, x)
        if float(text) == x:
            return text
    return "%.17g" % x


def rank_practices(part: pd.DataFrame, n_all: int, tiers: tuple[float, ...],
                   tier_names: list[str], id_kind: str, compress: bool) -> bytes:
    """Ranks, percentiles and tiers of the whole practices in a partition,
    as the text `ristra score` writes, sorted by practice and rank: the
    partition's CSV lines (a gzip member of them if compress)."""
    names = np.array(tier_names, dtype=object)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for practice, g in part.groupby("practice", sort=True):
        g = g.sort_values(["risk", "id"], ascending=[False, True], kind="mergesort")
        m = len(g)
        rank = np.arange(1, m + 1)
        ends = np.array([cut_count(c, m) for c in tiers])
        tier = np.searchsorted(ends, rank, side="left")      # first tier whose end >= rank
        ids = g.id.tolist()
        writer.writerows(zip(
            ["%010d" % v for v in ids] if id_kind == "nhs" else ids,
            [practice] * m,
            [shortest(r) for r in g.risk.tolist()],
            map(str, range(1, m + 1)),
            [shortest(100.0 * r / m) for r in range(1, m + 1)],
            [shortest(100.0 * r / n_all) for r in g.overall_rank.tolist()],
            names[tier]))
    data = buf.getvalue().encode()
    return gzip.compress(data, compresslevel=6) if compress else data


def expand(patterns: list[str]) -> list[str]:
    files = []
    for pattern in patterns:
        matched = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not matched:
            raise SystemExit(f"no file matches {pattern}")
        files.extend(matched)
    return files


def score_population(client: Client, model_path: str, files: list[str], output: str, *,
                     tiers: tuple[float, ...] = DEFAULT_TIERS, tier_names: list[str] | None = None,
                     untiered_name: str = "-", id_column: str | None = None,
                     practice_column: str = "practice", threads: int = 1,
                     id_kind: str = "nhs") -> dict:
    """Runs the whole job on the client's cluster; returns a few totals and
    the wall time of each stage (the stages wait for each other)."""
    if id_kind not in ID_COLUMN:
        raise SystemExit(f'--id-kind must be "nhs" or "pseudonym", not {id_kind!r}')
    meta = scored_meta(id_kind)
    stages = {}
    clock = time.perf_counter()

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[name] = now - clock
        clock = now

    model_bytes = ristra.Model.load(model_path).to_bytes()   # checks the file here first
    client.register_worker_plugin(RistraModel(model_bytes), name=RistraModel.name)
    names = list(tier_names) if tier_names else ["top %.12g%%" % (c * 100.0) for c in tiers]
    names.append(untiered_name)

    scored = dd.from_map(read_and_score, files, list(range(len(files))),
                         args=(id_column, practice_column, threads, id_kind), meta=meta,
                         label="ristra-read-score", enforce_metadata=False)
    unique = scored.shuffle("id").map_partitions(first_claims, meta=meta)
    unique = client.persist(unique)
    wait(unique)
    stage("read, score, first claims")
    n_all = int(len(unique))
    if n_all == 0:
        raise SystemExit("no patient could be scored")

    # Sorting on -risk puts the highest risks in the first partitions, and
    # all patients of one risk in one partition.
    by_risk = client.persist(unique.assign(neg_risk=-unique.risk).set_index("neg_risk"))
    lengths = np.array(by_risk.map_partitions(len).compute(), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    stage("sort by risk")
    ranked = by_risk.map_partitions(overall_ranks, offsets,
                                    meta=meta.assign(overall_rank=np.int64(0)))
    ranked = ranked.reset_index(drop=True)

    practices = sorted(unique.practice.unique().compute())
    position = {code: i for i, code in enumerate(practices)}
    n_parts = max(1, min(len(practices), unique.npartitions))
    bounds = sorted({int(round(x)) for x in np.linspace(0, len(practices) - 1, n_parts + 1)})
    if len(bounds) == 1:
        bounds = bounds * 2
    placed = ranked.assign(
        pos=ranked.practice.map(position, meta=("practice", "int64"))).set_index(
        "pos", divisions=bounds)
    compress = output.endswith(".gz")
    rank_text = dask.delayed(rank_practices, pure=True)
    text = client.compute([rank_text(part, n_all, tuple(tiers), names, id_kind, compress)
                           for part in placed.to_delayed()])   # in order: practice codes ascend
    wait(text)
    stage("practice ranks and text")

    header = ",".join([ID_COLUMN[id_kind], *COLUMNS]).encode() + b"\n"
    out_dir = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(prefix=".ristra-dask-", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(gzip.compress(header, compresslevel=6) if compress else header)
            for part in text:
                f.write(part.result())
                part.release()
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, output)
    except BaseException:
        os.unlink(tmp)
        raise
    stage("client gather and write")
    loads = client.run(lambda dask_worker: getattr(dask_worker, "ristra_model_loads", 0))
    return {"files": len(files), "scored": n_all, "practices": len(practices),
            "loads": sorted(loads.values()), "stages": stages}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a native ristra model file")
    parser.add_argument("inputs", nargs="+", help="population files or glob patterns, in order")
    parser.add_argument("--output", required=True,
                        help="the ranked list (CSV; gzip when it ends in .gz)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--tiers", default=",".join(map(str, DEFAULT_TIERS)),
                        help="cut-points as fractions, e.g. 0.005,0.02,0.05,0.2")
    parser.add_argument("--tier-names", help="comma-separated names, one per cut-point")
    parser.add_argument("--untiered-name", default="-")
    parser.add_argument("--id-kind", choices=sorted(ID_COLUMN), default="nhs",
                        help="nhs (NHS numbers) or pseudonym (see ristra pseudonymise)")
    parser.add_argument("--id-column", help="default: nhs_number or pseudonym, by --id-kind")
    parser.add_argument("--practice-column", default="practice")
    args = parser.parse_args(argv)
    tiers = tuple(float(c) for c in args.tiers.split(","))
    tier_names = args.tier_names.split(",") if args.tier_names else None
    files = [str(pathlib.Path(f).resolve()) for f in expand(args.inputs)]

    started = time.perf_counter()
    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    ready = time.perf_counter() - started
    try:
        totals = score_population(client, args.model, files, args.output, tiers=tiers,
                                  tier_names=tier_names, untiered_name=args.untiered_name,
                                  id_column=args.id_column, practice_column=args.practice_column,
                                  threads=args.threads_per_worker, id_kind=args.id_kind)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(f"{totals['scored']} patients of {totals['practices']} practices from "
          f"{totals['files']} files -> {args.output}")
    print(f"model loads per worker: {totals['loads']}")
    print("stage wall seconds: " + ", ".join(
        f"{name} {sec:.2f}" for name, sec in {"cluster start": ready, **totals["stages"]}.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
