/* The features step for dense blocks. */
#include <string.h>

#include "features_internal.h"
#include "../common/error_internal.h"
#include "../model/gbdt_internal.h"

int64_t ristra__features_f64(double *dst, int32_t *status, const ristra_model *m, const void *x,
                             ristra_dtype dtype, int64_t n, int64_t stride, int64_t col_stride)
{
    const int64_t nf = m->n_features;
    int64_t rejected = 0;
    for (int64_t r = 0; r < n; r++) {
        double *row = dst + r * nf;
        /* copy first, with the dtype decided once per row, then check */
        if (dtype == RISTRA_FLOAT64 && col_stride == 1) {
            memcpy(row, (const double *)x + r * stride, (size_t)nf * sizeof *row);
        } else if (dtype == RISTRA_FLOAT64) {
            const double *src = (const double *)x + r * stride;
            for (int64_t j = 0; j < nf; j++)
                row[j] = src[j * col_stride];
        } else {
            const float *src = (const float *)x + r * stride;
            for (int64_t j = 0; j < nf; j++)
                row[j] = src[j * col_stride];
        }
        int st = RISTRA_ROW_OK;
        int64_t present = 0;
        for (int64_t j = 0; j < nf; j++) {
            present += !isnan(row[j]);
            int s = ristra__feature_check(&m->features[j], &row[j]);
            if (s && !st)
                st = s;
        }
        st = ristra__row_present_status(m, st, present);
        if (st) {
            memset(row, 0, (size_t)nf * sizeof *row);
            rejected++;
        }
        status[r] = st;
    }
    return rejected;
}

int64_t ristra__features_f32_pair(float *dst, int32_t *status, const ristra_model *m,
                                  const void *x, ristra_dtype dtype, int64_t n, int64_t stride,
                                  int64_t col_stride)
{
    const int64_t nf = m->n_features, b = RISTRA__GBDT_BLOCK_ROWS;
    int64_t rejected = 0;
    for (int64_t r = 0; r < n; r++) {
        int st = RISTRA_ROW_OK;
        int64_t present = 0;
        for (int64_t j = 0; j < nf; j++) {
            double v = ristra__block_value(x, dtype, r * stride + j * col_stride);
            present += !isnan(v);
            int s = ristra__feature_check(&m->features[j], &v);
            if (s && !st)
                st = s;
            int missing = isnan(v);
            dst[2 * j * b + r] = missing ? -INFINITY : (float)v;
            dst[(2 * j + 1) * b + r] = missing ? INFINITY : (float)v;
        }
        st = ristra__row_present_status(m, st, present);
        if (st) {
            for (int64_t c = 0; c < 2 * nf; c++)
                dst[c * b + r] = 0.0f;
            rejected++;
        }
        status[r] = st;
    }
    return rejected;
}

/* The strides must give every element its own address: row-major
 * (col_stride 1, row_stride >= n_cols), column-major (row_stride 1,
 * col_stride >= n_rows), or anything else without overlap. */
int ristra__check_strides(const char *fn, int64_t n_rows, int64_t n_cols, int64_t row_stride,
                          int64_t col_stride)
{
    if (row_stride < 1 || col_stride < 1)
        return ristra__error(RISTRA_EINVAL, "%s: row_stride %lld and col_stride %lld must be "
                             "at least 1", fn, (long long)row_stride, (long long)col_stride);
    if (row_stride / col_stride < n_cols && col_stride / row_stride < n_rows)
        return ristra__error(RISTRA_EINVAL,
                             "%s: row_stride %lld and col_stride %lld make elements of a "
                             "%lld x %lld block overlap (row-major: col_stride 1 and row_stride "
                             ">= n_cols; column-major: row_stride 1 and col_stride >= n_rows)",
                             fn, (long long)row_stride, (long long)col_stride,
                             (long long)n_rows, (long long)n_cols);
    return RISTRA_OK;
}
