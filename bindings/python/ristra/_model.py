"""ristra.Model: a loaded model, over ristra_model_* and ristra_model_score."""
from __future__ import annotations

import ctypes
import enum
import json
import os
import sys
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Union, overload

import numpy as np
import numpy.typing as npt

from . import _lib
from ._errors import RISTRA_EINVAL, RISTRA_ENOTFOUND, error_for
from ._sklearn import ClassifierMixin

PathLike = Union[str, "os.PathLike[str]"]

_FLOAT32, _FLOAT64 = 1, 2                            # enum ristra_dtype
_RECALIBRATE_METHODS = {"intercept": 1, "logistic": 2}  # enum ristra_recalibrate_method


class RowStatus(enum.IntEnum):
    """Per-row status of a scored row (enum ristra_row_status, pinned values).
    A row with a non-zero status was not scored: its outputs are NaN."""

    OK = 0
    MISSING = 1
    OUT_OF_RANGE = 2
    NOT_NUMERIC = 3
    BAD_NHS_NUMBER = 4
    FIELD_COUNT = 5
    DUPLICATE = 6
    BAD_PRACTICE = 7
    BAD_OUTCOME = 8
    NOT_FINITE = 9
    INSUFFICIENT_DATA = 10
    BAD_PSEUDONYM = 11


def row_status_string(status: int) -> str:
    """libristra's short description of a row status, e.g. "value out of range"."""
    text: bytes = _lib.lib().ristra_row_status_string(int(status))
    return text.decode()


@dataclass(frozen=True)
class Feature:
    """One input column of a model (ristra_feature_info)."""

    name: str
    description: str
    unit: str
    valid_min: float
    """Values below are rejected; -inf when unbounded."""
    valid_max: float
    """Values above are rejected; +inf when unbounded."""
    missing_policy: str
    """What a missing value (NaN) does: "impute", "reject" or "native"."""
    impute_value: float | None
    """The value imputed for a missing one (policy "impute"), else None."""
    required: bool = False
    """A missing value rejects the row (always so for policy "reject")."""


@dataclass(frozen=True)
class Trees:
    """Summary of a gbdt model's trees (all zero for other kinds)."""

    n_trees: int
    max_depth: int
    n_nodes: int
    n_categorical: int


class Calibration(NamedTuple):
    """A model's calibration block (:attr:`Model.calibration`):
    probability = 1 / (1 + exp(-(intercept + slope * margin)))."""

    intercept: float
    slope: float


def _invalid(message: str) -> Exception:
    return error_for(RISTRA_EINVAL, message)


def _save_options(gzip: bool | None, indent: int) -> _lib.SaveOptions:
    """gzip None: the library's default (gzip when the path ends in .gz)."""
    opts = _lib.SaveOptions()
    _lib.check(_lib.lib().ristra_save_options_init(ctypes.byref(opts), _lib.SAVE_OPTIONS_VERSION))
    if gzip is not None:
        opts.gzip = int(bool(gzip))
    opts.indent = int(indent)
    return opts


class Model(ClassifierMixin):
    _handle: Any
    _names: tuple[str, ...] | None
    _source: bytes | None

    """A loaded risk model: immutable, safe to score from many threads at once.

    Make one with :meth:`Model.load` or :meth:`Model.from_bytes` (or
    ``Model(source=data)``, which scikit-learn's clone uses). The C handle
    is freed by :meth:`close`, by leaving a ``with`` block, or when the object
    is garbage-collected; close only when no other thread is using the model.

    It is also a fitted scikit-learn classifier (``predict_proba``,
    ``classes_``, ``n_features_in_``, ``feature_names_in_``).
    """

    def __init__(self, source: bytes | None = None) -> None:
        if source is None:
            raise TypeError("use ristra.Model.load(path) or ristra.Model.from_bytes(data)")
        loaded = Model.from_bytes(source)
        self._handle, loaded._handle = loaded._handle, None
        self._names = None
        self._source = source

    @classmethod
    def _adopt(cls, handle: Any) -> Model:
        self = object.__new__(cls)
        self._handle = handle
        self._names = None
        self._source = None
        return self

    @classmethod
    def load(cls, path: PathLike) -> Model:
        """Loads a native model file (JSON, or gzip-compressed JSON).

        Raises FileError (cannot read; also an OSError), FormatError
        (malformed: the message names the file and the line/column or JSON
        path), VersionError, UnsupportedError.

        >>> import ristra
        >>> model = ristra.Model.load("models/demo_logistic.json")
        >>> model.kind, model.n_features
        ('logistic', 18)
        >>> ristra.Model.load("no/such/model.json")
        Traceback (most recent call last):
        ...
        ristra._errors.FileError: no/such/model.json: cannot open: No such file or directory
        """
        out = _lib.ModelPointer()
        _lib.check(_lib.lib().ristra_model_load(ctypes.byref(out), os.fsencode(path)),
                   os.fsdecode(path))
        return cls._adopt(out)

    @classmethod
    def from_bytes(cls, data: bytes, source_name: str = "<bytes>") -> Model:
        """Loads a model from a native model file's bytes (plain or gzip);
        source_name is used in error messages."""
        data = bytes(data)
        out = _lib.ModelPointer()
        _lib.check(_lib.lib().ristra_model_load_buffer(ctypes.byref(out), data, len(data),
                                                       source_name.encode()))
        return cls._adopt(out)

    @classmethod
    def from_xgboost(cls, src: Any, feature_names: Any = None, **metadata: Any) -> Model:
        """Imports an XGBoost model (a file, its bytes, or a Booster); the
        same as :func:`ristra.convert_xgboost` without saving."""
        from ._xgboost import convert_xgboost
        return convert_xgboost(src, None, feature_names, **metadata)

    def close(self) -> None:
        """Frees the C model now (idempotent)."""
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _lib.lib().ristra_model_free(handle)

    def __enter__(self) -> Model:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the module may be gone
            pass

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        # Pickled as its native bytes, so models travel to worker processes (Dask, multiprocessing).
        return (Model.from_bytes, (self.to_bytes(),))

    @property
    def _ptr(self) -> Any:
        if not self._handle:
            raise _invalid("the model is closed")
        return self._handle

    def save(self, path: PathLike, *, gzip: bool | None = None, indent: int = 0) -> None:
        """Writes the model in the native format (atomically: a temporary file
        renamed over path), gzip-compressed when path ends in ".gz" (gzip
        None, the library's rule) or when gzip is True. indent=0 writes
        compact JSON."""
        opts = _save_options(gzip, indent)
        _lib.check(_lib.lib().ristra_model_save(self._ptr, os.fsencode(path), ctypes.byref(opts)))

    def to_bytes(self, *, gzip: bool = False, indent: int = 0) -> bytes:
        """The model in the native format, as bytes."""
        lib = _lib.lib()
        opts = _save_options(gzip, indent)
        buf, size = ctypes.c_void_p(), ctypes.c_size_t()
        _lib.check(lib.ristra_model_save_buffer(ctypes.byref(buf), ctypes.byref(size), self._ptr,
                                                ctypes.byref(opts)))
        try:
            return ctypes.string_at(buf.value or 0, size.value)
        finally:
            lib.ristra_free(buf)

    @property
    def kind(self) -> str:
        """"logistic" or "gbdt"."""
        lib = _lib.lib()
        return str(lib.ristra_model_kind_string(lib.ristra_model_kind(self._ptr)).decode())

    @property
    def n_features(self) -> int:
        return int(_lib.lib().ristra_model_n_features(self._ptr))

    def feature_index(self, name: str) -> int:
        """Position of the named feature; NotFoundError if the model has none."""
        return int(_lib.check(_lib.lib().ristra_model_feature_index(self._ptr, name.encode())))

    def feature(self, index: int) -> Feature:
        """Description of feature number index."""
        info = _lib.FeatureInfo(version=_lib.FEATURE_INFO_VERSION)
        _lib.check(_lib.lib().ristra_model_feature(ctypes.byref(info), self._ptr, index))
        policy = str(_lib.lib().ristra_missing_policy_string(info.missing_policy).decode())
        return Feature(name=info.name.decode(), description=info.description.decode(),
                       unit=info.unit.decode(), valid_min=info.valid_min, valid_max=info.valid_max,
                       missing_policy=policy,
                       impute_value=info.impute_value if policy == "impute" else None,
                       required=bool(info.required))

    @property
    def features(self) -> list[Feature]:
        """The model's input columns, in the order a NumPy block must have."""
        return [self.feature(i) for i in range(self.n_features)]

    @property
    def feature_names(self) -> list[str]:
        # Cached: the model is immutable and DataFrame scoring needs the names on every call.
        names = self._names
        if names is None:
            names = self._names = tuple(f.name for f in self.features)
        return list(names)

    @property
    def metadata(self) -> dict[str, Any]:
        """The model's metadata object (name, version, outcome, horizon, ...)."""
        text: bytes = _lib.lib().ristra_model_metadata(self._ptr)
        metadata: dict[str, Any] = json.loads(text.decode())
        return metadata

    @property
    def min_present(self) -> int:
        """Rows with fewer features present are not scored (INSUFFICIENT_DATA); 0: no minimum."""
        return int(_lib.lib().ristra_model_min_present(self._ptr))

    @property
    def trees(self) -> Trees:
        """Summary of a gbdt model's trees (zeros for a logistic model)."""
        s = _lib.TreeSummary(version=_lib.TREE_SUMMARY_VERSION)
        _lib.check(_lib.lib().ristra_model_trees(ctypes.byref(s), self._ptr))
        return Trees(s.n_trees, s.max_depth, s.n_nodes, s.n_categorical)

    @property
    def n_trees(self) -> int:
        return self.trees.n_trees

    @property
    def max_depth(self) -> int:
        return self.trees.max_depth

    @property
    def calibration(self) -> Calibration | None:
        """The model's calibration block, Calibration(intercept, slope), or
        None when it has none (its probability is the link of the margin)."""
        c = _lib.CalibrationBlock(version=_lib.CALIBRATION_VERSION)
        _lib.check(_lib.lib().ristra_model_calibration(ctypes.byref(c), self._ptr))
        return Calibration(c.intercept, c.slope) if c.present else None

    def recalibrate(self, X: Any, outcome: Any, method: str = "intercept", *, population: str,
                    date: str | None = None, model_version: str | None = None,
                    n_threads: int = 0) -> Model:
        """Refits the model's calibration block on local outcomes and returns
        the recalibrated model (a new Model; this one is unchanged), as
        ``ristra calibrate`` does (the same library function,
        ristra_model_recalibrate).

        X: the local patients, as for :meth:`predict`; every row must score
        (keep the rows with status 0, e.g. of :func:`ristra.read_population`,
        and a known outcome). outcome: one 0/1 (or bool) per row.

        method: "intercept" shifts the log-odds so that the model expects as
        many events as were observed (R: glm(y ~ 1 + offset(logit(p)),
        binomial)); "logistic" fits a new intercept and slope on the log-odds
        (R: glm(y ~ logit(p), binomial)). The fit is composed with the
        model's current calibration block.

        population: the population whose outcomes were used, in words
        (required; recorded in metadata["recalibration"]). date: "YYYY-MM-DD"
        or "YYYY-MM-DDThh:mm:ssZ" recorded as the date (None: now, UTC).
        model_version: the new model's metadata version (None: unchanged).

        Raises InvalidArgumentError (an unknown method, a row that did not
        score, an outcome other than 0 or 1, a bad date, no population) and
        NumericError when no finite fit exists (no events or no non-events;
        for "logistic" also outcomes separated by the risk, or a slope that
        is not positive), with the library's message.
        """
        code = _RECALIBRATE_METHODS.get(method) if isinstance(method, str) else None
        if code is None:
            raise _invalid(f'method must be "intercept" or "logistic", not {method!r}')
        margin, status = self.predict(X, output="margin", return_status=True,
                                      n_threads=n_threads)
        from ._evaluate import _outcome_bytes
        y = _outcome_bytes(outcome, margin.shape[0], per="row of X")
        unscored = np.flatnonzero(status)
        if unscored.size:
            row = int(unscored[0])
            raise _invalid(f"rows of X not scored: {unscored.size} of {status.shape[0]}, the "
                           f"first row {row} (counting from 0): {row_status_string(status[row])}; "
                           "recalibrate on the rows that score only")
        lib = _lib.lib()
        opts = _lib.RecalibrateOptions()
        _lib.check(lib.ristra_recalibrate_options_init(ctypes.byref(opts),
                                                       _lib.RECALIBRATE_OPTIONS_VERSION))
        opts.population_description = _lib.text(population, "population")
        opts.date = _lib.text(date, "date")
        opts.model_version = _lib.text(model_version, "model_version")
        out = _lib.ModelPointer()
        _lib.check(lib.ristra_model_recalibrate(ctypes.byref(out), self._ptr, margin.ctypes.data,
                                                y.ctypes.data, margin.shape[0], code,
                                                ctypes.byref(opts)))
        return Model._adopt(out)

    def explain(self, X: Any, n_threads: int = 0) -> Any:
        """Splits each row's log-odds into one contribution per feature and a
        bias: a pandas DataFrame with the feature names and "bias" as
        columns (X's index when X is a DataFrame); each row sums to the
        log-odds of predict(X) (the calibrated one). gbdt models: exact
        TreeSHAP, XGBoost's pred_contribs; logistic models: coefficient x
        (value - the training mean recorded by ristra fit). Rows that were
        not scored are NaN. Raises UnsupportedError for a model that cannot
        be explained (no node covers, no reference values), with the
        library's message. See include/ristra/explain.h."""
        from ._explain import explain
        return explain(self, X, n_threads)

    def __repr__(self) -> str:
        if not self._handle:
            return "<ristra.Model (closed)>"
        name = self.metadata.get("name", "")
        return f"<ristra.Model {self.kind}, {self.n_features} features, {name!r}>"

    @overload
    def predict(self, X: Any, output: Literal["probability", "margin"] = ...,
                *, return_status: Literal[False] = ..., n_threads: int = ...) -> npt.NDArray[Any]: ...

    @overload
    def predict(self, X: Any, output: Literal["probability", "margin"] = ...,
                *, return_status: Literal[True], n_threads: int = ...
                ) -> tuple[npt.NDArray[Any], npt.NDArray[Any]]: ...

    def predict(self, X: Any, output: str = "probability", *, return_status: bool = False,
                n_threads: int = 0) -> npt.NDArray[Any] | tuple[npt.NDArray[Any], npt.NDArray[Any]]:
        """Scores a block of patients.

        X is either
          * a pandas DataFrame, whose columns are matched to the model's
            features by name (extra columns are ignored; NotFoundError names
            every missing one; pandas NA and None count as missing), or
          * a 2-D array (rows x features, in the order of feature_names).
            A float32 or float64 NumPy array whose rows are contiguous (C
            order, or C-order rows with padding between them) is passed to
            libristra without a copy; anything else is converted once to a
            C-contiguous float64 array.
        NaN means missing and follows each feature's missing policy.

        output: "probability" (calibrated, after the link), "margin" (the
        raw log-odds) or "contrib": a rows x (n_features + 1) array of
        contributions, the bias last, as Model.explain() (rows sum to the
        calibrated log-odds; XGBoost's pred_contribs for gbdt models).

        n_threads: threads to split the rows over; 0 (the default here, for
        notebooks and batch jobs) means one per available CPU, 1 scores on
        the calling thread only (the C library's own default, right inside a
        server that already runs one request per thread).

        The GIL is released while libristra scores, so other Python threads
        run meanwhile.

        Returns a float64 array with one value per row, NaN for rows that
        were not scored; with return_status=True, also an int32 array of
        RowStatus values saying why.
        """
        if output == "contrib" and not return_status:
            from ._explain import contributions
            return contributions(self, X, n_threads)
        if output not in ("probability", "margin"):
            raise _invalid('output must be "probability", "margin" or "contrib" (without '
                           f'return_status), not {output!r}')
        lib = _lib.lib()
        ptr = self._ptr
        block, row_stride, col_stride = _as_block(X, self)
        n_rows, n_cols = block.shape
        values = np.empty(n_rows, dtype=np.float64)
        status = np.empty(n_rows, dtype=np.int32) if return_status else None
        opts = _lib.ScoreOptions()
        _lib.check(lib.ristra_score_options_init(ctypes.byref(opts), _lib.SCORE_OPTIONS_VERSION))
        opts.n_threads = n_threads
        out = values.ctypes.data
        _lib.check(lib.ristra_model_score(
            out if output == "probability" else None, out if output == "margin" else None,
            status.ctypes.data if status is not None else None, ptr, block.ctypes.data,
            _FLOAT32 if block.dtype == np.float32 else _FLOAT64, n_rows, n_cols, row_stride,
            col_stride, ctypes.byref(opts)))
        return (values, status) if status is not None else values


def _as_block(X: Any, model: Model) -> tuple[npt.NDArray[Any], int, int]:
    """X as a 2-D float32/float64 array and its row and column strides in
    elements; no copy when X already is one, in C or Fortran order (or any
    other layout whose elements do not overlap)."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(X, pd.DataFrame):
        block, _ = _frame_block(X, model.feature_names, order="F")
        return block, 1, block.shape[0]
    try:
        arr = X if isinstance(X, np.ndarray) else np.asarray(X)
    except (TypeError, ValueError) as e:
        raise _invalid(f"X cannot be read as an array: {e}") from None
    if arr.ndim != 2:
        raise _invalid(f"X must be 2-D (rows x features), not {arr.ndim}-D; "
                       "for one patient use X.reshape(1, -1)")
    strides = _element_strides(arr)
    if strides is not None:
        return arr, strides[0], strides[1]
    target = arr.dtype.type if arr.dtype.type in (np.float32, np.float64) else np.float64
    try:
        arr = np.ascontiguousarray(arr, dtype=target)
    except (TypeError, ValueError) as e:
        raise _invalid(f"X ({arr.dtype}) cannot be converted to {np.dtype(target)}: {e}") from None
    return arr, arr.shape[1], 1


def _element_strides(arr: npt.NDArray[Any]) -> tuple[int, int] | None:
    """(row stride, column stride) in elements if libristra can read arr as it
    is (ristra_model_score's rule: both >= 1, no two elements at one
    address), else None."""
    if arr.dtype.type not in (np.float32, np.float64) or not arr.dtype.isnative \
            or not arr.flags.aligned:
        return None
    rows, cols = arr.shape
    item = arr.itemsize
    rs, cs = arr.strides
    if cols <= 1:
        cs = item               # one column: its stride is never used
    if rows <= 1:
        rs = max(cols, 1) * cs  # one row: likewise
    if rs <= 0 or cs <= 0 or rs % item or cs % item:
        return None
    rs, cs = rs // item, cs // item
    if rs // cs < cols and cs // rs < rows:
        return None
    return rs, cs


def _row_stride(arr: npt.NDArray[Any]) -> int | None:
    """The row stride (elements) if libristra can read arr as it is, else None."""
    if arr.dtype.type not in (np.float32, np.float64) or not arr.dtype.isnative \
            or not arr.flags.aligned:
        return None
    rows, cols = arr.shape
    item = arr.itemsize
    if cols > 1 and arr.strides[1] != item:
        return None
    if rows <= 1:
        return cols
    if arr.strides[0] % item or arr.strides[0] < cols * item:
        return None
    return arr.strides[0] // item


def _frame_block(df: Any, names: list[str], order: Literal["C", "F"] = "C") -> tuple[npt.NDArray[Any], int]:
    """The model's columns of a DataFrame, by name, as one float64 block (in
    C or Fortran order), and its row stride."""
    missing = [n for n in names if n not in df.columns]
    if missing:
        raise error_for(RISTRA_ENOTFOUND,
                        f"the DataFrame lacks {len(missing)} of the model's {len(names)} "
                        f"features: {', '.join(missing)}")
    block = np.empty((len(df), len(names)), dtype=np.float64, order=order)
    for j, name in enumerate(names):
        column = df[name]
        if getattr(column, "ndim", 1) != 1:
            raise _invalid(f"the DataFrame has more than one column named {name!r}")
        values = column.to_numpy()
        if values.dtype.kind not in "fiub":   # extension and object columns: NA -> NaN
            try:
                values = column.to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as e:
                raise _invalid(f"column {name!r} ({column.dtype}) is not numeric: {e}") from None
        block[:, j] = values
    return block, len(names)
