"""DataFrames in and out of the batch: a population DataFrame is streamed
to libristra's reader through a pipe (never written to disk), and
:func:`score` returns the ranked list as a DataFrame. The reading,
scoring, ranking and tiering are the library's (ristra_score_file), so a
DataFrame and a file give the same list."""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from typing import Any, Iterator

from ._model import Model, PathLike


def is_frame(value: object) -> bool:
    """Whether value is a pandas DataFrame (without importing pandas)."""
    return type(value).__name__ == "DataFrame" and hasattr(value, "to_csv")


@contextlib.contextmanager
def population_path(input: Any) -> Iterator[PathLike]:
    """A path the library can read input from: input itself, or for a
    DataFrame the read end of a pipe a thread writes it to as CSV (the
    header is the DataFrame's column names; NaN and None are empty)."""
    if not is_frame(input):
        yield input
        return
    read_fd, write_fd = os.pipe()
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            with open(write_fd, "w", encoding="utf-8", newline="") as f:
                input.to_csv(f, index=False, lineterminator="\n")
        except BrokenPipeError:  # the library stopped reading (an error); it says why
            pass
        except BaseException as e:  # noqa: B036 -- re-raised on the caller's thread
            failed.append(e)

    writer = threading.Thread(target=feed, name="ristra-dataframe-feed", daemon=True)
    writer.start()
    try:
        yield f"/dev/fd/{read_fd}"
    finally:
        os.close(read_fd)  # a writer still blocked gets EPIPE and ends
        writer.join()
    if failed:
        raise failed[0]


def score(model: Model | PathLike, population: Any, **options: Any) -> Any:
    """Scores a population (a DataFrame, or a population file) and returns
    the ranked list as a DataFrame, in memory: one row per patient scored,
    by practice and rank, with the columns of ``ristra score``'s output
    (nhs_number, practice, risk, rank_in_practice, percentile_in_practice,
    percentile_overall, tier). NHS numbers and practice codes stay text.
    options are score_file's (tiers, tier_names, id_column, ...); rejected
    rows are left out (pass rejects= to keep them). The list passes through
    a private temporary directory that is removed before this returns.

    >>> import os, shutil, tempfile, ristra
    >>> work = tempfile.mkdtemp()
    >>> ristra.synth(os.path.join(work, "area.csv"), patients=2000, practices=2)
    >>> ranked = ristra.score("models/demo_logistic.json", os.path.join(work, "area.csv"))
    >>> list(ranked.columns)
    ['nhs_number', 'practice', 'risk', 'rank_in_practice', 'percentile_in_practice', 'percentile_overall', 'tier']
    >>> int(ranked["rank_in_practice"].min())
    1
    >>> shutil.rmtree(work)
    """
    import pandas as pd

    from ._population import score_file
    if "output" in options:
        raise TypeError("score() returns the ranked list; use score_file() to write one")
    work = tempfile.mkdtemp(prefix="ristra-")  # 0700: patient data stays private
    try:
        ranked = os.path.join(work, "ranked.csv")
        score_file(model, population, ranked, **options)
        return pd.read_csv(ranked, dtype={"nhs_number": str, "practice": str, "tier": str},
                           keep_default_na=False, na_values={"risk": [""]})
    finally:
        shutil.rmtree(work, ignore_errors=True)
