#!/usr/bin/env python3
"""Score a registered population split across many CSV files on a Dask
cluster, and write the same ranked list as `ristra score` on one machine.

    python3 score_population.py MODEL.json 'lists/*.csv.gz' --output ranked.csv
    python3 score_population.py MODEL.json a.csv b.csv --workers 8
    python3 score_population.py MODEL.json 'lists/*.csv' --scheduler tcp://host:8786

Without --scheduler it starts a LocalCluster (worker processes on this
machine); with one it uses that cluster (see README.md for a multi-host
setup). Needs the ristra Python package, pandas, dask.dataframe and
dask.distributed on the client and on every worker.

What runs where:
  1. every file is one partition, read on a worker by libristra's own
     population reader (ristra.read_population: the checks `ristra score`
     makes, row by row) and scored there with the model, which the
     RistraModel worker plugin loads once per worker process;
  2. an NHS number on usable rows of several files counts once, for its
     first file in the order given (as `ristra score` keeps the first
     usable row of a file);
  3. a distributed sort by risk gives every patient's overall rank;
  4. a shuffle by practice gives each practice's ranks, percentiles and
     tiers, in partitions that follow practice-code order;
  5. the client streams the partitions, in order, into one CSV written
     to a temporary file and renamed into place.

Ranking is `ristra score`'s (include/ristra/batch.h): risk highest first,
equal risks by NHS number; percentile = 100 * rank / n; a patient is in the
first tier c with rank_in_practice <= ceil(c * list_size) (where c *
list_size within a relative 1e-12 above a whole number counts as that
number); rows sorted by practice code and then rank; numbers written as
the shortest of %.15g, %.16g, %.17g that reads back as the same double.
"""
from __future__ import annotations

import argparse
import csv
import glob
import math
import os
import pathlib
import sys
import tempfile

import numpy as np
import pandas as pd

import dask.dataframe as dd
from distributed import Client, LocalCluster, WorkerPlugin, get_worker

import ristra

DEFAULT_TIERS = (0.005, 0.02, 0.05, 0.20)
COLUMNS = ["nhs_number", "practice", "risk", "rank_in_practice", "percentile_in_practice",
           "percentile_overall", "tier"]


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

SCORED_META = pd.DataFrame({"nhs_number": pd.Series(dtype="int64"),
                            "practice": pd.Series(dtype="object"),
                            "risk": pd.Series(dtype="float64"),
                            "file": pd.Series(dtype="int64"),
                            "line": pd.Series(dtype="int64")})


def read_and_score(path: str, file_number: int, id_column: str, practice_column: str,
                   threads: int) -> pd.DataFrame:
    """One file: read and checked by libristra's reader, scored on the
    worker. Only the rows the ranked list will hold come back."""
    model = worker_model()
    rows = ristra.read_population(path, model, id_column=id_column,
                                  practice_column=practice_column, threads=threads)
    rows = rows[rows.status == 0]
    risk, status = model.predict(rows, return_status=True, n_threads=threads)
    ok = status == 0
    return pd.DataFrame({"nhs_number": rows.nhs_number.to_numpy()[ok],
                         "practice": rows.practice.to_numpy()[ok],
                         "risk": risk[ok],
                         "file": np.full(ok.sum(), file_number, dtype=np.int64),
                         "line": rows.line.to_numpy()[ok]})


def first_claims(part: pd.DataFrame) -> pd.DataFrame:
    """Of the rows sharing an NHS number (all in this partition after the
    shuffle), the one from the earliest file."""
    part = part.sort_values(["file", "line"], kind="mergesort")
    return part[~part.nhs_number.duplicated(keep="first")]


def overall_ranks(part: pd.DataFrame, offsets: np.ndarray, partition_info=None) -> pd.DataFrame:
    """Ranks within a partition of the sort by risk (equal risks share a
    partition), shifted by the patients in the partitions before it."""
    part = part.sort_values(["risk", "nhs_number"], ascending=[False, True], kind="mergesort")
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
                   tier_names: list[str]) -> pd.DataFrame:
    """Ranks, percentiles and tiers of the whole practices in a partition,
    as the text `ristra score` writes, sorted by practice and rank."""
    out = []
    for practice, g in part.groupby("practice", sort=True):
        g = g.sort_values(["risk", "nhs_number"], ascending=[False, True], kind="mergesort")
        m = len(g)
        rank = np.arange(1, m + 1)
        ends = np.array([cut_count(c, m) for c in tiers])
        tier = np.searchsorted(ends, rank, side="left")      # first tier whose end >= rank
        out.append(pd.DataFrame({
            "nhs_number": ["%010d" % v for v in g.nhs_number],
            "practice": practice,
            "risk": [shortest(r) for r in g.risk],
            "rank_in_practice": rank.astype(str),
            "percentile_in_practice": [shortest(100.0 * r / m) for r in rank],
            "percentile_overall": [shortest(100.0 * r / n_all) for r in g.overall_rank],
            "tier": np.array(tier_names, dtype=object)[tier],
        }))
    if not out:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in COLUMNS})
    return pd.concat(out, ignore_index=True)


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
                     untiered_name: str = "-", id_column: str = "nhs_number",
                     practice_column: str = "practice", threads: int = 1) -> dict:
    """Runs the whole job on the client's cluster; returns a few totals."""
    model_bytes = ristra.Model.load(model_path).to_bytes()   # checks the file here first
    client.register_worker_plugin(RistraModel(model_bytes), name=RistraModel.name)
    names = list(tier_names) if tier_names else ["top %.12g%%" % (c * 100.0) for c in tiers]
    names.append(untiered_name)

    scored = dd.from_map(read_and_score, files, list(range(len(files))),
                         args=(id_column, practice_column, threads), meta=SCORED_META,
                         label="ristra-read-score", enforce_metadata=False)
    unique = scored.shuffle("nhs_number").map_partitions(first_claims, meta=SCORED_META)
    unique = client.persist(unique)
    n_all = int(len(unique))
    if n_all == 0:
        raise SystemExit("no patient could be scored")

    # Sorting on -risk puts the highest risks in the first partitions, and
    # all patients of one risk in one partition.
    by_risk = client.persist(unique.assign(neg_risk=-unique.risk).set_index("neg_risk"))
    lengths = np.array(by_risk.map_partitions(len).compute(), dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ranked = by_risk.map_partitions(overall_ranks, offsets,
                                    meta=SCORED_META.assign(overall_rank=np.int64(0)))
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
    text = placed.map_partitions(rank_practices, n_all, tuple(tiers), names,
                                 meta={c: "object" for c in COLUMNS})
    text = client.persist(text)

    out_dir = os.path.dirname(os.path.abspath(output))
    fd, tmp = tempfile.mkstemp(prefix=".ristra-dask-", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(fd, "w", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(COLUMNS)
            for part in text.to_delayed():          # in order: practice codes ascend
                writer.writerows(part.compute().itertuples(index=False, name=None))
        os.replace(tmp, output)
    except BaseException:
        os.unlink(tmp)
        raise
    loads = client.run(lambda dask_worker: getattr(dask_worker, "ristra_model_loads", 0))
    return {"files": len(files), "scored": n_all, "practices": len(practices),
            "loads": sorted(loads.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", help="a native ristra model file")
    parser.add_argument("inputs", nargs="+", help="population files or glob patterns, in order")
    parser.add_argument("--output", required=True, help="the ranked list (CSV)")
    parser.add_argument("--scheduler", help="address of a running Dask scheduler")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes")
    parser.add_argument("--threads-per-worker", type=int, default=1)
    parser.add_argument("--tiers", default=",".join(map(str, DEFAULT_TIERS)),
                        help="cut-points as fractions, e.g. 0.005,0.02,0.05,0.2")
    parser.add_argument("--tier-names", help="comma-separated names, one per cut-point")
    parser.add_argument("--untiered-name", default="-")
    parser.add_argument("--id-column", default="nhs_number")
    parser.add_argument("--practice-column", default="practice")
    args = parser.parse_args(argv)
    tiers = tuple(float(c) for c in args.tiers.split(","))
    tier_names = args.tier_names.split(",") if args.tier_names else None
    files = [str(pathlib.Path(f).resolve()) for f in expand(args.inputs)]

    if args.scheduler:
        client = Client(args.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=args.workers, threads_per_worker=args.threads_per_worker,
                               processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        totals = score_population(client, args.model, files, args.output, tiers=tiers,
                                  tier_names=tier_names, untiered_name=args.untiered_name,
                                  id_column=args.id_column, practice_column=args.practice_column,
                                  threads=args.threads_per_worker)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print(f"{totals['scored']} patients of {totals['practices']} practices from "
          f"{totals['files']} files -> {args.output}")
    print(f"model loads per worker: {totals['loads']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
