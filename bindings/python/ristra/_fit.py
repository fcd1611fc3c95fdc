"""ristra.fit_logistic: maximum-likelihood logistic regression (R's glm),
over include/ristra/fit.h (private)."""
from __future__ import annotations

import ctypes
import sys
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from . import _lib
from ._errors import RISTRA_EINVAL, error_for
from ._model import Model, _frame_block, _row_stride

_SOLVERS = {"auto": 0, "qr": 2}                       # enum ristra_fit_solver
_SOLVER_NAMES = {0: "auto", 1: "cholesky", 2: "qr"}


def _invalid(message: str) -> Exception:
    return error_for(RISTRA_EINVAL, message)


def _design(X: Any, feature_names: Sequence[str] | None
            ) -> tuple[npt.NDArray[Any], int, list[str] | None]:
    """X as a float64 block with contiguous rows, its row stride, and the
    column names (a DataFrame's own, unless feature_names are given)."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(X, pd.DataFrame):
        columns = [str(c) for c in X.columns]
        if feature_names is None:
            feature_names = columns
            if len(set(columns)) != len(columns):
                raise _invalid("X has repeated column names")
            block, stride = _frame_block(X, columns)
        else:
            block, stride = _frame_block(X, list(feature_names))
        return block, stride, list(feature_names)
    arr = np.asarray(X)
    if arr.ndim != 2:
        raise _invalid(f"X must be 2-D (rows x features), not {arr.ndim}-D")
    padded = _row_stride(arr) if arr.dtype == np.float64 else None
    if padded is None:
        try:
            arr = np.ascontiguousarray(arr, dtype=np.float64)
        except (TypeError, ValueError) as e:
            raise _invalid(f"X ({arr.dtype}) cannot be converted to float64: {e}") from None
    stride = padded if padded is not None else arr.shape[1]
    names = list(feature_names) if feature_names is not None else None
    if names is not None and len(names) != arr.shape[1]:
        raise _invalid(f"feature_names has {len(names)} names for {arr.shape[1]} columns")
    return arr, stride, names


def _vector(v: Any, n: int, what: str) -> npt.NDArray[Any]:
    try:
        out = np.ascontiguousarray(np.asarray(v, dtype=np.float64).reshape(-1))
    except (TypeError, ValueError) as e:
        raise _invalid(f"{what} cannot be read as numbers: {e}") from None
    if out.shape[0] != n:
        raise _invalid(f"{what} has {out.shape[0]} values for {n} rows of X")
    return out


class LogisticFit:
    """A fitted logistic regression (ristra_fit): R's glm(y ~ ., binomial).

    Attributes: ``intercept``, ``intercept_se`` (0 without an intercept),
    ``coef`` and ``se`` (arrays in column order), ``feature_names``, and
    ``summary`` (deviance, null_deviance, aic, iterations, n_used, ...).
    :meth:`to_model` makes a scoring model of it.
    """

    _handle: Any
    feature_names: list[str] | None
    summary: dict[str, Any]
    has_intercept: bool
    intercept: float
    intercept_se: float
    coef: npt.NDArray[np.float64]
    se: npt.NDArray[np.float64]
    _z: npt.NDArray[np.float64]       # the Wald tests (ristra_fit_wald), intercept first
    _p: npt.NDArray[np.float64]

    def __init__(self) -> None:
        raise TypeError("use ristra.fit_logistic(X, y)")

    @classmethod
    def _adopt(cls, handle: Any, feature_names: list[str] | None) -> LogisticFit:
        self = object.__new__(cls)
        self._handle = handle
        self.feature_names = feature_names
        lib = _lib.lib()
        s = _lib.FitSummary(version=_lib.FIT_SUMMARY_VERSION)
        _lib.check(lib.ristra_fit_describe(ctypes.byref(s), handle))
        self.summary = {name: getattr(s, name) for name, _ in s._fields_ if name != "version"}
        self.summary["solver"] = _SOLVER_NAMES.get(s.solver, str(s.solver))
        self.summary["has_intercept"] = bool(s.has_intercept)
        self.has_intercept = bool(s.has_intercept)
        self.intercept = s.intercept
        self.intercept_se = s.intercept_se
        self.coef = np.empty(s.n_cols)
        self.se = np.empty(s.n_cols)
        _lib.check(lib.ristra_fit_coefficients(self.coef.ctypes.data, self.se.ctypes.data, handle))
        n_terms = int(self.has_intercept) + s.n_cols   # the library's Wald tests, intercept first
        self._z, self._p = np.empty(n_terms), np.empty(n_terms)
        _lib.check(lib.ristra_fit_wald(self._z.ctypes.data, self._p.ctypes.data, handle))
        return self

    def close(self) -> None:
        """Frees the C fit now (the figures stay readable; to_model does not)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _lib.lib().ristra_fit_free(handle)

    def __enter__(self) -> LogisticFit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __repr__(self) -> str:
        return (f"<ristra.LogisticFit {len(self.coef)} features, deviance "
                f"{self.summary['deviance']:.6g}, {self.summary['iterations']} iterations>")

    @property
    def coefficients(self) -> Any:
        """A DataFrame like R's summary(glm)$coefficients: estimate,
        std_error, z and p (two-sided, normal: ristra_fit_wald) per term,
        the intercept first."""
        import pandas as pd
        names = self.feature_names or [f"x{j}" for j in range(len(self.coef))]
        est = ([self.intercept] if self.has_intercept else []) + list(self.coef)
        se = ([self.intercept_se] if self.has_intercept else []) + list(self.se)
        index = (["(Intercept)"] if self.has_intercept else []) + names
        return pd.DataFrame({"estimate": est, "std_error": se, "z": list(self._z),
                             "p": list(self._p)}, index=index)

    def to_model(self, *, name: str, outcome: str, horizon_days: int, intended_use: str,
                 model_version: str | None = None, population_description: str | None = None,
                 descriptions: Sequence[str | None] | None = None,
                 units: Sequence[str | None] | None = None, missing_policy: str = "reject",
                 training_range: bool = True, fitted_date: str | None = None) -> Model:
        """A native logistic Model scoring exactly this fit's linear
        predictor (ristra_fit_to_model). The fit needs feature names.

        name, outcome, horizon_days and intended_use are required: a model
        says what it predicts and what it is for. missing_policy "reject"
        (a scored patient with a missing value is not scored) or "impute"
        (the weighted training mean). training_range=True makes each
        feature's valid range the one seen in training.
        """
        if not self._handle:
            raise _invalid("the fit is closed")
        policy = (_lib.lib().ristra_missing_policy_from_string(missing_policy.encode())
                  if isinstance(missing_policy, str) and missing_policy != "native" else 0)
        if not policy:   # a fitted logistic model cannot leave a value missing
            raise _invalid(f'missing_policy must be "reject" or "impute", not {missing_policy!r}')
        n = len(self.coef)
        opts = _lib.FitModelOptions()
        _lib.check(_lib.lib().ristra_fit_model_options_init(ctypes.byref(opts),
                                                             _lib.FIT_MODEL_OPTIONS_VERSION))
        opts.name = _lib.text(name, "name")
        opts.model_version = _lib.text(model_version, "model_version")
        opts.outcome = _lib.text(outcome, "outcome")
        opts.horizon_days = int(horizon_days)
        opts.intended_use = _lib.text(intended_use, "intended_use")
        opts.population_description = _lib.text(population_description,
                                                 "population_description")
        keep = []
        for field, values in (("descriptions", descriptions), ("units", units)):
            if values is None:
                continue
            values = list(values)
            if len(values) != n:
                raise _invalid(f"{field} has {len(values)} entries for {n} features")
            arr = _lib.string_array(values, field)
            keep.append(arr)
            setattr(opts, field, ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p)))
        opts.missing_policy = policy
        opts.training_range = int(bool(training_range))
        opts.fitted_date = _lib.text(fitted_date, "fitted_date")
        out = _lib.ModelPointer()
        _lib.check(_lib.lib().ristra_fit_to_model(ctypes.byref(out), self._handle,
                                                  ctypes.byref(opts)))
        del keep
        return Model._adopt(out)


def fit_logistic(X: Any, y: Any, weights: Any = None, *, l2: float = 0.0,
                 feature_names: Sequence[str] | None = None, intercept: bool = True,
                 max_iter: int = 25, tol: float = 1e-8, n_threads: int = 1,
                 solver: str = "auto") -> LogisticFit:
    """Fits a logistic regression by maximum likelihood, as R's
    ``glm(y ~ ., family = binomial(), weights = weights)`` does (IRLS from
    R's starting values, R's convergence rule): the same coefficients and
    standard errors.

    X: a DataFrame (its columns, or those named in feature_names, by name)
    or a 2-D array (rows x features). Every value must be finite: a NaN or
    infinity raises InvalidArgumentError naming its row and column. y: 0/1
    outcomes (or proportions in [0, 1] with trial-count weights). weights:
    case weights >= 0, or None for all 1.

    l2 >= 0 adds lambda/2 * sum(b_j^2) over the feature coefficients (never
    the intercept): scikit-learn's LogisticRegression(C = 1/l2).
    intercept=False fits y ~ . - 1. n_threads: 1 (default) or more, 0 one
    per CPU; the result is the same for every count. solver "auto"
    (Cholesky, QR when ill-conditioned) or "qr".

    Where R would give NA coefficients or warnings (aliased or constant
    columns, separation, no convergence) this raises NumericError naming
    the columns. The GIL is released while fitting.

    Returns a LogisticFit; ``fit.to_model(name=..., outcome=...,
    horizon_days=..., intended_use=...)`` makes a scoring Model of it.
    """
    if solver not in _SOLVERS:
        raise _invalid(f'solver must be "auto" or "qr", not {solver!r}')
    block, stride, names = _design(X, feature_names)
    n_rows, n_cols = block.shape
    yv = _vector(y, n_rows, "y")
    wv = _vector(weights, n_rows, "weights") if weights is not None else None
    lib = _lib.lib()
    opts = _lib.FitOptions()
    _lib.check(lib.ristra_fit_options_init(ctypes.byref(opts), _lib.FIT_OPTIONS_VERSION))
    opts.intercept = int(bool(intercept))
    opts.l2 = float(l2)
    opts.max_iter = int(max_iter)
    opts.tol = float(tol)
    opts.n_threads = int(n_threads)
    opts.solver = _SOLVERS[solver]
    keep = None
    if names is not None:
        keep = _lib.string_array(names, "feature_names")
        opts.feature_names = ctypes.cast(keep, ctypes.POINTER(ctypes.c_char_p))
    out = _lib.FitPointer()
    _lib.check(lib.ristra_fit_logistic(ctypes.byref(out), block.ctypes.data, n_rows, n_cols,
                                       stride, yv.ctypes.data,
                                       wv.ctypes.data if wv is not None else None,
                                       ctypes.byref(opts)))
    del keep
    return LogisticFit._adopt(out, names)
