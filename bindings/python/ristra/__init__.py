"""ristra: risk of emergency hospital admission for registered GP practice
populations, scored by libristra (a thin ctypes layer over its C ABI).

    import ristra
    model = ristra.Model.load("models/example_logistic.json")
    risk = model.predict(df)          # a DataFrame, matched by column names

    ristra.synth("population.csv", patients=50000, practices=5)   # made-up patients
    ristra.convert_xgboost("booster.json", "model.json")   # XGBoost -> native model
    totals, practices = ristra.score_file(model, "practice_list.csv.gz", "ranked.csv")
    ranked = ristra.score(model, df)  # the ranked list as a DataFrame (df or a file)
    model.predict_proba(X)            # a fitted scikit-learn classifier, too
    fit = ristra.fit_logistic(X, y)   # R's glm(y ~ ., binomial); fit.to_model(...)
    ev = ristra.evaluate(outcome, risk, groups=practice)   # (y_true, y_score), as sklearn
    ristra.plot_calibration(ev)       # and plot_risk_by_tier, plot_observed_expected
    local = model.recalibrate(X, y, "logistic", population="...")   # local outcomes

The library is found through RISTRA_LIBRARY, then the source tree's build/,
then the system loader; ristra.library_path() says which was used.
"""
from __future__ import annotations

import ctypes as _ctypes
import os as _os

from . import _lib
from ._audit import Drift, audit, drift, report
from ._collect import Collected, Grouping, collect, group_name
from ._errors import (CancelledError, Error, FileError, FormatError, InternalError,
                      InvalidArgumentError, NotFoundError, NumericError, OutOfMemoryError,
                      ThresholdError, UnsupportedError, VersionError)
from ._evaluate import Evaluation, evaluate
from ._fit import LogisticFit, fit_logistic
from ._model import Calibration, Feature, Model, RowStatus, Trees, row_status_string
from ._frame import score
from ._plot import plot_calibration, plot_observed_expected, plot_risk_by_tier
from ._population import ScoreResult, pseudonymise, read_population, score_file
from ._version import __version__
from ._xgboost import convert_xgboost

__all__ = [
    "CancelledError", "Calibration", "Collected", "Grouping", "collect", "group_name", "Drift", "audit", "drift", "report", "Error", "Evaluation", "Feature", "FileError", "FormatError",
    "InternalError", "InvalidArgumentError", "LogisticFit", "Model", "NotFoundError",
    "NumericError", "OutOfMemoryError", "RowStatus", "ScoreResult", "ThresholdError", "Trees",
    "UnsupportedError",
    "VersionError", "__version__", "convert_xgboost", "evaluate", "fit_logistic",
    "library_path", "library_version", "nhs_number_is_test", "nhs_number_valid",
    "ods_practice_code_valid", "plot_calibration", "plot_observed_expected", "plot_risk_by_tier",
    "pseudonymise", "read_population", "row_status_string", "score", "score_file", "synth",
]


def synth(path: str | _os.PathLike[str], patients: int = 10000, practices: int | None = None,
          seed: int = 1, outcome: bool = True, true_risk: bool = False,
          gzip_level: int | None = None) -> None:
    """Writes a synthetic registered population (NOT patient data: NHS numbers
    from the never-issued test range) as `ristra synth` does: CSV, gzip when
    path ends in ".gz" (or at gzip_level 1-9; 0 never). practices defaults
    to the library's rule, as for `ristra synth`: one per 10,000 patients,
    rounded (1 below 15,000). The same arguments give the same
    bytes. Columns: examples/data/README.md.

    >>> import os, tempfile, ristra
    >>> path = os.path.join(tempfile.mkdtemp(), "area.csv")
    >>> ristra.synth(path, patients=100, practices=2, seed=3)
    >>> open(path).readline().split(",")[:3]
    ['nhs_number', 'practice', 'age']
    >>> os.remove(path)
    """
    lib = _lib.lib()
    opts = _lib.SynthOptions()
    _lib.check(lib.ristra_synth_options_init(_ctypes.byref(opts), _lib.SYNTH_OPTIONS_VERSION))
    opts.n_patients = int(patients)
    if practices is not None:   # None: the library's default (one per 10,000, rounded)
        opts.n_practices = int(practices)
    opts.seed = int(seed)
    opts.write_outcome = int(bool(outcome))
    opts.write_true_risk = int(bool(true_risk))
    opts.gzip_level = -1 if gzip_level is None else int(gzip_level)
    _lib.check(lib.ristra_synth_write(_os.fsencode(path), _ctypes.byref(opts)))


def library_version() -> str:
    """The loaded libristra's version, "MAJOR.MINOR.PATCH"."""
    version: bytes = _lib.lib().ristra_version_string()
    return version.decode()


def library_path() -> str:
    """Where libristra was loaded from (a path, or a soname for the system loader)."""
    return _lib.path()


def _identifier_check(fn_name: str, text: str) -> bool:
    data = text.encode()
    return bool(getattr(_lib.lib(), fn_name)(data, len(data)))


def nhs_number_valid(text: str) -> bool:
    """Whether text is a valid NHS number ("9434765919" or "943 476 5919"):
    ten digits with a correct modulus-11 check digit."""
    return _identifier_check("ristra_nhs_number_valid", text)


def nhs_number_is_test(text: str) -> bool:
    """Whether text is a valid NHS number in the never-issued test range 999..."""
    return _identifier_check("ristra_nhs_number_is_test", text)


def ods_practice_code_valid(text: str) -> bool:
    """Whether text has the form of a GP practice's ODS code (e.g. "C81010")."""
    return _identifier_check("ristra_ods_practice_code_valid", text)


del annotations  # from __future__; not part of the namespace
