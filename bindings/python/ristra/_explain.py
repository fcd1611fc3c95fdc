"""Explanations: each patient's log-odds split into one contribution per
feature and a bias (ristra_model_explain, include/ristra/explain.h)."""
from __future__ import annotations

import ctypes
import sys
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from . import _lib

if TYPE_CHECKING:
    from ._model import Model


def contributions(model: Model, X: Any, n_threads: int = 0) -> npt.NDArray[Any]:
    """rows x (n_features + 1) float64 contributions, the bias last; NaN rows
    for patients that were not scored."""
    from ._model import _FLOAT32, _FLOAT64, _as_block
    lib = _lib.lib()
    block, row_stride, col_stride = _as_block(X, model)
    n_rows, n_cols = block.shape
    out = np.empty((n_rows, n_cols + 1), dtype=np.float64)
    opts = _lib.ExplainOptions()
    _lib.check(lib.ristra_explain_options_init(ctypes.byref(opts), _lib.EXPLAIN_OPTIONS_VERSION))
    opts.n_threads = n_threads
    _lib.check(lib.ristra_model_explain(
        out.ctypes.data, None, model._ptr, block.ctypes.data,
        _FLOAT32 if block.dtype == np.float32 else _FLOAT64, n_rows, n_cols, row_stride,
        col_stride, ctypes.byref(opts)))
    return out


def explain(model: Model, X: Any, n_threads: int = 0) -> Any:
    """The contributions as a pandas DataFrame: one column per feature and
    "bias"; the index of X when X is a DataFrame."""
    import pandas as pd
    values = contributions(model, X, n_threads)
    pd_mod = sys.modules.get("pandas")
    index = X.index if pd_mod is not None and isinstance(X, pd_mod.DataFrame) else None
    return pd.DataFrame(values, columns=[*model.feature_names, "bias"], index=index)
