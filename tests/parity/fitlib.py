"""ctypes access to ristra_fit_logistic() in libristra.so (RISTRA_LIBRARY),
shared by the R parity test and benchmarks/bench_fit.py until the Python
package exists."""
import ctypes
import os
import pathlib

import numpy as np

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))

SOLVER_AUTO, SOLVER_CHOLESKY, SOLVER_QR = 0, 1, 2
EINVAL, ENUMERIC = -2, -9


class FitOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("intercept", ctypes.c_int), ("l2", ctypes.c_double),
                ("max_iter", ctypes.c_int), ("tol", ctypes.c_double), ("n_threads", ctypes.c_int),
                ("solver", ctypes.c_int), ("feature_names", ctypes.POINTER(ctypes.c_char_p))]


class FitSummary(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("n_cols", ctypes.c_int64),
                ("has_intercept", ctypes.c_int), ("intercept", ctypes.c_double),
                ("intercept_se", ctypes.c_double), ("n_rows", ctypes.c_int64),
                ("n_used", ctypes.c_int64), ("sum_weights", ctypes.c_double),
                ("events", ctypes.c_double), ("deviance", ctypes.c_double),
                ("null_deviance", ctypes.c_double), ("aic", ctypes.c_double),
                ("df_residual", ctypes.c_int64), ("df_null", ctypes.c_int64),
                ("iterations", ctypes.c_int), ("last_change", ctypes.c_double),
                ("l2", ctypes.c_double), ("solver", ctypes.c_int)]


def library_path():
    env = os.environ.get("RISTRA_LIBRARY")
    if env:
        return env
    return str(SOURCE / "build" / "libristra.so")


def load(path=None):
    lib = ctypes.CDLL(path or library_path())
    dp = ctypes.POINTER(ctypes.c_double)
    lib.ristra_fit_options_init.argtypes = [ctypes.POINTER(FitOptions), ctypes.c_int]
    lib.ristra_fit_logistic.argtypes = [ctypes.POINTER(ctypes.c_void_p), dp, ctypes.c_int64,
                                        ctypes.c_int64, ctypes.c_int64, dp, dp,
                                        ctypes.POINTER(FitOptions)]
    lib.ristra_fit_describe.argtypes = [ctypes.POINTER(FitSummary), ctypes.c_void_p]
    lib.ristra_fit_coefficients.argtypes = [dp, dp, ctypes.c_void_p]
    lib.ristra_fit_free.argtypes = [ctypes.c_void_p]
    lib.ristra_fit_free.restype = None
    lib.ristra_last_error.restype = ctypes.c_char_p
    return lib


class FitError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _ptr(a):
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_double)) if a is not None else None


def fit(lib, X, y, weights=None, intercept=True, l2=0.0, max_iter=25, tol=1e-8, n_threads=1,
        solver=SOLVER_AUTO, names=None):
    """Fits; returns a dict with the intercept, coefficients, standard
    errors and the summary fields. Raises FitError on failure."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    n, p = X.shape
    y = np.ascontiguousarray(y, dtype=np.float64)
    w = None if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    opts = FitOptions()
    assert lib.ristra_fit_options_init(ctypes.byref(opts), 1) == 0
    opts.intercept, opts.l2, opts.max_iter, opts.tol = int(intercept), l2, max_iter, tol
    opts.n_threads, opts.solver = n_threads, solver
    if names is not None:
        arr = (ctypes.c_char_p * p)(*[s.encode() for s in names])
        opts.feature_names = ctypes.cast(arr, ctypes.POINTER(ctypes.c_char_p))
    handle = ctypes.c_void_p()
    rc = lib.ristra_fit_logistic(ctypes.byref(handle), _ptr(X), n, p, p, _ptr(y), _ptr(w),
                                 ctypes.byref(opts))
    if rc != 0:
        raise FitError(rc, lib.ristra_last_error().decode())
    try:
        summ = FitSummary()
        summ.version = 1
        assert lib.ristra_fit_describe(ctypes.byref(summ), handle) == 0
        coef, se = np.empty(p), np.empty(p)
        assert lib.ristra_fit_coefficients(_ptr(coef), _ptr(se), handle) == 0
    finally:
        lib.ristra_fit_free(handle)
    out = {name: getattr(summ, name) for name, _ in FitSummary._fields_}
    out.update(coef=coef, se=se)
    return out
