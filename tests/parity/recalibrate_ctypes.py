"""ctypes access to ristra_model_recalibrate() and the model functions
around it (include/ristra/calibrate.h, model.h, score.h), for the
recalibration parity test; the structs mirror the headers field by field."""
import ctypes
import json
import os

import numpy as np

INTERCEPT, LOGISTIC = 1, 2
FLOAT64 = 2


class RecalibrateOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("population_description", ctypes.c_char_p),
                ("date", ctypes.c_char_p), ("model_version", ctypes.c_char_p)]


class Calibration(ctypes.Structure):
    _fields_ = [("version", ctypes.c_int), ("present", ctypes.c_int),
                ("intercept", ctypes.c_double), ("slope", ctypes.c_double)]


class RistraError(Exception):
    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def load(path=None):
    lib = ctypes.CDLL(path or os.environ["RISTRA_LIBRARY"])
    p = ctypes.c_void_p
    lib.ristra_model_load_buffer.argtypes = [ctypes.POINTER(p), ctypes.c_char_p, ctypes.c_size_t,
                                             ctypes.c_char_p]
    lib.ristra_model_free.argtypes = [p]
    lib.ristra_model_free.restype = None
    lib.ristra_model_n_features.argtypes = [p]
    lib.ristra_model_n_features.restype = ctypes.c_int64
    lib.ristra_model_metadata.argtypes = [p]
    lib.ristra_model_metadata.restype = ctypes.c_char_p
    lib.ristra_model_score.argtypes = [p, p, p, p, p, ctypes.c_int, ctypes.c_int64,
                                       ctypes.c_int64, ctypes.c_int64, ctypes.c_int64, p]
    lib.ristra_recalibrate_options_init.argtypes = [ctypes.POINTER(RecalibrateOptions),
                                                    ctypes.c_int]
    lib.ristra_model_recalibrate.argtypes = [ctypes.POINTER(p), p, p, p, ctypes.c_int64,
                                             ctypes.c_int, ctypes.POINTER(RecalibrateOptions)]
    lib.ristra_model_calibration.argtypes = [ctypes.POINTER(Calibration), p]
    lib.ristra_last_error.restype = ctypes.c_char_p
    return lib


def _check(lib, rc):
    if rc != 0:
        raise RistraError(rc, lib.ristra_last_error().decode())


def model_from_json(lib, doc):
    text = json.dumps(doc).encode()
    handle = ctypes.c_void_p()
    _check(lib, lib.ristra_model_load_buffer(ctypes.byref(handle), text, len(text), b"test"))
    return handle


def score(lib, model, X):
    """(risk, margin) of the rows of X; every row must score."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    n, p = X.shape
    prob, margin = np.empty(n), np.empty(n)
    status = np.empty(n, dtype=np.int32)
    _check(lib, lib.ristra_model_score(prob.ctypes.data, margin.ctypes.data, status.ctypes.data,
                                       model, X.ctypes.data, FLOAT64, n, p, p, 1, None))
    assert np.all(status == 0)
    return prob, margin


def recalibrate(lib, model, margin, y, method, description="test population",
                date="2025-03-01", model_version=None):
    margin = np.ascontiguousarray(margin, dtype=np.float64)
    y8 = np.ascontiguousarray(y, dtype=np.uint8)
    opts = RecalibrateOptions()
    assert lib.ristra_recalibrate_options_init(ctypes.byref(opts), 1) == 0
    opts.population_description = description.encode() if description else None
    opts.date = date.encode() if date else None
    opts.model_version = model_version.encode() if model_version else None
    out = ctypes.c_void_p()
    _check(lib, lib.ristra_model_recalibrate(ctypes.byref(out), model, margin.ctypes.data,
                                             y8.ctypes.data, len(margin), method,
                                             ctypes.byref(opts)))
    return out


def calibration(lib, model):
    c = Calibration()
    c.version = 1
    _check(lib, lib.ristra_model_calibration(ctypes.byref(c), model))
    return c.present, c.intercept, c.slope


def metadata(lib, model):
    return json.loads(lib.ristra_model_metadata(model).decode())
