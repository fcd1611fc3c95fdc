"""ctypes access to ristra_fit_logistic() in libristra.so (RISTRA_LIBRARY),
shared by the R parity test and benchmarks/bench_fit.py until the Python
package exists."""
import ctypes
import os
import pathlib
import subprocess

import numpy as np

SOURCE = pathlib.Path(os.environ.get("RISTRA_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
R_SCRIPT = pathlib.Path(__file__).resolve().parent / "glm_reference.R"

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


# ------------------------------------------------------------ R's glm, through
# glm_reference.R (shared with tests/cli/test_fit_cli.py)

def parse_r(text):
    out = {"names": [], "coef": [], "se": [], "warnings": []}
    for line in text.splitlines():
        key, _, rest = line.strip().partition(" ")
        rest = rest.strip()
        if key == "coef":
            name, est, se = rest.rsplit(None, 2)  # R's names may hold spaces
            out["names"].append(name)
            out["coef"].append(float("nan") if est == "NA" else float(est))
            out["se"].append(float("nan") if se == "NA" else float(se))
        elif key == "warning":
            out["warnings"].append(rest)
        elif key in ("deviance", "null_deviance", "aic", "seconds"):
            out[key] = float(rest)
        elif key in ("iter", "n", "p"):
            out[key] = int(rest)
        elif key == "converged":
            out[key] = rest == "TRUE"
    out["coef"], out["se"] = np.array(out["coef"]), np.array(out["se"])
    return out


def rscript(*args):
    proc = subprocess.run(["Rscript", "--vanilla", str(R_SCRIPT), *map(str, args)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, f"Rscript {' '.join(map(str, args))} failed:\n{proc.stderr}"
    return parse_r(proc.stdout)


def write_case(d, X, y, w=None, intercept=True, maxit=25):
    d.mkdir(parents=True, exist_ok=True)
    np.ascontiguousarray(X, dtype="<f8").tofile(d / "x.bin")
    np.ascontiguousarray(y, dtype="<f8").tofile(d / "y.bin")
    if w is not None:
        np.ascontiguousarray(w, dtype="<f8").tofile(d / "w.bin")
    (d / "meta.txt").write_text(f"n p intercept maxit\n{X.shape[0]} {X.shape[1]} "
                                f"{int(intercept)} {maxit}\n")


def glm(tmp_path, X, y, w=None, intercept=True, maxit=25):
    write_case(tmp_path, X, y, w, intercept, maxit)
    return rscript("fit", tmp_path)
