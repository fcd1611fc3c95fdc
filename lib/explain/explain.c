/* ristra_model_explain(): features -> contributions, over row blocks split
 * across threads, with the calibration block folded in (see explain.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/explain.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "../common/struct_version_internal.h"
#include "../features/features_internal.h"
#include "explain_internal.h"

/* Explaining costs tens of microseconds a row: threads pay off early. */
enum { MIN_ROWS_PER_THREAD = 256, ROWS = RISTRA__EXPLAIN_ROWS };

static const char FN[] = "ristra_model_explain";

typedef struct explain_job {
    void **scratch;
    const ristra_model *model;
    const ristra__shap_tables *tables;
    const void *x;
    ristra_dtype dtype;
    int64_t stride, col_stride;
    double *out;
    int32_t *status;
} explain_job;

static const ristra_explain_options DEFAULTS = RISTRA_EXPLAIN_OPTIONS_INIT;

int ristra_explain_options_init(ristra_explain_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_explain_options,
                               "ristra_explain_options_init");
}

int ristra_model_explainable(const ristra_model *model)
{
    if (!model)
        return ristra__error(RISTRA_EINVAL, "ristra_model_explainable: model is NULL");
    if (model->kind == RISTRA_MODEL_LOGISTIC && !model->reference)
        return ristra__error(RISTRA_EUNSUPPORTED,
                             "this logistic model has no reference values (logistic.reference, "
                             "the training means that `ristra fit` records since format_version "
                             "2), so it cannot be explained: refit it with ristra 2.0 or add them");
    if (model->kind == RISTRA_MODEL_GBDT)
        for (int64_t i = 0; i < model->gbdt->n_trees; i++)
            if (!model->gbdt->trees[i].cover)
                return ristra__error(RISTRA_EUNSUPPORTED,
                                     "this gbdt model has no node covers (tree %lld has no "
                                     "\"cover\" array, XGBoost's sum_hessian), which TreeSHAP "
                                     "needs: convert the XGBoost model again with ristra 2.0 "
                                     "(`ristra convert`) to explain it",
                                     (long long)i);
    return RISTRA_OK;
}

/* Final-margin scale: contributions times the slope; the bias also gets
 * the intercept (explain.h). */
static void calibrate_row(double *row, const ristra_model *m)
{
    if (!m->has_calibration)
        return;
    for (int64_t j = 0; j <= m->n_features; j++)
        row[j] *= m->cal_slope;
    row[m->n_features] += m->cal_intercept;
}

static void logistic_row(double *out, const ristra_model *m, const double *x)
{
    double bias = m->intercept;
    for (int64_t j = 0; j < m->n_features; j++) {
        out[j] = m->coef[j] * (x[j] - m->reference[j]);
        bias += m->coef[j] * m->reference[j];
    }
    out[m->n_features] = bias;
    calibrate_row(out, m);
}

static void nan_row(double *out, int64_t n)
{
    for (int64_t j = 0; j < n; j++)
        out[j] = NAN;
}

static int explain_logistic_range(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    const explain_job *job = ctx;
    const ristra_model *m = job->model;
    const int64_t nf = m->n_features, w = nf + 1;
    const size_t elem = job->dtype == RISTRA_FLOAT32 ? sizeof(float) : sizeof(double);
    double *x = job->scratch[thread_index];
    int32_t *status = (int32_t *)(x + ROWS * nf);
    for (int64_t r0 = begin; r0 < end; r0 += ROWS) {
        int64_t n = end - r0 < ROWS ? end - r0 : ROWS;
        const char *src = (const char *)job->x + (size_t)r0 * (size_t)job->stride * elem;
        ristra__features_f64(x, status, m, src, job->dtype, n, job->stride,
                             job->col_stride);
        for (int64_t i = 0; i < n; i++) {
            double *out = job->out + (r0 + i) * w;
            if (status[i])
                nan_row(out, w);
            else
                logistic_row(out, m, x + i * nf);
            if (job->status)
                job->status[r0 + i] = status[i];
        }
    }
    return RISTRA_OK;
}

/* Scratch of the gbdt path: the kernel's, then phi (w x ROWS) and the
 * block in the gbdt kernel's two-column form (2 nf x ROWS floats), each
 * 64-byte aligned, and the statuses. */
static size_t round64(size_t k)
{
    return (k + 63) / 64 * 64;
}

static size_t gbdt_scratch_bytes(const explain_job *job)
{
    const int64_t nf = job->model->n_features;
    return round64(ristra__shap_scratch_bytes(job->tables, nf)) +
           round64((size_t)ROWS * (size_t)(nf + 1) * sizeof(double)) +
           round64((size_t)ROWS * 2 * (size_t)nf * sizeof(float)) + (size_t)ROWS * 4;
}

static int explain_gbdt_range(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    const explain_job *job = ctx;
    const ristra_model *m = job->model;
    const int64_t nf = m->n_features, w = nf + 1;
    const size_t elem = job->dtype == RISTRA_FLOAT32 ? sizeof(float) : sizeof(double);
    char *base = job->scratch[thread_index];
    const size_t phi_bytes = round64((size_t)ROWS * (size_t)w * sizeof(double));
    double *phi = (double *)(void *)(base + round64(ristra__shap_scratch_bytes(job->tables, nf)));
    float *x2 = (float *)(void *)((char *)phi + phi_bytes);
    int32_t *status = (int32_t *)(void *)((char *)x2 +
                                          round64((size_t)ROWS * 2 * (size_t)nf * sizeof(float)));
    /* rows past the last of a short block are walked too (whole vectors)
     * and ignored; they must hold numbers */
    memset(x2, 0, (size_t)ROWS * 2 * (size_t)nf * sizeof(float));
    for (int64_t r0 = begin; r0 < end; r0 += ROWS) {
        int64_t n = end - r0 < ROWS ? end - r0 : ROWS;
        const char *src = (const char *)job->x + (size_t)r0 * (size_t)job->stride * elem;
        ristra__features_f32_pair(x2, status, m, src, job->dtype, n, job->stride,
                                  job->col_stride);
        memset(phi, 0, (size_t)(w * ROWS) * sizeof *phi);
        ristra__shap_block(phi, job->tables, m->gbdt, x2, n, nf, base);
        for (int64_t i = 0; i < n; i++) {
            double *out = job->out + (r0 + i) * w;
            if (status[i]) {
                nan_row(out, w);
            } else {
                for (int64_t j = 0; j < w; j++)
                    out[j] = phi[j * ROWS + i];
                calibrate_row(out, m);
            }
            if (job->status)
                job->status[r0 + i] = status[i];
        }
    }
    return RISTRA_OK;
}

static int check_arguments(const double *out, const ristra_model *model, const void *x,
                           ristra_dtype dtype, int64_t n_rows, int64_t n_cols,
                           int64_t row_stride, int64_t col_stride,
                           const ristra_explain_options *o)
{
    if (!model)
        return ristra__error(RISTRA_EINVAL, "%s: model is NULL", FN);
    if (!out)
        return ristra__error(RISTRA_EINVAL, "%s: contrib_out is NULL", FN);
    if (dtype != RISTRA_FLOAT32 && dtype != RISTRA_FLOAT64)
        return ristra__error(RISTRA_EINVAL,
                             "%s: dtype is %d (expected RISTRA_FLOAT32 or RISTRA_FLOAT64)", FN,
                             (int)dtype);
    if (n_rows < 0)
        return ristra__error(RISTRA_EINVAL, "%s: n_rows is %lld", FN, (long long)n_rows);
    if (n_cols != model->n_features)
        return ristra__error(RISTRA_EINVAL, "%s: n_cols is %lld but the model has %lld features",
                             FN, (long long)n_cols, (long long)model->n_features);
    int rc = ristra__check_strides(FN, n_rows, n_cols, row_stride, col_stride);
    if (rc)
        return rc;
    if (!x && n_rows > 0)
        return ristra__error(RISTRA_EINVAL, "%s: x is NULL", FN);
    if (ristra__check_threads(o->n_threads, FN))
        return RISTRA_EINVAL;
    return ristra_model_explainable(model);
}

int ristra_model_explain(double *contrib_out, int32_t *status_out, const ristra_model *model,
                         const void *x, ristra_dtype dtype, int64_t n_rows, int64_t n_cols,
                         int64_t row_stride, int64_t col_stride,
                         const ristra_explain_options *opts)
{
    ristra_explain_options o;
    int rc = ristra__struct_load(&o, opts, &DEFAULTS, &ristra__info_explain_options, FN);
    if (!rc)
        rc = check_arguments(contrib_out, model, x, dtype, n_rows, n_cols, row_stride,
                             col_stride, &o);
    if (rc || n_rows == 0)
        return rc;
    explain_job job = { NULL, model, NULL, x, dtype, row_stride, col_stride, contrib_out,
                        status_out };
    const int is_gbdt = model->kind == RISTRA_MODEL_GBDT;
    if (is_gbdt && !(job.tables = ristra__shap_tables_get(model->gbdt, model->n_features)))
        return RISTRA_ENOMEM;
    size_t bytes = is_gbdt ? gbdt_scratch_bytes(&job)
                           : (size_t)ROWS * ((size_t)model->n_features * 8 + 4);
    int threads = ristra__resolve_threads(o.n_threads, n_rows, MIN_ROWS_PER_THREAD);
    /* All scratch first: a failure leaves the caller's buffers untouched. */
    job.scratch = calloc((size_t)threads, sizeof *job.scratch);
    if (!job.scratch)
        return ristra__oom();
    for (int t = 0; t < threads && !rc; t++)
        if (!(job.scratch[t] = aligned_alloc(64, (bytes + 63) / 64 * 64)))
            rc = ristra__oom();
    if (!rc)
        rc = ristra__parallel_for(n_rows, threads,
                                  is_gbdt ? explain_gbdt_range : explain_logistic_range, &job);
    for (int t = 0; t < threads; t++)
        free(job.scratch[t]);
    free(job.scratch);
    return rc;
}
