/* The features step: a caller's block (float or double, any row stride)
 * becomes the dense block a model kernel reads, with each feature's
 * missing policy and valid range applied and a status for every row. */
#ifndef RISTRA_FEATURES_INTERNAL_H
#define RISTRA_FEATURES_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "ristra/score.h"
#include "../common/reject_mark_internal.h"
#include "../model/model_internal.h"
#include "../schema/schema_internal.h"

/* Checks one value with the schema's rule for feature f and, when it is
 * missing and f imputes, imputes it in place; returns the row status it
 * causes (RISTRA_ROW_OK when the value is usable). */
static inline int ristra__feature_check(const ristra__feature *f, double *v)
{
    int st = ristra__value_status(*v, f->lo, f->hi, f->missing_policy);
    if (__builtin_expect(isnan(*v), 0)) {
        int reader_status = ristra__reject_mark_status(*v);
        if (reader_status)
            return reader_status; /* a row the population reader rejected */
        if (f->required)
            return RISTRA_ROW_MISSING;
        if (st == RISTRA_ROW_OK && f->missing_policy == RISTRA_MISSING_IMPUTE)
            *v = f->impute;
    }
    return st;
}

/* Reads element i of x (r * stride + j * col_stride) as double. */
static inline double ristra__block_value(const void *x, ristra_dtype dtype, int64_t i)
{
    return dtype == RISTRA_FLOAT32 ? (double)((const float *)x)[i] : ((const double *)x)[i];
}

/* The status of a row whose per-feature checks gave st with n_present
 * features present: too few present is RISTRA_ROW_INSUFFICIENT_DATA. */
static inline int ristra__row_present_status(const ristra_model *m, int st, int64_t n_present)
{
    return st ? st : n_present < m->min_present ? RISTRA_ROW_INSUFFICIENT_DATA : RISTRA_ROW_OK;
}

/* Fills dst (n rows x n_features doubles, contiguous) from rows of x (row r,
 * feature j at x[r * stride + j * col_stride], in elements) and
 * sets status[r]. A rejected row keeps its first failing status and its
 * dst row holds zeros. Returns the number of rejected rows. */
/* The block's strides (ristra_model_score(), ristra_model_explain()): at
 * least 1 and giving every element its own address; RISTRA_EINVAL naming
 * fn otherwise. */
int ristra__check_strides(const char *fn, int64_t n_rows, int64_t n_cols, int64_t row_stride,
                          int64_t col_stride);

int64_t ristra__features_f64(double *dst, int32_t *status, const ristra_model *m, const void *x,
                             ristra_dtype dtype, int64_t n, int64_t stride, int64_t col_stride);

/* Fills dst with up to RISTRA__GBDT_BLOCK_ROWS rows in the gbdt kernel's
 * two-column, column-major block form (see lib/model/gbdt_internal.h): a
 * usable value v gives (float)v twice; a missing one passed to the trees
 * gives -inf, +inf. Statuses and the return value as for
 * ristra__features_f64(). */
int64_t ristra__features_f32_pair(float *dst, int32_t *status, const ristra_model *m,
                                  const void *x, ristra_dtype dtype, int64_t n, int64_t stride,
                                  int64_t col_stride);

#endif
