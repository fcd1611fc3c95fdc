"""ristra.convert_xgboost: XGBoost models as native ones, over
include/ristra/xgboost.h (private)."""
from __future__ import annotations

import ctypes
import os
from typing import Any, Sequence

from . import _lib
from ._errors import RISTRA_EINVAL, error_for
from ._model import Model, PathLike


def _options(feature_names: Sequence[str] | None, name: str | None, model_version: str | None,
             outcome: str | None, horizon_days: int | None, intended_use: str | None,
             training_population: str | None, all_trees: bool = False,
             min_present: int | None = None) -> tuple[_lib.XgboostOptions, Any]:
    """The options struct and the array of names it points into (keep both alive)."""
    opts = _lib.XgboostOptions()
    _lib.check(_lib.lib().ristra_xgboost_options_init(ctypes.byref(opts),
                                                       _lib.XGBOOST_OPTIONS_VERSION))
    names = None
    if feature_names is not None:
        names = _lib.string_array(list(feature_names), "feature_names")
        opts.feature_names = ctypes.cast(names, ctypes.POINTER(ctypes.c_char_p))
        opts.n_feature_names = len(feature_names)
    opts.name = _lib.text(name, "name")
    opts.model_version = _lib.text(model_version, "model_version")
    opts.outcome = _lib.text(outcome, "outcome")
    opts.intended_use = _lib.text(intended_use, "intended_use")
    opts.training_population = _lib.text(training_population, "training_population")
    if horizon_days is not None:
        if isinstance(horizon_days, bool) or not isinstance(horizon_days, int):
            raise error_for(RISTRA_EINVAL, "horizon_days must be a whole number of days")
        opts.horizon_days = horizon_days
    opts.all_trees = 1 if all_trees else 0
    if min_present is not None:
        if isinstance(min_present, bool) or not isinstance(min_present, int) or min_present < 0:
            raise error_for(RISTRA_EINVAL, "min_present must be a whole number >= 0")
        opts.min_present_features = min_present if min_present > 0 else -1
    return opts, names


def _booster_bytes(src: Any) -> bytes | None:
    """An xgboost.Booster (or an XGBModel wrapping one) as its JSON bytes."""
    booster = src.get_booster() if hasattr(src, "get_booster") else src
    save_raw = getattr(booster, "save_raw", None)
    if save_raw is None:
        return None
    return bytes(save_raw(raw_format="json"))


def convert_xgboost(src: Any, dst: PathLike | None = None,
                    feature_names: Sequence[str] | None = None, *, name: str | None = None,
                    model_version: str | None = None, outcome: str | None = None,
                    horizon_days: int | None = None, intended_use: str | None = None,
                    training_population: str | None = None, gzip: bool | None = None,
                    all_trees: bool = False, min_present: int | None = None) -> Model:
    """Imports an XGBoost model as a native ristra model, as
    ``ristra convert --from xgboost`` does.

    src is one of
      * a path to a file written by ``Booster.save_model()`` (JSON or UBJSON,
        plain or gzip; recognised from the bytes, not the name);
      * the bytes of such a file (``Booster.save_raw()``);
      * an ``xgboost.Booster`` or a scikit-learn style ``XGBClassifier`` (saved
        to JSON in memory; its feature names come along).

    Supported: binary:logistic, reg:logistic and binary:logitraw with the
    gbtree booster (a gbdt model scoring exactly as XGBoost does) or
    gblinear (a logistic model). Multi-class, DART, ranking and other
    objectives raise UnsupportedError; malformed files FormatError.

    feature_names names the columns of a model trained on a plain array (a
    file that names them must agree). name, model_version, outcome,
    horizon_days (default 365), intended_use and training_population go
    into the model's metadata; those left out get honest defaults listed in
    ``metadata["defaulted"]``.

    A model that stopped early (``best_iteration`` in its attributes) keeps
    the trees up to that iteration, so that it scores exactly as
    ``XGBClassifier.predict_proba()``; ``all_trees=True`` keeps every tree
    (as ``Booster.predict()``). ``min_present`` is the least number of
    features a row must have present to be scored (default 1, so an empty
    record is rejected; 0 sets no minimum).

    When dst is given the model is also saved there (gzip-compressed when
    gzip is True, or when gzip is None and dst ends in ".gz"; written
    atomically). Returns the Model.
    """
    opts, keep = _options(feature_names, name, model_version, outcome, horizon_days,
                          intended_use, training_population, all_trees, min_present)
    lib = _lib.lib()
    out = _lib.ModelPointer()
    if isinstance(src, (bytes, bytearray, memoryview)):
        data = bytes(src)
        _lib.check(lib.ristra_model_import_xgboost_buffer(ctypes.byref(out), data, len(data),
                                                           b"<bytes>", ctypes.byref(opts)))
    elif isinstance(src, (str, os.PathLike)):
        _lib.check(lib.ristra_model_import_xgboost(ctypes.byref(out), os.fsencode(src),
                                                   ctypes.byref(opts)))
    else:
        booster = _booster_bytes(src)
        if booster is None:
            raise error_for(RISTRA_EINVAL, "src must be a path, bytes or an xgboost.Booster, "
                                           f"not {type(src).__name__}")
        source = _lib.text(name, "name") or b"xgboost.Booster"
        _lib.check(lib.ristra_model_import_xgboost_buffer(ctypes.byref(out), booster, len(booster),
                                                           source, ctypes.byref(opts)))
    del keep
    model = Model._adopt(out)
    if dst is not None:
        model.save(dst, gzip=gzip)   # None: the library's rule (the name ends in .gz)
    return model
