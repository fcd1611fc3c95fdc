"""ctypes access to ristra_evaluate() (include/ristra/evaluate.h) for the
parity tests and the benchmark: the structs mirror the header field by field.
"""
import ctypes
import os

import numpy as np

MAX_CUT_POINTS = 16
OVERALL = -1
FLAG_WITHIN_GROUP = 1
FLAG_OVERALL = 2


class Options(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("n_cut_points", ctypes.c_int64),
                ("cut_points", ctypes.POINTER(ctypes.c_double)),
                ("n_bins", ctypes.c_int),
                ("confidence_level", ctypes.c_double),
                ("flag_scope", ctypes.c_int),
                ("n_threads", ctypes.c_int)]


class GroupSummary(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("label", ctypes.c_int32),
                ("n", ctypes.c_int64),
                ("events", ctypes.c_int64)] + [
        (name, ctypes.c_double) for name in (
            "observed_rate", "mean_risk", "expected", "oe_ratio", "auroc",
            "auroc_variance", "auroc_ci_lower", "auroc_ci_upper", "average_precision",
            "brier", "calibration_in_the_large", "calibration_intercept",
            "calibration_slope", "calibration_slope_intercept")]


class CalibrationBin(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("n", ctypes.c_int64),
                ("events", ctypes.c_int64)] + [
        (name, ctypes.c_double) for name in (
            "min_risk", "max_risk", "mean_risk", "observed_rate", "expected", "oe_ratio",
            "observed_lower", "observed_upper")]


class CutPoint(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int),
                ("fraction", ctypes.c_double),
                ("n_flagged", ctypes.c_int64),
                ("events_flagged", ctypes.c_int64),
                ("threshold", ctypes.c_double),
                ("sensitivity", ctypes.c_double),
                ("ppv", ctypes.c_double)]


def as_dict(struct):
    return {name: getattr(struct, name) for name, _ in struct._fields_ if name != "version"}


class RistraError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def load(path=None):
    lib = ctypes.CDLL(path or os.environ["RISTRA_LIBRARY"])
    p = ctypes.c_void_p
    lib.ristra_evaluate_options_init.argtypes = [ctypes.POINTER(Options), ctypes.c_int]
    lib.ristra_evaluate.argtypes = [ctypes.POINTER(p), p, p, ctypes.c_int64, p,
                                    ctypes.POINTER(Options)]
    lib.ristra_evaluation_free.argtypes = [p]
    lib.ristra_evaluation_free.restype = None
    for name in ("n_groups", "n_bins", "n_cut_points"):
        fn = getattr(lib, "ristra_evaluation_" + name)
        fn.argtypes = [p]
        fn.restype = ctypes.c_int64
    lib.ristra_evaluation_summary.argtypes = [ctypes.POINTER(GroupSummary), p, ctypes.c_int64]
    lib.ristra_evaluation_bin.argtypes = [ctypes.POINTER(CalibrationBin), p, ctypes.c_int64,
                                          ctypes.c_int64]
    lib.ristra_evaluation_cut_point.argtypes = [ctypes.POINTER(CutPoint), p, ctypes.c_int64,
                                                ctypes.c_int64]
    lib.ristra_evaluation_write_calibration_svg.argtypes = [p, ctypes.c_int64, ctypes.c_char_p,
                                                            ctypes.c_char_p]
    lib.ristra_last_error.restype = ctypes.c_char_p
    return lib


class Evaluation:
    """Owns a ristra_evaluation; reads its figures into dicts."""

    def __init__(self, lib, handle):
        self.lib = lib
        self.handle = handle

    def __del__(self):
        if getattr(self, "handle", None):
            self.lib.ristra_evaluation_free(self.handle)

    def _check(self, rc):
        if rc != 0:
            raise RistraError(rc, self.lib.ristra_last_error().decode())

    @property
    def n_groups(self):
        return self.lib.ristra_evaluation_n_groups(self.handle)

    def summary(self, group=OVERALL):
        s = GroupSummary(version=1)
        self._check(self.lib.ristra_evaluation_summary(ctypes.byref(s), self.handle, group))
        return as_dict(s)

    def bins(self, group=OVERALL):
        out = []
        for b in range(self.lib.ristra_evaluation_n_bins(self.handle)):
            s = CalibrationBin(version=1)
            self._check(self.lib.ristra_evaluation_bin(ctypes.byref(s), self.handle, group, b))
            out.append(as_dict(s))
        return out

    def cut_points(self, group=OVERALL):
        out = []
        for c in range(self.lib.ristra_evaluation_n_cut_points(self.handle)):
            s = CutPoint(version=1)
            self._check(self.lib.ristra_evaluation_cut_point(ctypes.byref(s), self.handle,
                                                             group, c))
            out.append(as_dict(s))
        return out

    def write_calibration_svg(self, path, group=OVERALL, title=None):
        self._check(self.lib.ristra_evaluation_write_calibration_svg(
            self.handle, group, os.fsencode(path),
            title.encode() if title is not None else None))


def options(lib, cut_points=None, n_bins=None, confidence_level=None, flag_scope=None,
            n_threads=None):
    o = Options()
    assert lib.ristra_evaluate_options_init(ctypes.byref(o), 1) == 0
    if cut_points is not None:
        o.n_cut_points = len(cut_points)
        cuts = (ctypes.c_double * max(len(cut_points), 1))(*cut_points)
        o.cut_points = ctypes.cast(cuts, ctypes.POINTER(ctypes.c_double))   # kept alive by o
    if n_bins is not None:
        o.n_bins = n_bins
    if confidence_level is not None:
        o.confidence_level = confidence_level
    if flag_scope is not None:
        o.flag_scope = flag_scope
    if n_threads is not None:
        o.n_threads = n_threads
    return o


def evaluate(lib, risk, outcome, group=None, **opts):
    """ristra_evaluate() on numpy arrays; raises RistraError on failure."""
    risk = np.ascontiguousarray(risk, dtype=np.float64)
    outcome = np.ascontiguousarray(outcome, dtype=np.uint8)
    g = None if group is None else np.ascontiguousarray(group, dtype=np.int32)
    o = options(lib, **opts)
    handle = ctypes.c_void_p()
    rc = lib.ristra_evaluate(ctypes.byref(handle), risk.ctypes.data, outcome.ctypes.data,
                             len(risk), None if g is None else g.ctypes.data, ctypes.byref(o))
    if rc != 0:
        raise RistraError(rc, lib.ristra_last_error().decode())
    return Evaluation(lib, handle)
