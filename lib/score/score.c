/* Dense-block scoring: features -> model -> link, over row blocks, split
 * across threads. Each thread owns one scratch buffer for the call; the
 * model is only read. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/score.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "../common/struct_version_internal.h"
#include "../features/features_internal.h"
#include "../link/link_internal.h"
#include "../model/gbdt_internal.h"
#include "../model/logistic_internal.h"
#include "../model/model_internal.h"

/* Below this many rows per thread, starting a thread costs more than it saves. */
enum { MIN_ROWS_PER_THREAD = 4096 };

/* The largest per-call scratch kept on the caller's stack (a gbdt model of
 * up to about 40 features). */
enum { STACK_SCRATCH_BYTES = 24 * 1024 };

typedef struct score_job {
    void **scratch;              /* one buffer per thread, allocated up front */
    const ristra_model *model;
    const void *x;
    ristra_dtype dtype;
    int64_t stride, col_stride;
    double *prob, *margin;
    int32_t *status;
} score_job;

/* Writes one block's results; rejected rows get NaN. A row whose margin
 * is not finite is rejected here: the sigmoid would turn a NaN margin
 * into a plausible tiny risk, and an infinite one into 0 or 1. */
static void emit(const score_job *job, int64_t r0, int64_t n, const double *margin,
                 const double *prob, int32_t *status)
{
    for (int64_t i = 0; i < n; i++) {
        if (status[i] == RISTRA_ROW_OK &&
            (!isfinite(margin[i]) || (job->prob && !(prob[i] >= 0.0 && prob[i] <= 1.0))))
            status[i] = RISTRA_ROW_NOT_FINITE;
        int ok = status[i] == RISTRA_ROW_OK;
        if (job->margin)
            job->margin[r0 + i] = ok ? margin[i] : NAN;
        if (job->prob)
            job->prob[r0 + i] = ok ? prob[i] : NAN;
        if (job->status)
            job->status[r0 + i] = status[i];
    }
}

static size_t logistic_scratch_bytes(const ristra_model *m)
{
    const int64_t block = ristra__logistic_block_rows(m->n_features);
    return (size_t)block * ((size_t)m->n_features + 2) * sizeof(double) +
           (size_t)block * sizeof(int32_t);
}

static int score_logistic_range(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    const score_job *job = ctx;
    const ristra_model *m = job->model;
    const int64_t block = ristra__logistic_block_rows(m->n_features);
    const size_t elem = job->dtype == RISTRA_FLOAT32 ? sizeof(float) : sizeof(double);
    double *x = job->scratch[thread_index];
    double *margin = x + block * m->n_features;
    double *prob = margin + block;
    int32_t *status = (int32_t *)(prob + block);
    for (int64_t r0 = begin; r0 < end; r0 += block) {
        int64_t n = end - r0 < block ? end - r0 : block;
        const char *src = (const char *)job->x + (size_t)r0 * (size_t)job->stride * elem;
        ristra__features_f64(x, status, m, src, job->dtype, n, job->stride, job->col_stride);
        ristra__logistic_margin(margin, m, x, n);
        if (job->prob)
            ristra__link_logit(prob, margin, n, m);
        emit(job, r0, n, margin, prob, status);
    }
    return RISTRA_OK;
}

static size_t gbdt_scratch_bytes(const ristra_model *m)
{
    const size_t b = RISTRA__GBDT_BLOCK_ROWS;
    return b * 2 * (size_t)m->n_features * sizeof(float) + b * sizeof(float) +
           2 * b * sizeof(double) + b * sizeof(int32_t);
}

static int score_gbdt_range(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    const score_job *job = ctx;
    const ristra_model *m = job->model;
    const int64_t block = RISTRA__GBDT_BLOCK_ROWS;
    const size_t elem = job->dtype == RISTRA_FLOAT32 ? sizeof(float) : sizeof(double);
    /* doubles first, then floats and statuses, to keep every array aligned */
    double *margin = job->scratch[thread_index];
    double *prob = margin + block;
    float *x2 = (float *)(prob + block);
    float *margin32 = x2 + block * 2 * m->n_features;
    int32_t *status = (int32_t *)(margin32 + block);
    for (int64_t r0 = begin; r0 < end; r0 += block) {
        int64_t n = end - r0 < block ? end - r0 : block;
        const char *src = (const char *)job->x + (size_t)r0 * (size_t)job->stride * elem;
        ristra__features_f32_pair(x2, status, m, src, job->dtype, n, job->stride,
                                  job->col_stride);
        ristra__gbdt_margin(margin32, m->gbdt, x2, n, m->n_features);
        for (int64_t i = 0; i < n; i++)
            margin[i] = margin32[i];
        if (job->prob) {
            if (m->has_calibration)
                ristra__link_logit(prob, margin, n, m);
            else /* exactly XGBoost's own transform */
                for (int64_t i = 0; i < n; i++)
                    prob[i] = ristra__gbdt_sigmoid(margin32[i]);
        }
        emit(job, r0, n, margin, prob, status);
    }
    return RISTRA_OK;
}

static const ristra_score_options DEFAULTS = RISTRA_SCORE_OPTIONS_INIT;

int ristra_score_options_init(ristra_score_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_score_options,
                               "ristra_score_options_init");
}

static int check_arguments(const double *prob_out, const double *margin_out,
                           const int32_t *status_out, const ristra_model *model, const void *x,
                           ristra_dtype dtype, int64_t n_rows, int64_t n_cols,
                           int64_t row_stride, int64_t col_stride,
                           const ristra_score_options *o)
{
    static const char fn[] = "ristra_model_score";
    if (!model)
        return ristra__error(RISTRA_EINVAL, "%s: model is NULL", fn);
    if (!prob_out && !margin_out && !status_out)
        return ristra__error(RISTRA_EINVAL, "%s: prob_out, margin_out and status_out are all NULL",
                             fn);
    if (dtype != RISTRA_FLOAT32 && dtype != RISTRA_FLOAT64)
        return ristra__error(RISTRA_EINVAL,
                             "%s: dtype is %d (expected RISTRA_FLOAT32 or RISTRA_FLOAT64)", fn,
                             (int)dtype);
    if (n_rows < 0)
        return ristra__error(RISTRA_EINVAL, "%s: n_rows is %lld", fn, (long long)n_rows);
    if (n_cols != model->n_features)
        return ristra__error(RISTRA_EINVAL, "%s: n_cols is %lld but the model has %lld features",
                             fn, (long long)n_cols, (long long)model->n_features);
    int rc = ristra__check_strides(fn, n_rows, n_cols, row_stride, col_stride);
    if (rc)
        return rc;
    if (!x && n_rows > 0)
        return ristra__error(RISTRA_EINVAL, "%s: x is NULL", fn);
    return ristra__check_threads(o->n_threads, fn);
}

int ristra_model_score(double *prob_out, double *margin_out, int32_t *status_out,
                       const ristra_model *model, const void *x, ristra_dtype dtype,
                       int64_t n_rows, int64_t n_cols, int64_t row_stride, int64_t col_stride,
                       const ristra_score_options *opts)
{
    ristra_score_options o;
    int rc = ristra__struct_load(&o, opts, &DEFAULTS, &ristra__info_score_options,
                                 "ristra_model_score");
    if (!rc)
        rc = check_arguments(prob_out, margin_out, status_out, model, x, dtype, n_rows, n_cols,
                             row_stride, col_stride, &o);
    if (rc)
        return rc;
    if (n_rows == 0)
        return RISTRA_OK;
    int threads = ristra__resolve_threads(o.n_threads, n_rows, MIN_ROWS_PER_THREAD);
    int is_gbdt = model->kind == RISTRA_MODEL_GBDT;
    size_t bytes = is_gbdt ? gbdt_scratch_bytes(model) : logistic_scratch_bytes(model);
    ristra__range_fn kernel = is_gbdt ? score_gbdt_range : score_logistic_range;

    /* One thread with a small scratch (a GP system scoring a patient or a
     * few): the scratch lives on this stack and the call allocates nothing. */
    if (threads == 1 && bytes <= STACK_SCRATCH_BYTES) {
        _Alignas(64) unsigned char stack_scratch[STACK_SCRATCH_BYTES];
        void *one = stack_scratch;
        score_job job = { &one, model, x, dtype, row_stride, col_stride,
                          prob_out, margin_out, status_out };
        return ristra__parallel_for(n_rows, 1, kernel, &job);
    }

    /* All scratch is allocated before any output is written, so that a
     * failure leaves the caller's buffers untouched. */
    void **scratch = calloc((size_t)threads, sizeof *scratch);
    if (!scratch)
        return ristra__oom();
    for (int t = 0; t < threads; t++) {
        scratch[t] = malloc(bytes);
        if (!scratch[t]) {
            rc = ristra__oom();
            break;
        }
    }
    if (!rc) {
        score_job job = { scratch, model, x, dtype, row_stride, col_stride,
                           prob_out, margin_out, status_out };
        rc = ristra__parallel_for(n_rows, threads, kernel, &job);
    }
    for (int t = 0; t < threads; t++)
        free(scratch[t]);
    free(scratch);
    return rc;
}

int ristra_model_check_row(ristra_row_check *out, const ristra_model *model, const void *row,
                           ristra_dtype dtype, int64_t n_cols)
{
    static const char fn[] = "ristra_model_check_row";
    if (!out || !model || !row)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn,
                             !out ? "out" : !model ? "model" : "row");
    if (out->version != RISTRA_ROW_CHECK_VERSION)
        return ristra__error(RISTRA_EINVAL,
                             "%s: out->version is %d, expected %d (initialise with "
                             "RISTRA_ROW_CHECK_INIT)",
                             fn, out->version, RISTRA_ROW_CHECK_VERSION);
    int32_t status = 0;
    int rc = ristra_model_score(NULL, NULL, &status, model, row, dtype, 1, n_cols, n_cols, 1, NULL);
    if (rc)
        return rc;
    out->status = status;
    out->feature = -1;
    out->n_present = 0;
    out->n_needed = model->min_present;
    for (int64_t j = 0; j < n_cols; j++) {
        double v = ristra__block_value(row, dtype, j);
        out->n_present += !isnan(v);
        if (out->feature < 0 && ristra__feature_check(&model->features[j], &v) == status &&
            status != RISTRA_ROW_OK)
            out->feature = j;
    }
    return RISTRA_OK;
}

const char *ristra_row_status_string(int status)
{
    switch (status) {
    case RISTRA_ROW_OK: return "ok";
    case RISTRA_ROW_MISSING: return "missing required value";
    case RISTRA_ROW_OUT_OF_RANGE: return "value out of range";
    case RISTRA_ROW_NOT_NUMERIC: return "value not numeric";
    case RISTRA_ROW_BAD_NHS_NUMBER: return "invalid NHS number";
    case RISTRA_ROW_FIELD_COUNT: return "wrong number of fields";
    case RISTRA_ROW_DUPLICATE: return "duplicate identifier";
    case RISTRA_ROW_BAD_PRACTICE: return "invalid practice code";
    case RISTRA_ROW_BAD_OUTCOME: return "invalid outcome value";
    case RISTRA_ROW_NOT_FINITE: return "margin not finite";
    case RISTRA_ROW_BAD_PSEUDONYM: return "invalid pseudonym";
    case RISTRA_ROW_INSUFFICIENT_DATA: return "too few features present";
    default: return "unknown row status";
    }
}
