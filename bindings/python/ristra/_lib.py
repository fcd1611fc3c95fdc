"""Finds and loads libristra, declares the C signatures, checks the version,
and turns failed calls into ristra.Error (private).

Where the library comes from, first match wins:
  1. the RISTRA_LIBRARY environment variable (a path; no fallback if it fails);
  2. <source tree>/build/libristra.so.<major> when this package is imported
     from a ristra source tree (bindings/python/ristra/);
  3. the system loader: libristra.so.<major> (LD_LIBRARY_PATH, the ld.so
     cache, e.g. after `cmake --install`), then ctypes.util.find_library.

ctypes.CDLL releases the GIL for the duration of every foreign call, so
scoring in one Python thread lets the others run.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import pathlib
import threading
from ctypes import POINTER, Structure, c_char_p, c_double, c_int, c_int64, c_size_t, c_void_p

from ._errors import RISTRA_EIO, RISTRA_EVERSION, Error, error_for
from ._version import MAJOR, __version__


class ModelStruct(Structure):
    """struct ristra_model (opaque)."""


ModelPointer = POINTER(ModelStruct)


class FeatureInfo(Structure):
    _fields_ = [("version", c_int), ("name", c_char_p), ("description", c_char_p),
                ("unit", c_char_p), ("valid_min", c_double), ("valid_max", c_double),
                ("missing_policy", c_int), ("impute_value", c_double)]


class SaveOptions(Structure):
    _fields_ = [("version", c_int), ("gzip", c_int), ("indent", c_int)]


class ScoreOptions(Structure):
    _fields_ = [("version", c_int), ("n_threads", c_int)]


class TreeSummary(Structure):
    _fields_ = [("version", c_int), ("n_trees", c_int64), ("max_depth", c_int64),
                ("n_nodes", c_int64), ("n_categorical", c_int64)]


# Struct versions this binding was written against (the _VERSION macros).
FEATURE_INFO_VERSION = 1
SAVE_OPTIONS_VERSION = 1
SCORE_OPTIONS_VERSION = 1
TREE_SUMMARY_VERSION = 1

# name: (restype, argtypes), exactly as declared in include/ristra/*.h.
_SIGNATURES = {
    "ristra_version": (c_int, []),
    "ristra_version_string": (c_char_p, []),
    "ristra_last_error": (c_char_p, []),
    "ristra_strerror": (c_char_p, [c_int]),
    "ristra_free": (None, [c_void_p]),
    "ristra_model_load": (c_int, [POINTER(ModelPointer), c_char_p]),
    "ristra_model_load_buffer": (c_int, [POINTER(ModelPointer), c_void_p, c_size_t, c_char_p]),
    "ristra_model_free": (None, [ModelPointer]),
    "ristra_save_options_init": (c_int, [POINTER(SaveOptions), c_int]),
    "ristra_model_save": (c_int, [ModelPointer, c_char_p, POINTER(SaveOptions)]),
    "ristra_model_save_buffer": (c_int, [POINTER(c_void_p), POINTER(c_size_t), ModelPointer,
                                         POINTER(SaveOptions)]),
    "ristra_model_kind": (c_int, [ModelPointer]),
    "ristra_model_n_features": (c_int64, [ModelPointer]),
    "ristra_model_feature_index": (c_int64, [ModelPointer, c_char_p]),
    "ristra_model_feature": (c_int, [POINTER(FeatureInfo), ModelPointer, c_int64]),
    "ristra_model_metadata": (c_char_p, [ModelPointer]),
    "ristra_model_trees": (c_int, [POINTER(TreeSummary), ModelPointer]),
    "ristra_row_status_string": (c_char_p, [c_int]),
    "ristra_score_options_init": (c_int, [POINTER(ScoreOptions), c_int]),
    # Arrays go as plain addresses (ndarray.ctypes.data): no per-call casts.
    "ristra_model_score": (c_int, [c_void_p, c_void_p, c_void_p, ModelPointer, c_void_p, c_int,
                                   c_int64, c_int64, c_int64, POINTER(ScoreOptions)]),
    "ristra_nhs_number_valid": (c_int, [c_char_p, c_size_t]),
    "ristra_nhs_number_is_test": (c_int, [c_char_p, c_size_t]),
    "ristra_ods_practice_code_valid": (c_int, [c_char_p, c_size_t]),
}

SONAME = f"libristra.so.{MAJOR}"
ENV_VAR = "RISTRA_LIBRARY"


def _declare(lib: ctypes.CDLL, name: str) -> None:
    fn = getattr(lib, name)
    fn.restype, fn.argtypes = _SIGNATURES[name]


def load_library(path: str) -> ctypes.CDLL:
    """Loads the library at path (a file name or a soname), refuses it if
    its major version is not this binding's, and declares every signature."""
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise error_for(RISTRA_EIO, f"cannot load libristra from {path}: {e}") from None
    try:
        _declare(lib, "ristra_version")
        _declare(lib, "ristra_version_string")
    except AttributeError:
        raise error_for(RISTRA_EIO, f"{path} is not libristra (it has no ristra_version)") from None
    number = lib.ristra_version()
    if number // 10000 != MAJOR:
        found = lib.ristra_version_string().decode("ascii", "replace")
        raise error_for(RISTRA_EVERSION,
                        f"{path} is libristra {found} (major version {number // 10000}), but this "
                        f"ristra Python package ({__version__}) works only with major version "
                        f"{MAJOR}: install a matching libristra or point {ENV_VAR} at one")
    for name in _SIGNATURES:
        try:
            _declare(lib, name)
        except AttributeError:
            raise error_for(RISTRA_EIO, f"{path} lacks {name}: it is not a complete "
                                        f"libristra {MAJOR}.x") from None
    return lib


def _source_tree_library() -> pathlib.Path | None:
    """build/libristra.so.<major> of the source tree this package sits in, if any."""
    tree = pathlib.Path(__file__).resolve().parents[3]
    candidate = tree / "build" / SONAME
    if (tree / "include" / "ristra" / "ristra.h").is_file() and candidate.is_file():
        return candidate
    return None


def _find_and_load() -> tuple[ctypes.CDLL, str]:
    explicit = os.environ.get(ENV_VAR)
    if explicit:
        return load_library(explicit), explicit
    in_tree = _source_tree_library()
    if in_tree is not None:
        return load_library(str(in_tree)), str(in_tree)
    tried = []
    for name in (SONAME, ctypes.util.find_library("ristra")):
        if name is None:
            continue
        try:
            return load_library(name), name
        except Error as e:
            if e.code == RISTRA_EVERSION:
                raise
            tried.append(e.message)
    raise error_for(RISTRA_EIO,
                        "libristra not found (" + "; ".join(tried) + "). Build it (`make build` in "
                    f"the ristra source tree) and set {ENV_VAR}=/path/to/build/{SONAME}, or "
                    "install it (`cmake --install build`, then `ldconfig`)")


_lock = threading.Lock()
_loaded: tuple[ctypes.CDLL, str] | None = None


def lib() -> ctypes.CDLL:
    """The loaded library (found and checked on first use)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _find_and_load()
    return _loaded[0]


def path() -> str:
    """Where the loaded library came from."""
    lib()
    assert _loaded is not None
    return _loaded[1]


def last_error() -> str:
    """This thread's last libristra message (ctypes runs the call on the
    calling thread, so it is the message of this thread's last call)."""
    return lib().ristra_last_error().decode("utf-8", "replace")


def check(rc: int) -> int:
    """The single funnel from a C return code to an exception."""
    if rc < 0:
        message = last_error() or lib().ristra_strerror(rc).decode("utf-8", "replace")
        raise error_for(int(rc), message)
    return rc
