"""ristra.read_population (the library's population reader, into a
DataFrame) and ristra.score_file (the nightly batch: read a population file,
score, rank, tier, write the ranked list, rejects and summary), over
include/ristra/population.h and include/ristra/batch.h (private)."""
from __future__ import annotations

import ctypes
import math
import os
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import numpy.typing as npt

from . import _lib
from ._errors import RISTRA_ECANCELLED, RISTRA_EINVAL, error_for
from ._frame import is_frame, population_path
from ._model import Model, PathLike

Progress = Callable[[int, int, int], Any]


class ScoreResult(NamedTuple):
    """What :func:`score_file` did: ``totals`` (a dict) and ``practices``
    (a pandas DataFrame, one row per practice in practice-code order)."""

    totals: dict[str, Any]
    practices: Any


def _invalid(message: str) -> Exception:
    return error_for(RISTRA_EINVAL, message)


def _path(p: PathLike | None) -> bytes | None:
    return None if p is None else os.fsencode(p)


def _copy(address: int | None, ctype: Any, count: int, dtype: Any) -> npt.NDArray[Any]:
    """A copy of count C values at address (the reader reuses its arrays)."""
    if count == 0 or not address:
        return np.empty(count, dtype=dtype)
    raw = ctypes.cast(address, ctypes.POINTER(ctype))
    return np.ctypeslib.as_array(raw, shape=(count,)).astype(dtype, copy=True)


def _population_options(model: Model | None, columns: Sequence[str] | None,
                        extra_columns: Sequence[str] | None, id_column: str | None,
                        practice_column: str, outcome_column: str | None,
                        outcome_required: bool, check_duplicates: bool, threads: int,
                        block_rows: int, id_kind: str
                        ) -> tuple[_lib.PopulationOptions, list[Any], list[str], list[str]]:
    """The reader's options, the arrays they point at (keep them alive), the
    value columns' names and the extra columns'."""
    if (model is None) == (columns is None):
        raise _invalid("give either a model (read its features) or columns, not both")
    lib = _lib.lib()
    opts = _lib.PopulationOptions()
    _lib.check(lib.ristra_population_options_init(ctypes.byref(opts),
                                                   _lib.POPULATION_OPTIONS_VERSION))
    opts.id_column = _lib.text(id_column, "id_column")
    opts.id_kind = _id_kind(id_kind)
    opts.practice_column = _lib.text(practice_column, "practice_column")
    opts.outcome_column = _lib.text(outcome_column, "outcome_column")
    opts.outcome_required = int(bool(outcome_required))
    opts.check_duplicates = int(bool(check_duplicates))
    opts.n_threads = int(threads)
    opts.block_rows = int(block_rows)
    keep: list[Any] = []
    if columns is not None:
        names = list(columns)
        keep.append(_lib.string_array(names, "columns"))
        opts.columns = ctypes.cast(keep[-1], ctypes.POINTER(ctypes.c_char_p))
        opts.n_columns = len(names)
    else:
        names = model.feature_names if model is not None else []
    extra = list(extra_columns) if extra_columns is not None else []
    if extra:
        keep.append(_lib.string_array(extra, "extra_columns"))
        opts.extra_columns = ctypes.cast(keep[-1], ctypes.POINTER(ctypes.c_char_p))
        opts.n_extra = len(extra)
    return opts, keep, names, extra


def read_population(input: PathLike | bytes, model: Model | None = None, *,
                    columns: Sequence[str] | None = None,
                    extra_columns: Sequence[str] | None = None, id_column: str | None = None,
                    practice_column: str = "practice", outcome_column: str | None = None,
                    outcome_required: bool = False, check_duplicates: bool = True,
                    threads: int = 1, block_rows: int = 0, id_kind: str = "nhs") -> Any:
    """Reads a population file (CSV, plain or gzip; a path or the file's
    bytes) with libristra's reader, the one ``ristra score`` uses: every
    row checked, nothing re-implemented here.

    The value columns are the model's features (found by name, each value
    checked against its valid range and missing policy), or, without a
    model, the named columns. extra_columns are read alongside (numbers);
    outcome_column (None: not read) gives 0, 1 or NaN for unknown.

    Returns a pandas DataFrame with one row per data row, in file order:
    line (the file line the row starts on), nhs_number (int64; 0 when
    invalid) or, for id_kind "pseudonym", pseudonym (str: the identifier
    field as written), practice (str; None when invalid), status (a RowStatus; 0 for
    a usable row), reason (why the row cannot be used; "" when it can),
    then the value columns (NaN = missing, and for rejected rows), the
    outcome column and the extra columns. Rejected rows are kept, with
    their status: ``df[df.status == 0]`` are the usable ones.

    Raises NotFoundError naming every missing required column,
    FormatError for a file that cannot be read as a whole (naming the
    file and line), FileError.
    """
    import pandas as pd
    opts, keep, names, extra = _population_options(
        model, columns, extra_columns, id_column, practice_column, outcome_column,
        outcome_required, check_duplicates, threads, block_rows, id_kind)
    lib = _lib.lib()
    model_ptr = model._ptr if model is not None else None
    pop = _lib.PopulationPointer()
    if isinstance(input, (bytes, bytearray, memoryview)):
        data = bytes(input)   # must outlive the reader: held by this frame
        _lib.check(lib.ristra_population_open_buffer(ctypes.byref(pop), data, len(data),
                                                     b"<bytes>", model_ptr, ctypes.byref(opts)))
    else:
        _lib.check(lib.ristra_population_open(ctypes.byref(pop), os.fsencode(input), model_ptr,
                                              ctypes.byref(opts)))
    parts: dict[str, list[npt.NDArray[Any]]] = {k: [] for k in
                                          ("line", "nhs", "practice", "status", "values",
                                           "outcome", "extra", "reason", "token")}
    has_outcome = False
    try:
        while True:
            block = _lib.PopulationBlock(version=_lib.POPULATION_BLOCK_VERSION)
            _lib.check(lib.ristra_population_read(ctypes.byref(block), pop))
            n = block.n_rows
            if n == 0:
                break
            parts["line"].append(_copy(block.line, ctypes.c_int64, n, np.int64))
            if block.identifier:      # pseudonyms: the fields as written, no numbers
                raw = ctypes.cast(block.identifier, ctypes.POINTER(ctypes.c_char_p))
                parts["token"].append(np.array([(raw[i] or b"").decode("utf-8", "replace")
                                                for i in range(n)], dtype=object))
            else:
                parts["nhs"].append(_copy(block.nhs_number, ctypes.c_uint64, n, np.int64))
            parts["practice"].append(_copy(block.practice, ctypes.c_int32, n, np.int32))
            status = _copy(block.status, ctypes.c_int32, n, np.int32)
            parts["status"].append(status)
            parts["values"].append(
                _copy(block.values, ctypes.c_double, n * block.n_cols, np.float64)
                .reshape(n, block.n_cols))
            if block.outcome:
                has_outcome = True
                parts["outcome"].append(_copy(block.outcome, ctypes.c_double, n, np.float64))
            if extra:
                parts["extra"].append(_copy(block.extra, ctypes.c_double, n * len(extra),
                                            np.float64).reshape(n, len(extra)))
            reason = np.full(n, "", dtype=object)
            for row in np.flatnonzero(status):
                info = _lib.PopulationReject(version=_lib.POPULATION_REJECT_VERSION)
                _lib.check(lib.ristra_population_reject_info(ctypes.byref(info), pop, int(row)))
                reason[row] = info.reason.decode("utf-8", "replace")
            parts["reason"].append(reason)
        codes = np.array([lib.ristra_population_practice(pop, i).decode()
                          for i in range(lib.ristra_population_n_practices(pop))] + [None],
                         dtype=object)
    finally:
        lib.ristra_population_close(pop)
    del keep

    def joined(key: str, dtype: Any, width: int | None = None) -> npt.NDArray[Any]:
        if parts[key]:
            return np.concatenate(parts[key])
        return np.empty((0, width) if width is not None else 0, dtype=dtype)

    practice = joined("practice", np.int32)
    ids = ({"pseudonym": joined("token", object)} if id_kind == "pseudonym"
           else {"nhs_number": joined("nhs", np.int64)})
    frame = {"line": joined("line", np.int64), **ids,
             "practice": codes[np.where(practice < 0, len(codes) - 1, practice)],
             "status": joined("status", np.int32), "reason": joined("reason", object)}
    values = joined("values", np.float64, len(names))
    frame.update({name: values[:, j] for j, name in enumerate(names)})
    if has_outcome and outcome_column is not None:
        frame[outcome_column] = joined("outcome", np.float64)
    if extra:
        extras = joined("extra", np.float64, len(extra))
        frame.update({name: extras[:, j] for j, name in enumerate(extra)})
    return pd.DataFrame(frame)


def _options(rejects: PathLike | None, summary: PathLike | None,
             tiers: Sequence[float] | str | None,
             tier_names: Sequence[str | None] | None, untiered_name: str | None, threads: int,
             id_column: str | None, practice_column: str, outcome_column: str | None,
             outcome_required: bool, check_duplicates: bool, block_rows: int,
             gzip: bool | None, manifest: PathLike | None = None,
             max_reject_rate: float | None = None, min_scored: int | None = None,
             mode: int | None = None, id_kind: str = "nhs") -> _lib.ScoreFileOptions:
    opts = _lib.ScoreFileOptions()
    _lib.check(_lib.lib().ristra_score_file_options_init(ctypes.byref(opts),
                                                          _lib.SCORE_FILE_OPTIONS_VERSION))
    pop = _lib.PopulationOptions()
    _lib.check(_lib.lib().ristra_population_options_init(ctypes.byref(pop),
                                                          _lib.POPULATION_OPTIONS_VERSION))
    opts.population = ctypes.pointer(pop)   # ctypes keeps pop alive with opts
    pop.id_column = _lib.text(id_column, "id_column")
    pop.id_kind = _id_kind(id_kind)
    pop.practice_column = _lib.text(practice_column, "practice_column")
    pop.outcome_column = _lib.text(outcome_column, "outcome_column")
    pop.outcome_required = int(bool(outcome_required))
    pop.check_duplicates = int(bool(check_duplicates))
    pop.block_rows = int(block_rows)
    pop.n_threads = int(threads)
    opts.rejects_path = _path(rejects)
    opts.summary_path = _path(summary)
    if tiers is not None:   # None: the library's default tiers (ristra_default_tiers)
        cuts = _lib.cut_points(tiers, _lib.MAX_TIERS, "tiers")
        if not 1 <= len(cuts) <= _lib.MAX_TIERS:
            raise _invalid(f"tiers must have 1 to {_lib.MAX_TIERS} cut-points, not {len(cuts)}")
        opts.n_tiers = len(cuts)
        opts.tier_cut_points = ctypes.cast((ctypes.c_double * len(cuts))(*cuts),
                                           ctypes.POINTER(ctypes.c_double))
    if tier_names is not None:
        if isinstance(tier_names, str):
            raise _invalid("tier_names must be a sequence of str, not one string")
        names = list(tier_names)
        n_tiers = opts.n_tiers or _lib.lib().ristra_default_tiers(None)
        if len(names) != n_tiers:
            raise _invalid(f"tier_names has {len(names)} names for {n_tiers} tiers")
        texts = [_lib.text(name, "tier_names") for name in names]
        opts.tier_names = ctypes.cast((ctypes.c_char_p * len(texts))(*texts),
                                      ctypes.POINTER(ctypes.c_char_p))
    opts.untiered_name = _lib.text(untiered_name, "untiered_name")
    opts.n_threads = int(threads)
    opts.gzip_output = -1 if gzip is None else int(bool(gzip))
    opts.manifest_path = _path(manifest)
    # None: the library's defaults (ristra_score_file_options_init)
    if max_reject_rate is not None:
        opts.max_reject_rate = float(max_reject_rate)
    if min_scored is not None:
        opts.min_scored = int(min_scored)
    if mode is not None:
        opts.file_mode = int(mode)
    return opts


def _result(lib: Any, result: Any) -> ScoreResult:
    t = _lib.ScoreTotals(version=_lib.SCORE_TOTALS_VERSION)
    _lib.check(lib.ristra_score_result_totals(ctypes.byref(t), result))
    names = [lib.ristra_score_result_tier_name(result, k).decode() for k in range(t.n_tiers)]
    totals = {
        "n_rows": t.n_rows, "n_scored": t.n_scored, "n_rejected": t.n_rejected,
        "n_practices": t.n_practices,
        "tiers": {name: lib.ristra_score_result_tier_count(result, _lib.SCORE_RESULT_ALL, k)
                  for k, name in enumerate(names)},
        "has_outcome": bool(t.has_outcome), "expected": t.expected,
        "observed": t.observed if t.has_outcome else None,
        "auroc": t.auroc if t.has_outcome else math.nan,
    }
    # The columns of the summary file (without its last line, ALL: that is
    # in the totals), so that the frame equals pandas.read_csv(summary).
    rows = []
    for i in range(t.n_practices):
        p = _lib.PracticeSummary(version=_lib.PRACTICE_SUMMARY_VERSION)
        _lib.check(lib.ristra_score_result_practice(ctypes.byref(p), result, i))
        row = {"practice": p.practice.decode(), "list_size": p.list_size,
               "rejected": p.n_rejected}
        row.update({name: lib.ristra_score_result_tier_count(result, i, k)
                    for k, name in enumerate(names)})
        row.update(mean_risk=p.mean_risk, expected_admissions=p.expected)
        if t.has_outcome:
            row.update(observed_admissions=p.observed, observed_expected=p.observed_expected,
                       auroc=p.auroc)
        rows.append(row)
    import pandas as pd
    columns = ["practice", "list_size", "rejected", *names, "mean_risk", "expected_admissions"]
    if t.has_outcome:
        columns += ["observed_admissions", "observed_expected", "auroc"]
    practices = pd.DataFrame(rows, columns=columns)
    return ScoreResult(totals, practices)


def score_file(model: Model | PathLike, input: PathLike | Any, output: PathLike | None = None, *,
               rejects: PathLike | None = None, summary: PathLike | None = None,
               tiers: Sequence[float] | str | None = None,
               tier_names: Sequence[str | None] | None = None, untiered_name: str | None = None,
               threads: int = 0, id_column: str | None = None, practice_column: str = "practice",
               outcome_column: str | None = "emergency_admission_next_12m",
               outcome_required: bool = False, check_duplicates: bool = True,
               block_rows: int = 0, gzip: bool | None = None,
               manifest: PathLike | None = None, max_reject_rate: float | None = None,
               min_scored: int | None = None, mode: int | None = None,
               progress: Progress | None = None, reasons: int = 0,
               contributions: PathLike | None = None, id_kind: str = "nhs") -> ScoreResult:
    """Scores every patient of a population file (CSV, plain or gzip), or
    of a pandas DataFrame with the same columns (streamed to the library,
    never written to disk), and writes the ranked list, exactly as the ``ristra score`` command does
    (the same library function, ristra_score_file).

    output: the ranked list (nhs_number, practice, risk, rank_in_practice,
    percentile_in_practice, percentile_overall, tier), sorted by practice
    and rank; None writes none (only the result comes back). rejects: CSV of
    rejected rows (line, nhs_number, practice, status, reason). summary: the
    per-practice summary CSV. The files are committed together, all or
    none (docs/score-output.md); "-" writes to standard output. gzip None
    compresses a file whose name ends in ".gz".

    manifest: the run's record (JSON: model and input identity and
    SHA-256, options, counts, each output's SHA-256); None (default)
    writes "<output>.manifest.json", "" none. max_reject_rate and
    min_scored (None: the library's defaults, 0.05 and 1): past either the
    run fails with ThresholdError and writes nothing. mode: permissions of
    the files written (None: the library's 0o600; the umask can only
    narrow them).

    tiers: cut-points as fractions of each practice's list, strictly
    increasing, in (0, 1], or text as for ``ristra score --tiers``
    ("0.5%,2%,5%"); None (default): the library's default tiers, top
    0.5%, 2%, 5% and 20%: a patient is in the first tier c with
    rank_in_practice <= ceil(c * list_size). tier_names: one name per tier
    (None entries keep "top 0.5%" and so on); untiered_name: the tier of
    the rest (default "-").

    id_kind: "nhs" (default; NHS numbers, modulus-11 checked) or
    "pseudonym" (tokens made by pseudonymise(): the list and rejects then
    name patients in a "pseudonym" column). id_column (None: "nhs_number"
    or "pseudonym", by id_kind).

    threads: 0 (default) one per CPU. id_column, practice_column,
    outcome_column (None: do not read outcomes; read when present
    otherwise, unless outcome_required) name the input's columns.

    reasons: K > 0 adds, to each ranked-list row, the K features raising
    the patient's risk most (feature, value, contribution, readable text;
    docs/score-output.md). contributions: a CSV of every scored patient's
    contributions (nhs_number, practice, one column per feature, bias), as
    ``ristra explain --input``.

    progress(patients, bytes_done, bytes_total) is called after each block
    on this thread; a true return value stops the run (CancelledError) and
    an exception raised in it stops the run and is re-raised here; nothing
    is written then.

    The GIL is released while the library works. Returns
    ScoreResult(totals, practices): totals is a dict (n_rows, n_scored,
    n_rejected, n_practices, tiers {name: count}, has_outcome, expected,
    observed, auroc); practices is a DataFrame with the summary file's
    columns (practice, list_size, rejected, one count per tier, mean_risk,
    expected_admissions and, with outcomes, observed_admissions,
    observed_expected, auroc), one row per practice in code order.
    """
    if not isinstance(model, Model):
        with Model.load(model) as loaded:
            return score_file(loaded, input, output, rejects=rejects, summary=summary,
                              tiers=tiers, tier_names=tier_names, untiered_name=untiered_name,
                              threads=threads, id_column=id_column,
                              practice_column=practice_column, outcome_column=outcome_column,
                              outcome_required=outcome_required,
                              check_duplicates=check_duplicates, block_rows=block_rows,
                              gzip=gzip, manifest=manifest, max_reject_rate=max_reject_rate,
                              min_scored=min_scored, mode=mode, progress=progress,
                              reasons=reasons, contributions=contributions,
                              id_kind=id_kind)
    lib = _lib.lib()
    opts = _options(rejects, summary, tiers, tier_names, untiered_name, threads, id_column,
                    practice_column, outcome_column, outcome_required, check_duplicates,
                    block_rows, gzip, manifest, max_reject_rate, min_scored, mode, id_kind)
    opts.n_reasons = int(reasons)
    opts.contributions_path = _path(contributions)
    raised: list[BaseException] = []
    callback = None
    if progress is not None:
        report = progress

        def call(_ctx: Any, patients: int, done: int, total: int) -> int:
            try:
                return 1 if report(patients, done, total) else 0
            except BaseException as e:  # noqa: B036 -- KeyboardInterrupt too: stop the run
                raised.append(e)
                return 1
        callback = _lib.ProgressFn(call)   # kept alive by this frame until the call returns
        opts.progress = callback
    out = _lib.ScoreResultPointer()
    with population_path(input) as source:   # a DataFrame streams through a pipe
        rc = lib.ristra_score_file(ctypes.byref(out), model._ptr, os.fsencode(source),
                                   _path(output), ctypes.byref(opts))
    try:
        if raised and rc == RISTRA_ECANCELLED:
            raise raised[0]
        _lib.check(rc, None if is_frame(input) else os.fsdecode(input))
        return _result(lib, out)
    finally:
        lib.ristra_score_result_free(out)
        del callback



def _id_kind(name: str) -> int:
    kind = _lib.lib().ristra_id_kind_from_string(_lib.text(name, "id_kind"))
    if not kind:
        raise _invalid(f'id_kind must be "nhs" or "pseudonym", not {name!r}')
    return int(kind)


def pseudonymise(input: PathLike, output: PathLike, key_file: PathLike, *,
                 encoding: str = "base64url", length: int = 0,
                 id_column: str | None = None) -> dict[str, int]:
    """Copies a population file with every NHS number replaced by its
    pseudonym, exactly as ``ristra pseudonymise`` does (the same library
    function, ristra_pseudonymise_file): HMAC-SHA-256 of the ten digits
    under the key in key_file (32 to 1024 bytes, mode 0600), base64url or
    hex, the first length characters (0: 32). The column becomes
    "pseudonym"; every other byte is kept; output is written whole or not
    at all, mode 0600. The key never appears in any output or message.
    Score the result with score_file(..., id_kind="pseudonym").

    Returns {"n_rows", "n_pseudonymised", "n_invalid"}. Raises
    InvalidArgumentError (a key others can read, or of the wrong size; bad
    options), NotFoundError (no id column), FormatError, FileError.
    """
    lib = _lib.lib()
    code = lib.ristra_pseudonym_encoding_from_string(_lib.text(encoding, "encoding"))
    if not code:
        raise _invalid(f'encoding must be "base64url" or "hex", not {encoding!r}')
    opts = _lib.PseudonymiseOptions()
    _lib.check(lib.ristra_pseudonymise_options_init(ctypes.byref(opts),
                                                    _lib.PSEUDONYMISE_OPTIONS_VERSION))
    opts.encoding = code
    opts.length = int(length)
    opts.id_column = _lib.text(id_column, "id_column")
    totals = _lib.PseudonymiseTotals()
    totals.version = _lib.PSEUDONYMISE_TOTALS_VERSION
    _lib.check(lib.ristra_pseudonymise_file(ctypes.byref(totals), _path(input), _path(output),
                                            _path(key_file), ctypes.byref(opts)))
    return {"n_rows": totals.n_rows, "n_pseudonymised": totals.n_pseudonymised,
            "n_invalid": totals.n_invalid}
