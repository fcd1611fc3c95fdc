"""The subgroup audit and drift between runs as pandas DataFrames, over
the library's ristra_score_file(audit_path) and ristra_drift_compute()
(include/ristra/audit.h, drift.h): the figures are the library's."""
from __future__ import annotations

import ctypes
import os
import tempfile
from ctypes import POINTER, Structure, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p
from dataclasses import dataclass
from typing import Any, Sequence

from . import _lib
from ._model import Model

PathLike = str | os.PathLike[str]


class AuditOptions(Structure):
    """struct ristra_audit_options (include/ristra/audit.h)."""
    _fields_ = [("version", c_int), ("age_column", c_char_p), ("sex_column", c_char_p),
                ("deprivation_column", c_char_p), ("group_columns", POINTER(c_char_p)),
                ("n_group_columns", c_int64), ("by_practice", c_int),
                ("confidence_level", c_double)]


class DriftOptions(Structure):
    """struct ristra_drift_options (include/ristra/drift.h)."""
    _fields_ = [("version", c_int), ("id_column", c_char_p), ("practice_column", c_char_p),
                ("outcome_column", c_char_p), ("n_bins", c_int), ("psi_moderate", c_double),
                ("psi_major", c_double), ("missing_change", c_double),
                ("confidence_level", c_double), ("n_threads", c_int)]


class DriftRow(Structure):
    """struct ristra_drift_row."""
    _fields_ = [("version", c_int), ("measure", c_char_p), ("subject", c_char_p),
                ("baseline", c_double), ("current", c_double), ("change", c_double),
                ("lower", c_double), ("upper", c_double), ("flag", c_int)]


class ReportOptions(Structure):
    """struct ristra_report_options (include/ristra/report.h)."""
    _fields_ = [("version", c_int), ("suppress_area", c_int), ("suppress_practice", c_int),
                ("title", c_char_p), ("baseline_manifest", c_char_p)]


FLAGS = ("", "moderate", "major", "changed")


def _bind(lib: Any) -> Any:
    sig = {
        "ristra_audit_options_init": (c_int, [POINTER(AuditOptions), c_int]),
        "ristra_drift_options_init": (c_int, [POINTER(DriftOptions), c_int]),
        "ristra_report_options_init": (c_int, [POINTER(ReportOptions), c_int]),
        "ristra_drift_compute": (c_int, [POINTER(c_void_p), c_void_p, c_char_p, c_char_p,
                                         POINTER(DriftOptions)]),
        "ristra_drift_compute_manifests": (c_int, [POINTER(c_void_p), c_void_p, c_char_p,
                                                   c_char_p, POINTER(DriftOptions)]),
        "ristra_drift_free": (None, [c_void_p]),
        "ristra_drift_n_rows": (c_int64, [c_void_p]),
        "ristra_drift_row_get": (c_int, [POINTER(DriftRow), c_void_p, c_int64]),
        "ristra_drift_n_flagged": (c_int64, [c_void_p]),
        "ristra_drift_summary": (c_int64, [c_char_p, c_size_t, c_void_p]),
        "ristra_drift_write_csv": (c_int, [c_void_p, c_char_p]),
    }
    for name, (res, args) in sig.items():
        fn = getattr(lib, name)
        fn.restype, fn.argtypes = res, args
    return lib


def audit(model: Model | PathLike, input: PathLike, *, by: Sequence[str] = (),
          output: PathLike | None = None, threads: int = 0) -> Any:
    """The subgroup audit of `ristra score --audit` (area, practices, age
    band, sex, deprivation quintile and each numeric column in by) at the
    tiers the run applies, as a DataFrame with the CSV's columns (grouping,
    group, cut_off, tier, measure, estimate, lower, upper, numerator,
    denominator; docs/audit.md). output: also keep the CSV there."""
    import pandas as pd
    if not isinstance(model, Model):
        with Model.load(model) as loaded:
            return audit(loaded, input, by=by, output=output, threads=threads)
    lib = _bind(_lib.lib())
    ao = AuditOptions()
    _lib.check(lib.ristra_audit_options_init(ctypes.byref(ao), 1))
    columns = _lib.string_array(list(by), "by")
    ao.group_columns = ctypes.cast(columns, POINTER(c_char_p))
    ao.n_group_columns = len(by)
    opts = _lib.ScoreFileOptions()
    _lib.check(lib.ristra_score_file_options_init(ctypes.byref(opts),
                                                  _lib.SCORE_FILE_OPTIONS_VERSION))
    opts.n_threads = int(threads)
    with tempfile.TemporaryDirectory() as d:
        path = os.fsencode(output) if output is not None else os.path.join(d, "a.csv").encode()
        opts.audit_path = path
        opts.audit = ctypes.cast(ctypes.pointer(ao), c_void_p)
        out = _lib.ScoreResultPointer()
        rc = lib.ristra_score_file(ctypes.byref(out), model._ptr, os.fsencode(input), None,
                                   ctypes.byref(opts))
        lib.ristra_score_result_free(out)
        _lib.check(rc, os.fsdecode(input))
        return pd.read_csv(os.fsdecode(path), dtype={"group": str, "tier": str},
                           keep_default_na=False, na_values={"estimate": [""], "lower": [""],
                                                             "upper": [""], "cut_off": [""]})


def report(model: Model | PathLike, input: PathLike, directory: PathLike, *,
           by: Sequence[str] = (), suppress_practice: bool = True,
           title: str | None = None, audit_output: PathLike | None = None,
           manifest: PathLike | None = None, baseline_manifest: PathLike | None = None,
           threads: int = 0) -> list[str]:
    """`ristra score --report-dir`: the library writes the report into the
    existing directory (index.html for the area and practice-<code>.html
    for each practice, self-contained HTML; docs/report.md) from a run
    over input, with the audit grouped also by the columns in by.
    suppress_practice False: exact counts on the practice pages (the area
    page keeps small-number suppression). manifest: the run's manifest,
    whose SHA-256 the pages show (None: none). baseline_manifest: a
    baseline run's manifest; the pages then show the drift flags against
    the file it read. Returns the pages' paths."""
    if not isinstance(model, Model):
        with Model.load(model) as loaded:
            return report(loaded, input, directory, by=by, suppress_practice=suppress_practice,
                          title=title, audit_output=audit_output, manifest=manifest,
                          baseline_manifest=baseline_manifest, threads=threads)
    lib = _bind(_lib.lib())
    ao = AuditOptions()
    _lib.check(lib.ristra_audit_options_init(ctypes.byref(ao), 1))
    columns = _lib.string_array(list(by), "by")
    ao.group_columns = ctypes.cast(columns, POINTER(c_char_p))
    ao.n_group_columns = len(by)
    ro = ReportOptions()
    _lib.check(lib.ristra_report_options_init(ctypes.byref(ro), 1))
    ro.suppress_practice = int(bool(suppress_practice))
    ro.title = _lib.text(title, "title")
    ro.baseline_manifest = (os.fsencode(baseline_manifest) if baseline_manifest is not None
                            else None)
    opts = _lib.ScoreFileOptions()
    _lib.check(lib.ristra_score_file_options_init(ctypes.byref(opts),
                                                  _lib.SCORE_FILE_OPTIONS_VERSION))
    opts.n_threads = int(threads)
    opts.audit = ctypes.cast(ctypes.pointer(ao), c_void_p)
    opts.audit_path = os.fsencode(audit_output) if audit_output is not None else None
    opts.report_dir = os.fsencode(directory)
    opts.report = ctypes.cast(ctypes.pointer(ro), c_void_p)
    opts.manifest_path = os.fsencode(manifest) if manifest is not None else b""
    out = _lib.ScoreResultPointer()
    rc = lib.ristra_score_file(ctypes.byref(out), model._ptr, os.fsencode(input), None,
                               ctypes.byref(opts))
    try:
        _lib.check(rc, os.fsdecode(input))
        totals = _lib.ScoreTotals(version=_lib.SCORE_TOTALS_VERSION)
        _lib.check(lib.ristra_score_result_totals(ctypes.byref(totals), out))
        pages = [os.path.join(os.fsdecode(directory), "index.html")]
        for i in range(totals.n_practices):
            s = _lib.PracticeSummary(version=_lib.PRACTICE_SUMMARY_VERSION)
            _lib.check(lib.ristra_score_result_practice(ctypes.byref(s), out, i))
            pages.append(os.path.join(os.fsdecode(directory),
                                      f"practice-{s.practice.decode()}.html"))
        return pages
    finally:
        lib.ristra_score_result_free(out)


@dataclass(frozen=True)
class Drift:
    """What ristra_drift_compute() found: frame (one row per figure:
    measure, subject, baseline, current, change, lower, upper, flag),
    summary (the readable lines `ristra drift` prints), n_flagged."""
    frame: Any
    summary: str
    n_flagged: int


def drift(baseline: PathLike, current: PathLike, model: Model | PathLike | None = None, *,
          output: PathLike | None = None, bins: int = 10,
          outcome_column: str | None = "emergency_admission_next_12m",
          threads: int = 0, manifests: bool = False) -> Drift:
    """`ristra drift`: two population files scored by model, or (model None)
    two ranked lists. manifests: baseline and current are two runs'
    manifests; the files they record are compared (`ristra drift
    --manifests`). See docs/drift.md."""
    import pandas as pd
    if model is not None and not isinstance(model, Model):
        with Model.load(model) as loaded:
            return drift(baseline, current, loaded, output=output, bins=bins,
                         outcome_column=outcome_column, threads=threads, manifests=manifests)
    lib = _bind(_lib.lib())
    o = DriftOptions()
    _lib.check(lib.ristra_drift_options_init(ctypes.byref(o), 1))
    o.n_bins, o.n_threads = int(bins), int(threads)
    o.outcome_column = _lib.text(outcome_column, "outcome_column")
    d = c_void_p()
    compute = lib.ristra_drift_compute_manifests if manifests else lib.ristra_drift_compute
    _lib.check(compute(ctypes.byref(d), model._ptr if model else None, os.fsencode(baseline),
                       os.fsencode(current), ctypes.byref(o)))
    try:
        rows = []
        for i in range(lib.ristra_drift_n_rows(d)):
            r = DriftRow(version=1)
            _lib.check(lib.ristra_drift_row_get(ctypes.byref(r), d, i))
            rows.append({"measure": r.measure.decode(), "subject": r.subject.decode(),
                         "baseline": r.baseline, "current": r.current, "change": r.change,
                         "lower": r.lower, "upper": r.upper, "flag": FLAGS[r.flag]})
        n = lib.ristra_drift_summary(None, 0, d)
        buf = ctypes.create_string_buffer(int(n) + 1)
        lib.ristra_drift_summary(buf, len(buf), d)
        if output is not None:
            _lib.check(lib.ristra_drift_write_csv(d, os.fsencode(output)), os.fsdecode(output))
        frame = pd.DataFrame(rows, columns=["measure", "subject", "baseline", "current",
                                            "change", "lower", "upper", "flag"])
        return Drift(frame, buf.value.decode(), int(lib.ristra_drift_n_flagged(d)))
    finally:
        lib.ristra_drift_free(d)


__all__ = ["Drift", "audit", "drift"]
