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
from typing import Any
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_double, c_int, c_int32, c_int64,
                    c_size_t, c_uint64, c_void_p)

from ._errors import RISTRA_EINVAL, RISTRA_EIO, RISTRA_EVERSION, Error, error_for
from ._version import MAJOR, __version__


class ModelStruct(Structure):
    """struct ristra_model (opaque)."""


ModelPointer = POINTER(ModelStruct)


class FeatureInfo(Structure):
    _fields_ = [("version", c_int), ("name", c_char_p), ("description", c_char_p),
                ("unit", c_char_p), ("valid_min", c_double), ("valid_max", c_double),
                ("missing_policy", c_int), ("impute_value", c_double), ("required", c_int)]


class SaveOptions(Structure):
    _fields_ = [("version", c_int), ("gzip", c_int), ("indent", c_int)]


class ScoreOptions(Structure):
    _fields_ = [("version", c_int), ("n_threads", c_int)]


class ExplainOptions(Structure):
    _fields_ = [("version", c_int), ("n_threads", c_int)]


class LoadOptions(Structure):
    """struct ristra_load_options (include/ristra/model.h)."""
    _fields_ = [("version", c_int), ("max_bytes", c_size_t)]


class RowCheck(Structure):
    """struct ristra_row_check (include/ristra/score.h)."""
    _fields_ = [("version", c_int), ("status", c_int32), ("feature", c_int64),
                ("n_present", c_int64), ("n_needed", c_int64)]


class TreeSummary(Structure):
    _fields_ = [("version", c_int), ("n_trees", c_int64), ("max_depth", c_int64),
                ("n_nodes", c_int64), ("n_categorical", c_int64)]


class SynthOptions(Structure):
    """struct ristra_synth_options (include/ristra/synth.h)."""
    _fields_ = [("version", c_int), ("n_patients", c_int64), ("n_practices", c_int64),
                ("seed", c_uint64), ("write_outcome", c_int), ("write_true_risk", c_int),
                ("gzip_level", c_int), ("deprivation_effect", c_double)]


class XgboostOptions(Structure):
    """struct ristra_xgboost_options (include/ristra/xgboost.h)."""
    _fields_ = [("version", c_int), ("feature_names", POINTER(c_char_p)),
                ("n_feature_names", c_int64), ("name", c_char_p), ("model_version", c_char_p),
                ("outcome", c_char_p), ("horizon_days", c_int64), ("intended_use", c_char_p),
                ("training_population", c_char_p), ("all_trees", c_int),
                ("min_present_features", c_int64), ("max_bytes", c_size_t)]


class FitStruct(Structure):
    """struct ristra_fit (opaque)."""


FitPointer = POINTER(FitStruct)


class FitOptions(Structure):
    """struct ristra_fit_options (include/ristra/fit.h)."""
    _fields_ = [("version", c_int), ("intercept", c_int), ("l2", c_double), ("max_iter", c_int),
                ("tol", c_double), ("n_threads", c_int), ("solver", c_int),
                ("feature_names", POINTER(c_char_p))]


class FitSummary(Structure):
    """struct ristra_fit_summary."""
    _fields_ = [("version", c_int), ("n_cols", c_int64), ("has_intercept", c_int),
                ("intercept", c_double), ("intercept_se", c_double), ("n_rows", c_int64),
                ("n_used", c_int64), ("sum_weights", c_double), ("events", c_double),
                ("deviance", c_double), ("null_deviance", c_double), ("aic", c_double),
                ("df_residual", c_int64), ("df_null", c_int64), ("iterations", c_int),
                ("last_change", c_double), ("l2", c_double), ("solver", c_int)]


class FitModelOptions(Structure):
    """struct ristra_fit_model_options."""
    _fields_ = [("version", c_int), ("name", c_char_p), ("model_version", c_char_p),
                ("outcome", c_char_p), ("horizon_days", c_int64), ("intended_use", c_char_p),
                ("population_description", c_char_p), ("descriptions", POINTER(c_char_p)),
                ("units", POINTER(c_char_p)), ("missing_policy", c_int),
                ("training_range", c_int), ("fitted_date", c_char_p)]


class EvaluationStruct(Structure):
    """struct ristra_evaluation (opaque)."""


EvaluationPointer = POINTER(EvaluationStruct)
EVALUATE_MAX_CUT_POINTS = 16   # RISTRA_EVALUATE_MAX_CUT_POINTS
EVALUATION_OVERALL = -1        # RISTRA_EVALUATION_OVERALL


class EvaluateOptions(Structure):
    """struct ristra_evaluate_options (include/ristra/evaluate.h)."""
    _fields_ = [("version", c_int), ("n_cut_points", c_int64),
                ("cut_points", POINTER(c_double)), ("n_bins", c_int),
                ("confidence_level", c_double), ("flag_scope", c_int), ("n_threads", c_int)]


class GroupSummary(Structure):
    """struct ristra_group_summary."""
    _fields_ = [("version", c_int), ("label", c_int32), ("n", c_int64), ("events", c_int64)] + [
        (name, c_double) for name in (
            "observed_rate", "mean_risk", "expected", "oe_ratio", "auroc", "auroc_variance",
            "auroc_ci_lower", "auroc_ci_upper", "average_precision", "brier",
            "calibration_in_the_large", "calibration_intercept", "calibration_slope",
            "calibration_slope_intercept")]


class CalibrationBin(Structure):
    """struct ristra_calibration_bin."""
    _fields_ = [("version", c_int), ("n", c_int64), ("events", c_int64)] + [
        (name, c_double) for name in (
            "min_risk", "max_risk", "mean_risk", "observed_rate", "expected", "oe_ratio",
            "observed_lower", "observed_upper")]


class CutPointSummary(Structure):
    """struct ristra_cut_point_summary."""
    _fields_ = [("version", c_int), ("fraction", c_double), ("n_flagged", c_int64),
                ("events_flagged", c_int64), ("threshold", c_double), ("sensitivity", c_double),
                ("ppv", c_double)]


MAX_TIERS = 8   # RISTRA_MAX_TIERS (include/ristra/batch.h): a limit, not a struct size
MAX_REASONS = 16  # RISTRA_MAX_REASONS (include/ristra/batch.h)
SCORE_RESULT_ALL = -1   # RISTRA_SCORE_RESULT_ALL


class PopulationOptions(Structure):
    """struct ristra_population_options (include/ristra/population.h)."""
    _fields_ = [("version", c_int), ("id_column", c_char_p), ("practice_column", c_char_p),
                ("outcome_column", c_char_p), ("outcome_required", c_int),
                ("columns", POINTER(c_char_p)), ("n_columns", c_int64),
                ("extra_columns", POINTER(c_char_p)), ("n_extra", c_int64),
                ("block_rows", c_int64), ("check_duplicates", c_int), ("n_threads", c_int),
                ("id_kind", c_int)]


class PopulationStruct(Structure):
    """struct ristra_population (opaque)."""


PopulationPointer = POINTER(PopulationStruct)


class PopulationBlock(Structure):
    """struct ristra_population_block."""
    _fields_ = [("version", c_int), ("n_rows", c_int64), ("n_cols", c_int64),
                ("values", c_void_p), ("status", c_void_p), ("nhs_number", c_void_p),
                ("practice", c_void_p), ("outcome", c_void_p), ("extra", c_void_p),
                ("line", c_void_p), ("first_row", c_int64), ("identifier", c_void_p)]


class PopulationReject(Structure):
    """struct ristra_population_reject."""
    _fields_ = [("version", c_int), ("line", c_int64), ("status", c_int32),
                ("nhs_number", c_char_p), ("practice", c_char_p), ("reason", c_char_p)]


# int (*ristra_progress_fn)(void *ctx, int64_t patients, uint64_t bytes_done, uint64_t bytes_total)
ProgressFn = CFUNCTYPE(c_int, c_void_p, c_int64, c_uint64, c_uint64)


class ScoreFileOptions(Structure):
    """struct ristra_score_file_options (include/ristra/batch.h)."""
    _fields_ = [("version", c_int), ("population", POINTER(PopulationOptions)),
                ("rejects_path", c_char_p), ("summary_path", c_char_p), ("n_tiers", c_int64),
                ("tier_cut_points", POINTER(c_double)), ("tier_names", POINTER(c_char_p)),
                ("untiered_name", c_char_p), ("n_threads", c_int), ("gzip_output", c_int),
                ("progress", ProgressFn), ("progress_ctx", c_void_p),
                ("audit_path", c_char_p), ("audit", c_void_p),
                ("fhir_path", c_char_p), ("fhir", c_void_p),
                ("file_mode", c_int), ("manifest_path", c_char_p), ("max_reject_rate", c_double),
                ("min_scored", c_int64), ("report_dir", c_char_p), ("report", c_void_p),
                ("n_reasons", c_int), ("contributions_path", c_char_p)]


class ScoreResultStruct(Structure):
    """struct ristra_score_result (opaque)."""


ScoreResultPointer = POINTER(ScoreResultStruct)


class ScoreTotals(Structure):
    """struct ristra_score_totals."""
    _fields_ = [("version", c_int), ("n_rows", c_int64), ("n_scored", c_int64),
                ("n_rejected", c_int64), ("n_practices", c_int32), ("n_tiers", c_int),
                ("has_outcome", c_int),
                ("expected", c_double), ("observed", c_int64), ("auroc", c_double),
                ("id_kind", c_int)]


class PseudonymiseOptions(Structure):
    """struct ristra_pseudonymise_options (include/ristra/identifiers.h)."""
    _fields_ = [("version", c_int), ("encoding", c_int), ("length", c_int),
                ("id_column", c_char_p), ("pseudonym_column", c_char_p), ("gzip_output", c_int)]


class PseudonymiseTotals(Structure):
    """struct ristra_pseudonymise_totals."""
    _fields_ = [("version", c_int), ("n_rows", c_int64), ("n_pseudonymised", c_int64),
                ("n_invalid", c_int64)]


class PracticeSummary(Structure):
    """struct ristra_practice_summary."""
    _fields_ = [("version", c_int), ("practice", c_char_p), ("list_size", c_int64),
                ("n_rejected", c_int64),
                ("mean_risk", c_double), ("expected", c_double), ("observed", c_int64),
                ("observed_expected", c_double), ("auroc", c_double)]


class CalibrationBlock(Structure):
    """struct ristra_calibration (include/ristra/calibrate.h)."""
    _fields_ = [("version", c_int), ("present", c_int), ("intercept", c_double),
                ("slope", c_double)]


class RecalibrateOptions(Structure):
    """struct ristra_recalibrate_options (include/ristra/calibrate.h)."""
    _fields_ = [("version", c_int), ("population_description", c_char_p), ("date", c_char_p),
                ("model_version", c_char_p)]


class CollectOptions(Structure):
    """struct ristra_collect_options (include/ristra/collect.h)."""
    _fields_ = [("version", c_int), ("population", POINTER(PopulationOptions)),
                ("keep_values", c_int), ("n_required_extra", c_int64),
                ("keep_unknown_outcome", c_int), ("n_threads", c_int)]


class CollectedStruct(Structure):
    """struct ristra_collected (opaque)."""


CollectedPointer = POINTER(CollectedStruct)


# Struct versions this binding was written against (the _VERSION macros).
FEATURE_INFO_VERSION = 1
SAVE_OPTIONS_VERSION = 1
SCORE_OPTIONS_VERSION = 1
EXPLAIN_OPTIONS_VERSION = 1
TREE_SUMMARY_VERSION = 1
XGBOOST_OPTIONS_VERSION = 1
SYNTH_OPTIONS_VERSION = 1
FIT_OPTIONS_VERSION = 1
FIT_SUMMARY_VERSION = 1
FIT_MODEL_OPTIONS_VERSION = 1
EVALUATE_OPTIONS_VERSION = 1
GROUP_SUMMARY_VERSION = 1
CALIBRATION_BIN_VERSION = 1
CUT_POINT_SUMMARY_VERSION = 1
SCORE_FILE_OPTIONS_VERSION = 1
SCORE_TOTALS_VERSION = 1
PRACTICE_SUMMARY_VERSION = 1
POPULATION_OPTIONS_VERSION = 1
PSEUDONYMISE_OPTIONS_VERSION = 1
PSEUDONYMISE_TOTALS_VERSION = 1
POPULATION_BLOCK_VERSION = 1
POPULATION_REJECT_VERSION = 1
CALIBRATION_VERSION = 1
RECALIBRATE_OPTIONS_VERSION = 1
COLLECT_OPTIONS_VERSION = 1

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
    "ristra_model_kind_string": (c_char_p, [c_int]),
    "ristra_missing_policy_string": (c_char_p, [c_int]),
    "ristra_missing_policy_from_string": (c_int, [c_char_p]),
    "ristra_model_n_features": (c_int64, [ModelPointer]),
    "ristra_model_feature_index": (c_int64, [ModelPointer, c_char_p]),
    "ristra_model_feature": (c_int, [POINTER(FeatureInfo), ModelPointer, c_int64]),
    "ristra_model_metadata": (c_char_p, [ModelPointer]),
    "ristra_model_trees": (c_int, [POINTER(TreeSummary), ModelPointer]),
    "ristra_model_min_present": (c_int64, [ModelPointer]),
    "ristra_row_status_string": (c_char_p, [c_int]),
    "ristra_score_options_init": (c_int, [POINTER(ScoreOptions), c_int]),
    # Arrays go as plain addresses (ndarray.ctypes.data): no per-call casts.
    "ristra_model_score": (c_int, [c_void_p, c_void_p, c_void_p, ModelPointer, c_void_p, c_int,
                                   c_int64, c_int64, c_int64, c_int64, POINTER(ScoreOptions)]),
    # include/ristra/explain.h
    "ristra_explain_options_init": (c_int, [POINTER(ExplainOptions), c_int]),
    "ristra_model_explainable": (c_int, [ModelPointer]),
    "ristra_model_explain": (c_int, [c_void_p, c_void_p, ModelPointer, c_void_p, c_int, c_int64,
                                     c_int64, c_int64, c_int64, POINTER(ExplainOptions)]),
    "ristra_nhs_number_valid": (c_int, [c_char_p, c_size_t]),
    "ristra_nhs_number_is_test": (c_int, [c_char_p, c_size_t]),
    "ristra_ods_practice_code_valid": (c_int, [c_char_p, c_size_t]),
    # include/ristra/synth.h
    "ristra_synth_options_init": (c_int, [POINTER(SynthOptions), c_int]),
    "ristra_synth_write": (c_int, [c_char_p, POINTER(SynthOptions)]),
    # include/ristra/xgboost.h
    "ristra_xgboost_options_init": (c_int, [POINTER(XgboostOptions), c_int]),
    "ristra_model_import_xgboost": (c_int, [POINTER(ModelPointer), c_char_p,
                                            POINTER(XgboostOptions)]),
    "ristra_model_import_xgboost_buffer": (c_int, [POINTER(ModelPointer), c_void_p, c_size_t,
                                                   c_char_p, POINTER(XgboostOptions)]),
    # include/ristra/fit.h
    "ristra_fit_options_init": (c_int, [POINTER(FitOptions), c_int]),
    "ristra_fit_logistic": (c_int, [POINTER(FitPointer), c_void_p, c_int64, c_int64, c_int64,
                                    c_void_p, c_void_p, POINTER(FitOptions)]),
    "ristra_fit_free": (None, [FitPointer]),
    "ristra_fit_describe": (c_int, [POINTER(FitSummary), FitPointer]),
    "ristra_fit_coefficients": (c_int, [c_void_p, c_void_p, FitPointer]),
    "ristra_fit_wald": (c_int, [c_void_p, c_void_p, FitPointer]),
    "ristra_fit_model_options_init": (c_int, [POINTER(FitModelOptions), c_int]),
    "ristra_fit_to_model": (c_int, [POINTER(ModelPointer), FitPointer, POINTER(FitModelOptions)]),
    # include/ristra/evaluate.h
    "ristra_default_tiers": (c_int64, [c_void_p]),
    "ristra_outcomes_encode": (c_int, [c_void_p, c_void_p, c_int64, c_char_p]),
    "ristra_tiers_parse": (c_int, [c_void_p, c_int64, POINTER(c_int64), c_char_p]),
    "ristra_evaluate_options_init": (c_int, [POINTER(EvaluateOptions), c_int]),
    "ristra_evaluate": (c_int, [POINTER(EvaluationPointer), c_void_p, c_void_p, c_int64, c_void_p,
                                POINTER(EvaluateOptions)]),
    "ristra_evaluation_free": (None, [EvaluationPointer]),
    "ristra_evaluation_n_groups": (c_int64, [EvaluationPointer]),
    "ristra_evaluation_n_bins": (c_int64, [EvaluationPointer]),
    "ristra_evaluation_n_cut_points": (c_int64, [EvaluationPointer]),
    "ristra_evaluation_summary": (c_int, [POINTER(GroupSummary), EvaluationPointer, c_int64]),
    "ristra_evaluation_bin": (c_int, [POINTER(CalibrationBin), EvaluationPointer, c_int64,
                                      c_int64]),
    "ristra_evaluation_cut_point": (c_int, [POINTER(CutPointSummary), EvaluationPointer, c_int64,
                                            c_int64]),
    "ristra_evaluation_write_calibration_svg": (c_int, [EvaluationPointer, c_int64, c_char_p,
                                                        c_char_p]),
    # include/ristra/population.h: the reader
    "ristra_population_options_init": (c_int, [POINTER(PopulationOptions), c_int]),
    "ristra_population_open": (c_int, [POINTER(PopulationPointer), c_char_p, ModelPointer,
                                       POINTER(PopulationOptions)]),
    "ristra_population_open_buffer": (c_int, [POINTER(PopulationPointer), c_void_p, c_size_t,
                                              c_char_p, ModelPointer,
                                              POINTER(PopulationOptions)]),
    "ristra_population_close": (None, [PopulationPointer]),
    # include/ristra/collect.h
    "ristra_collect_options_init": (c_int, [POINTER(CollectOptions), c_int]),
    "ristra_population_collect": (c_int, [POINTER(CollectedPointer), c_char_p, ModelPointer,
                                          POINTER(CollectOptions)]),
    "ristra_collected_free": (None, [CollectedPointer]),
    "ristra_collected_n_rows": (c_int64, [CollectedPointer]),
    "ristra_collected_n_cols": (c_int64, [CollectedPointer]),
    "ristra_collected_values": (c_void_p, [CollectedPointer]),
    "ristra_collected_extra": (c_void_p, [CollectedPointer]),
    "ristra_collected_risk": (c_void_p, [CollectedPointer]),
    "ristra_collected_margin": (c_void_p, [CollectedPointer]),
    "ristra_collected_outcome": (c_void_p, [CollectedPointer]),
    "ristra_collected_practice": (c_void_p, [CollectedPointer]),
    "ristra_collected_n_practices": (c_int32, [CollectedPointer]),
    "ristra_collected_practice_code": (c_char_p, [CollectedPointer, c_int32]),
    "ristra_collected_n_read": (c_int64, [CollectedPointer]),
    "ristra_collected_n_rejected": (c_int64, [CollectedPointer, c_int]),
    "ristra_collected_n_left_out": (c_int64, [CollectedPointer, c_int]),
    "ristra_collected_group": (c_int, [c_void_p, CollectedPointer, c_int, c_char_p]),
    "ristra_group_name": (c_int, [c_char_p, c_size_t, c_int, c_int32]),
    "ristra_evaluation_write_csv": (c_int, [EvaluationPointer, c_char_p, c_char_p,
                                            POINTER(c_char_p)]),
    "ristra_population_read": (c_int, [POINTER(PopulationBlock), PopulationPointer]),
    "ristra_population_reject_info": (c_int, [POINTER(PopulationReject), PopulationPointer,
                                              c_int64]),
    "ristra_population_n_practices": (c_int32, [PopulationPointer]),
    "ristra_population_practice": (c_char_p, [PopulationPointer, c_int32]),
    "ristra_population_progress": (c_int, [POINTER(c_uint64), POINTER(c_uint64),
                                           PopulationPointer]),
    # include/ristra/identifiers.h
    "ristra_id_kind_from_string": (c_int, [c_char_p]),
    "ristra_pseudonym_encoding_from_string": (c_int, [c_char_p]),
    "ristra_pseudonymise_options_init": (c_int, [POINTER(PseudonymiseOptions), c_int]),
    "ristra_pseudonymise_file": (c_int, [POINTER(PseudonymiseTotals), c_char_p, c_char_p,
                                         c_char_p, POINTER(PseudonymiseOptions)]),
    # include/ristra/batch.h
    "ristra_score_file_options_init": (c_int, [POINTER(ScoreFileOptions), c_int]),
    "ristra_score_file": (c_int, [POINTER(ScoreResultPointer), ModelPointer, c_char_p, c_char_p,
                                  POINTER(ScoreFileOptions)]),
    "ristra_score_result_free": (None, [ScoreResultPointer]),
    "ristra_score_result_totals": (c_int, [POINTER(ScoreTotals), ScoreResultPointer]),
    "ristra_score_result_practice": (c_int, [POINTER(PracticeSummary), ScoreResultPointer,
                                             c_int32]),
    "ristra_score_result_tier_name": (c_char_p, [ScoreResultPointer, c_int]),
    "ristra_score_result_tier_count": (c_int64, [ScoreResultPointer, c_int32, c_int]),
    # include/ristra/calibrate.h
    "ristra_model_calibration": (c_int, [POINTER(CalibrationBlock), ModelPointer]),
    "ristra_recalibrate_options_init": (c_int, [POINTER(RecalibrateOptions), c_int]),
    "ristra_model_recalibrate": (c_int, [POINTER(ModelPointer), ModelPointer, c_void_p, c_void_p,
                                         c_int64, c_int, POINTER(RecalibrateOptions)]),
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
    message: bytes = lib().ristra_last_error()
    return message.decode("utf-8", "replace")


def check(rc: int, filename: str | None = None) -> int:
    """The single funnel from a C return code to an exception; filename is
    the path passed to the call, for FileError (an OSError)."""
    if rc < 0:
        message = last_error() or lib().ristra_strerror(rc).decode("utf-8", "replace")
        raise error_for(int(rc), message, filename)
    return rc


def text(value: str | None, what: str) -> bytes | None:
    """A str option as UTF-8 bytes for a const char * (None stays NULL)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise error_for(RISTRA_EINVAL, f"{what} must be a str, not {type(value).__name__}")
    return value.encode()


def string_array(values: Any, what: str) -> Any:
    """A sequence of str as a C array of const char * (None entries stay
    NULL). Keep the returned array alive for as long as C may read it."""
    if isinstance(values, (str, bytes)):
        raise error_for(RISTRA_EINVAL, f"{what} must be a sequence of str, not one string")
    items = [text(v, what) if v is not None else None for v in values]
    return (c_char_p * max(len(items), 1))(*items)


def cut_points(value: Any, max_n: int, what: str) -> list[float]:
    """Tier cut-points from a sequence of fractions or from text such as
    "0.5%,2%,0.05", read by the library's one reader (ristra_tiers_parse)."""
    if isinstance(value, (str, bytes)):
        out = (c_double * max_n)()
        n = c_int64(0)
        text = value if isinstance(value, bytes) else value.encode()
        rc = lib().ristra_tiers_parse(out, max_n, ctypes.byref(n), text)
        if rc:
            raise error_for(rc, f"{what}: {last_error()}")
        return list(out[:n.value])
    return [float(c) for c in value]
