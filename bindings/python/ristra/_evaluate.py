"""ristra.evaluate: discrimination, calibration and tier yield of predicted
risks against outcomes, over include/ristra/evaluate.h (private)."""
from __future__ import annotations

import ctypes
import os
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from . import _lib
from ._errors import RISTRA_EINVAL, RISTRA_ENOTFOUND, error_for
from ._model import PathLike

_SCOPES = {"within_group": 1, "overall": 2}    # enum ristra_flag_scope


def _invalid(message: str) -> Exception:
    return error_for(RISTRA_EINVAL, message)


def _fields(struct: Any, skip: tuple[str, ...] = ("version",)) -> dict[str, Any]:
    return {name: getattr(struct, name) for name, _ in struct._fields_ if name not in skip}


def _outcome_bytes(outcome: Any, n: int, per: str = "risk",
                   name: str = "outcome") -> npt.NDArray[Any]:
    """Outcomes as uint8 for the C call, by the library's one rule
    (ristra_outcomes_encode): 0 and 1 only, anything else (NaN, 2, 0.027)
    refused naming its row as what it is, never cast."""
    o = np.asarray(outcome)
    if o.ndim != 1 or o.shape[0] != n:
        raise _invalid(f"outcome must be 1-D with one value per {per} ({n}), not shape {o.shape}")
    try:
        y = np.ascontiguousarray(o, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise _invalid(f"outcome is not numeric: {e}") from None
    out = np.empty(n, dtype=np.uint8)
    _lib.check(_lib.lib().ristra_outcomes_encode(out.ctypes.data, y.ctypes.data, n,
                                                 name.encode()))
    return out


def _group_codes(groups: Any, n: int) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]:
    """Group labels of any sortable kind (practice codes, age bands) as
    int32 codes 0..k-1 in ascending label order, and the labels."""
    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n:
        raise _invalid(f"groups must be 1-D with one label per risk ({n}), not shape {g.shape}")
    if g.dtype.kind == "f" and np.isnan(g).any():
        raise _invalid(f"groups has a missing label (NaN) at row {int(np.argmax(np.isnan(g)))}")
    if g.dtype == object:
        missing = [i for i, v in enumerate(g) if v is None or v != v]
        if missing:
            raise _invalid(f"groups has a missing label at row {missing[0]}")
    try:
        labels, codes = np.unique(g, return_inverse=True)
    except TypeError as e:
        raise _invalid(f"groups cannot be sorted (mixed kinds of label?): {e}") from None
    return np.ascontiguousarray(codes, dtype=np.int32), labels


class Evaluation:
    _handle: Any
    labels: list[Any]
    _index: dict[Any, int]

    """The results of :func:`ristra.evaluate` (a ristra_evaluation).

    * ``overall``: dict of the headline figures of everyone;
    * ``groups``: DataFrame of the same figures, one row per group label;
    * ``summary(group)``, ``calibration(group)``, ``cut_points(group)`` for
      one group (None: everyone); ``write_calibration_svg(path, group)``.
    """

    def __init__(self) -> None:
        raise TypeError("use ristra.evaluate(y_true, y_score)")

    @classmethod
    def _adopt(cls, handle: Any, labels: npt.NDArray[Any] | None) -> Evaluation:
        self = object.__new__(cls)
        self._handle = handle
        self.labels = [] if labels is None else labels.tolist()
        self._index = {label: i for i, label in enumerate(self.labels)}
        return self

    def close(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _lib.lib().ristra_evaluation_free(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    @property
    def _ptr(self) -> Any:
        if not self._handle:
            raise _invalid("the evaluation is closed")
        return self._handle

    def _group(self, group: Any) -> int:
        if group is None:
            return _lib.EVALUATION_OVERALL
        try:
            return self._index[group]
        except (KeyError, TypeError):
            raise error_for(RISTRA_ENOTFOUND, f"no group labelled {group!r}") from None

    def summary(self, group: Any = None) -> dict[str, Any]:
        """The headline figures of one group (by label), or of everyone:
        n, events, observed_rate, mean_risk, expected, oe_ratio, auroc (+
        DeLong variance and interval), average_precision, brier,
        calibration_in_the_large, calibration_intercept, calibration_slope
        (+ its intercept). Undefined figures are NaN."""
        s = _lib.GroupSummary(version=_lib.GROUP_SUMMARY_VERSION)
        _lib.check(_lib.lib().ristra_evaluation_summary(ctypes.byref(s), self._ptr,
                                                        self._group(group)))
        out = _fields(s, ("version", "label"))
        if group is not None:
            out = {"group": group, **out}
        return out

    @property
    def overall(self) -> dict[str, Any]:
        return self.summary(None)

    @property
    def groups(self) -> Any:
        """One row of summary figures per group label (empty without groups)."""
        import pandas as pd
        rows = [self.summary(label) for label in self.labels]
        columns = ["group"] + [n for n, _ in _lib.GroupSummary._fields_
                               if n not in ("version", "label")]
        return pd.DataFrame(rows, columns=columns).set_index("group")

    def calibration(self, group: Any = None) -> Any:
        """The calibration bins of a group (or everyone), lowest risks
        first: n, events, min/max/mean risk, observed_rate, expected,
        oe_ratio, and the Wilson interval observed_lower..observed_upper."""
        import pandas as pd
        lib, ptr, g = _lib.lib(), self._ptr, self._group(group)
        rows = []
        for b in range(lib.ristra_evaluation_n_bins(ptr)):
            s = _lib.CalibrationBin(version=_lib.CALIBRATION_BIN_VERSION)
            _lib.check(lib.ristra_evaluation_bin(ctypes.byref(s), ptr, g, b))
            rows.append(_fields(s))
        columns = [n for n, _ in _lib.CalibrationBin._fields_ if n != "version"]
        return pd.DataFrame(rows, columns=columns).rename_axis("bin")

    def cut_points(self, group: Any = None) -> Any:
        """What each tier cut-point flags in a group (or everyone):
        fraction, n_flagged, events_flagged, threshold, sensitivity, ppv."""
        import pandas as pd
        lib, ptr, g = _lib.lib(), self._ptr, self._group(group)
        rows = []
        for c in range(lib.ristra_evaluation_n_cut_points(ptr)):
            s = _lib.CutPointSummary(version=_lib.CUT_POINT_SUMMARY_VERSION)
            _lib.check(lib.ristra_evaluation_cut_point(ctypes.byref(s), ptr, g, c))
            rows.append(_fields(s))
        columns = [n for n, _ in _lib.CutPointSummary._fields_ if n != "version"]
        return pd.DataFrame(rows, columns=columns)

    def to_csv(self, path: PathLike, by: str | None = None,
               names: Sequence[str] | None = None) -> None:
        """Writes every figure of everyone and of each group, one row each,
        with the library's writer (ristra_evaluation_write_csv): the file
        ``ristra evaluate --output-csv`` writes. by: the first column's
        value for the group rows ("practice"; None: "group"); names: one
        per group in label order (None: the labels as text)."""
        labels = list(names) if names is not None else [str(x) for x in self.labels]
        arr = _lib.string_array(labels, "names") if labels else None
        _lib.check(_lib.lib().ristra_evaluation_write_csv(
            self._ptr, os.fsencode(path), _lib.text(by, "by"),
            ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p)) if arr is not None else None),
            os.fsdecode(path))

    def write_calibration_svg(self, path: PathLike, group: Any = None,
                              title: str | None = None) -> None:
        """Writes the calibration plot of a group (or everyone) as SVG."""
        _lib.check(_lib.lib().ristra_evaluation_write_calibration_svg(
            self._ptr, self._group(group), os.fsencode(path), _lib.text(title, "title")))

    def __repr__(self) -> str:
        if not self._handle:
            return "<ristra.Evaluation (closed)>"
        o = self.overall
        return (f"<ristra.Evaluation n={o['n']} events={o['events']} auroc={o['auroc']:.4f}, "
                f"{len(self.labels)} groups>")


_MISSING = object()


def _is_outcome_vector(values: Any) -> bool:
    """Whether every value is 0 or 1 (bool, int or float), as y_true is."""
    v = np.asarray(values)
    if v.dtype == np.bool_:
        return True
    if v.dtype.kind not in "fiu" or v.ndim != 1:
        return False
    return bool(np.isin(v, (0, 1)).all())


def _argument_order(y_true: Any, y_score: Any, risk: Any, outcome: Any) -> tuple[Any, Any]:
    """(y_true, y_score) from scikit-learn's order, or from the old
    evaluate(risk, outcome) order with a DeprecationWarning."""
    import warnings
    if risk is not _MISSING or outcome is not _MISSING:
        if risk is _MISSING or outcome is _MISSING or y_true is not None or y_score is not None:
            raise TypeError("evaluate() takes y_true and y_score (or, deprecated, both "
                            "risk= and outcome=)")
        warnings.warn("evaluate(risk=, outcome=) is deprecated: use evaluate(y_true, y_score) "
                      "as in scikit-learn", DeprecationWarning, stacklevel=3)
        return outcome, risk
    if y_true is None or y_score is None:
        raise TypeError("evaluate() needs y_true (0/1 outcomes) and y_score (risks)")
    if not _is_outcome_vector(y_true) and _is_outcome_vector(y_score):
        warnings.warn("evaluate(risk, outcome) is the old argument order and is deprecated: "
                      "ristra.evaluate takes (y_true, y_score) as scikit-learn does",
                      DeprecationWarning, stacklevel=3)
        return y_score, y_true
    return y_true, y_score


def evaluate(y_true: Any = None, y_score: Any = None, groups: Any = None, *,
             cut_points: Sequence[float] | str | None = None, n_bins: int = 10,
             confidence_level: float = 0.95, flag_scope: str = "within_group",
             n_threads: int = 1, risk: Any = _MISSING, outcome: Any = _MISSING) -> Evaluation:
    """Evaluates predicted risks against observed 0/1 outcomes, for everyone
    and for each group (ristra_evaluate): AUROC with its DeLong interval,
    average precision, Brier score, calibration-in-the-large, calibration
    intercept and slope, calibration by risk bin, and what each tier
    cut-point flags.

    The arguments come in scikit-learn's order (``roc_auc_score(y_true,
    y_score)``): y_true, n outcomes 0 or 1 (bool, int or float); y_score,
    n risks in [0, 1]. The old order ``evaluate(risk, outcome)`` (and
    ``risk=``, ``outcome=``) still works, with a DeprecationWarning, when it
    is unambiguous. groups: None, or n labels of any sortable kind
    (practice codes, age bands, ...). cut_points: fractions of the list in
    (0, 1] (at most 16), or text such as "0.5%,2%"; None (default): the
    library's default tiers (0.5%, 2%, 5%, 20%). flag_scope "within_group"
    ranks each group on its own (each practice's top 2%); "overall" ranks
    everyone together and reports each group's share of the one list.

    Raises InvalidArgumentError (a ValueError) naming the first bad row: an
    outcome other than 0 or 1 (named as such: a risk, a NaN), a risk
    outside [0, 1] or NaN; or a bad option.

    >>> import ristra
    >>> ev = ristra.evaluate([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> round(ev.overall["auroc"], 2)
    0.75
    >>> ristra.evaluate([0, 0.5, 1], [0.1, 0.2, 0.3])
    Traceback (most recent call last):
    ...
    ristra._errors.InvalidArgumentError: y_true[1] is 0.5, not an outcome (0 or 1)
    """
    outcome, risk = _argument_order(y_true, y_score, risk, outcome)
    if flag_scope not in _SCOPES:
        raise _invalid(f'flag_scope must be "within_group" or "overall", not {flag_scope!r}')
    try:
        r = np.ascontiguousarray(np.asarray(risk, dtype=np.float64))
    except (TypeError, ValueError) as e:
        raise _invalid(f"risk cannot be read as numbers: {e}") from None
    if r.ndim != 1:
        raise _invalid(f"risk must be 1-D, not shape {r.shape}")
    n = r.shape[0]
    y = _outcome_bytes(outcome, n, name="y_true")
    codes, labels = _group_codes(groups, n) if groups is not None else (None, None)
    cuts = (None if cut_points is None
            else _lib.cut_points(cut_points, _lib.EVALUATE_MAX_CUT_POINTS, "cut_points"))
    if cuts is not None and len(cuts) > _lib.EVALUATE_MAX_CUT_POINTS:
        raise _invalid(f"at most {_lib.EVALUATE_MAX_CUT_POINTS} cut_points, not {len(cuts)}")
    lib = _lib.lib()
    opts = _lib.EvaluateOptions()
    _lib.check(lib.ristra_evaluate_options_init(ctypes.byref(opts), _lib.EVALUATE_OPTIONS_VERSION))
    if cuts is not None:   # None: NULL, the library's default tiers
        opts.n_cut_points = len(cuts)
        cut_array = (ctypes.c_double * max(len(cuts), 1))(*cuts)   # non-NULL even when empty
        opts.cut_points = ctypes.cast(cut_array, ctypes.POINTER(ctypes.c_double))
    opts.n_bins = int(n_bins)
    opts.confidence_level = float(confidence_level)
    opts.flag_scope = _SCOPES[flag_scope]
    opts.n_threads = int(n_threads)
    out = _lib.EvaluationPointer()
    _lib.check(lib.ristra_evaluate(ctypes.byref(out), r.ctypes.data, y.ctypes.data, n,
                                   codes.ctypes.data if codes is not None else None,
                                   ctypes.byref(opts)))
    return Evaluation._adopt(out, labels)
