"""The collected population (ristra_population_collect): the rows of a
population file that the reader and the model accept, with their margins,
risks and outcomes, the practices in code order and the standard
groupings, all computed by libristra. ``ristra fit``, ``evaluate`` and
``calibrate`` read their files through the same call."""
from __future__ import annotations

import ctypes
import enum
import os
from typing import Any, Sequence

import numpy as np
import numpy.typing as npt

from . import _lib
from ._errors import RISTRA_EINVAL, error_for
from ._model import Model, PathLike

OUTCOME_UNKNOWN = 2   # RISTRA_OUTCOME_UNKNOWN (include/ristra/collect.h)
GROUP_UNKNOWN = -2**31   # RISTRA_GROUP_UNKNOWN (include/ristra/audit.h)


class Grouping(enum.IntEnum):
    """enum ristra_grouping (include/ristra/audit.h): how a column's value
    becomes a group, by the library's rules."""
    AGE_BAND = 1
    SEX = 2
    DEPRIVATION_DECILE = 3
    DEPRIVATION_QUINTILE = 4
    VALUE = 5


def group_name(grouping: int, label: int) -> str:
    """The library's name of a group ("65-74", "female", "quintile 1")."""
    buf = ctypes.create_string_buffer(64)
    _lib.check(_lib.lib().ristra_group_name(buf, 64, int(grouping), int(label)))
    return buf.value.decode()
_LEFT_OUT = {"missing_value": 0, "missing_extra": 1, "no_outcome": 2}   # enum ristra_left_out


def _array(ptr: Any, ctype: Any, count: int, dtype: Any) -> npt.NDArray[Any]:
    if count == 0 or not ptr:
        return np.empty(0, dtype=dtype)
    raw = ctypes.cast(ptr, ctypes.POINTER(ctype))
    return np.ctypeslib.as_array(raw, shape=(count,)).astype(dtype, copy=True)


class Collected:
    """What :func:`collect` read: numpy arrays of the n used rows, in file
    order, copied out of the library.

    ``risk`` and ``margin`` (with a model; else None), ``outcome`` (uint8:
    0, 1, or OUTCOME_UNKNOWN when kept), ``practice`` (int32 index into
    ``practice_codes``, which are in code order), ``values`` (n x columns,
    when keep_values), ``extra`` (n x extra columns), ``n_read``,
    ``rejected`` (status word -> rows) and ``left_out`` (reason -> rows).
    """

    def __init__(self, handle: Any, extra_names: list[str]) -> None:
        lib = _lib.lib()
        self._handle = handle
        self.extra_names = extra_names
        n = int(lib.ristra_collected_n_rows(handle))
        k = int(lib.ristra_collected_n_cols(handle))
        self.n_read = int(lib.ristra_collected_n_read(handle))
        risk = lib.ristra_collected_risk(handle)
        self.risk = _array(risk, ctypes.c_double, n, np.float64) if risk else None
        margin = lib.ristra_collected_margin(handle)
        self.margin = _array(margin, ctypes.c_double, n, np.float64) if margin else None
        self.outcome = _array(lib.ristra_collected_outcome(handle), ctypes.c_uint8, n, np.uint8)
        self.practice = _array(lib.ristra_collected_practice(handle), ctypes.c_int32, n, np.int32)
        self.practice_codes = [lib.ristra_collected_practice_code(handle, i).decode()
                               for i in range(lib.ristra_collected_n_practices(handle))]
        values = lib.ristra_collected_values(handle)
        self.values = (_array(values, ctypes.c_double, n * k, np.float64).reshape(n, k)
                       if values else None)
        e = len(extra_names)
        self.extra = _array(lib.ristra_collected_extra(handle), ctypes.c_double, n * e,
                            np.float64).reshape(n, e)
        self.rejected = {}
        for status in range(1, 32):
            count = int(lib.ristra_collected_n_rejected(handle, status))
            if count:
                self.rejected[lib.ristra_row_status_string(status).decode()] = count
        self.left_out = {name: int(lib.ristra_collected_n_left_out(handle, code))
                         for name, code in _LEFT_OUT.items()}

    def group(self, grouping: int, column: str) -> npt.NDArray[Any]:
        """Each row's label in one of the library's standard groupings (a
        :class:`Grouping`) of an extra column (ristra_collected_group);
        GROUP_UNKNOWN for a row that fits no group. :func:`group_name`
        names a label."""
        if not self._handle:
            raise error_for(RISTRA_EINVAL, "the collection is closed")
        out = np.empty(len(self.practice), dtype=np.int32)
        _lib.check(_lib.lib().ristra_collected_group(out.ctypes.data, self._handle,
                                                     int(grouping), column.encode()))
        return out

    def close(self) -> None:
        handle, self._handle = getattr(self, "_handle", None), None
        if handle:
            _lib.lib().ristra_collected_free(handle)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def __repr__(self) -> str:
        return (f"<ristra.Collected {len(self.practice)} of {self.n_read} rows, "
                f"{len(self.practice_codes)} practices>")


def collect(input: PathLike, model: Model | None = None, *,
            columns: Sequence[str] | None = None, extra_columns: Sequence[str] | None = None,
            outcome_column: str | None = "emergency_admission_next_12m",
            required_extra: int = 0, keep_values: bool = False,
            keep_unknown_outcome: bool = False, id_kind: str = "nhs",
            id_column: str | None = None, practice_column: str = "practice",
            threads: int = 0) -> Collected:
    """Reads a population file through ristra_population_collect, the call
    behind ``ristra fit``, ``evaluate`` and ``calibrate``: with a model the
    rows are read against its features and scored; without one, the named
    columns are read and a row with an empty value is left out. A row is
    used when the reader (and the model) accept it, its first
    required_extra extra columns are present and its outcome is known (or
    keep_unknown_outcome). Raises the library's errors, naming the file.
    """
    from ._population import _population_options
    opts, keep, _, extra = _population_options(
        model, columns, extra_columns, id_column, practice_column, outcome_column, False, True,
        threads, 0, id_kind)
    co = _lib.CollectOptions()
    lib = _lib.lib()
    _lib.check(lib.ristra_collect_options_init(ctypes.byref(co), _lib.COLLECT_OPTIONS_VERSION))
    co.population = ctypes.pointer(opts)
    co.keep_values = int(bool(keep_values))
    co.n_required_extra = int(required_extra)
    co.keep_unknown_outcome = int(bool(keep_unknown_outcome))
    co.n_threads = int(threads)
    out = _lib.CollectedPointer()
    _lib.check(lib.ristra_population_collect(ctypes.byref(out), os.fsencode(input),
                                             model._ptr if model is not None else None,
                                             ctypes.byref(co)), os.fsdecode(input))
    del keep
    return Collected(out, extra)
