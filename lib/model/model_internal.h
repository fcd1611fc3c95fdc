/* The in-memory model shared by the format reader/writer, the importers
 * and the scorers. Immutable once built. */
#ifndef RISTRA_MODEL_INTERNAL_H
#define RISTRA_MODEL_INTERNAL_H

#include <stdint.h>

#include "ristra/model.h"

/* Native format version this library writes, and the newest it reads. */
#define RISTRA__FORMAT_VERSION 2

typedef struct ristra__feature {
    char *name;
    char *description;
    char *unit;
    double lo, hi;          /* valid range, inclusive; -inf/+inf when unbounded */
    int missing_policy;     /* ristra_missing_policy */
    double impute;          /* RISTRA_MISSING_IMPUTE only; NaN otherwise */
    int required;           /* a missing value rejects the row (RISTRA_ROW_MISSING) */
} ristra__feature;

typedef struct ristra__gbdt ristra__gbdt;

struct ristra_model {
    int kind;                   /* ristra_kind */
    int64_t n_features;
    ristra__feature *features;
    /* a row with fewer features present (not NaN) is
     * RISTRA_ROW_INSUFFICIENT_DATA; 0 = no minimum */
    int64_t min_present;
    char *metadata_json;        /* compact JSON object */

    int has_calibration;        /* p = sigmoid(cal_intercept + cal_slope * margin) */
    double cal_intercept, cal_slope;

    /* RISTRA_MODEL_LOGISTIC: margin = intercept + x . coef */
    double intercept;
    double *coef;
    double *reference;          /* per feature, for explanations (training means); NULL when absent */

    /* RISTRA_MODEL_GBDT */
    ristra__gbdt *gbdt;

    /* SHA-256 (hex) of the file ristra_model_load() read, for run
     * manifests; "" for a model built in memory. */
    char file_sha256[65];
    int64_t file_size;
    char *file_path;            /* realpath of that file at load; NULL in memory */
    int format_version;         /* as read; 0 for a model built in memory */
};

/* A zeroed model with n_features zeroed features; NULL when out of memory. */
ristra_model *ristra__model_new(int64_t n_features);

/* The JSON form of the native format is in model_json_internal.h, so
 * that the scorers and the kernel do not see jansson. */

#endif
