/* The fit's first pass over the data: every value is checked (the fit
 * refuses rather than drops a row) and the per-column statistics that the
 * IRLS passes (centring), the error messages (separation) and the model's
 * feature metadata (ranges, means) need are collected, chunk by chunk so
 * that the sums do not depend on the thread count. */
#define _DEFAULT_SOURCE /* lgamma_r: lgamma's global signgam is not thread-safe */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "fit_internal.h"

/* OpenBLAS 0.3.21 runs a gemv on the calling thread only when
 * m * n < 2304 * GEMM_MULTITHREAD_THRESHOLD (4 in Debian's build;
 * interface/gemv.c), and the QR updates are made of such gemvs: those
 * calls get sub-blocks of gemv_rows rows. dsyrk stays on the calling
 * thread for any number of rows (see irls.c), so it gets whole blocks of
 * up to BLOCK_ROWS rows, which keeps its per-call overhead small while a
 * block of scratch still fits in a core's L2 cache. */
enum { GEMV_SINGLE_THREAD_ELEMENTS = 2304 * 4, BLOCK_ROWS = 1024, MIN_ROWS_PER_THREAD = 4096 };

/* Partial cross-products cost q1^2 doubles per chunk: at most 256 chunks,
 * fewer for very wide models. */
enum { MAX_CHUNKS = 256, MIN_CHUNKS = 16, CHUNK_BUDGET_DOUBLES = 1 << 22 };

void ristra__fit_layout_init(ristra__fit_layout *l, int64_t n, int64_t q1, int requested_threads)
{
    int64_t rows = (GEMV_SINGLE_THREAD_ELEMENTS - 1) / (q1 > 0 ? q1 : 1);
    rows = rows < BLOCK_ROWS ? rows - rows % 8 : BLOCK_ROWS;
    l->gemv_rows = rows >= 8 ? rows : 8;
    l->block_rows = BLOCK_ROWS / l->gemv_rows * l->gemv_rows;
    int64_t max_chunks = CHUNK_BUDGET_DOUBLES / (q1 * q1 > 0 ? q1 * q1 : 1);
    if (max_chunks > MAX_CHUNKS)
        max_chunks = MAX_CHUNKS;
    if (max_chunks < MIN_CHUNKS)
        max_chunks = MIN_CHUNKS;
    int64_t n_blocks = (n + l->block_rows - 1) / l->block_rows;
    int64_t blocks_per_chunk = (n_blocks + max_chunks - 1) / max_chunks;
    if (blocks_per_chunk < 1)
        blocks_per_chunk = 1;
    l->chunk_rows = blocks_per_chunk * l->block_rows;
    l->n_chunks = (n + l->chunk_rows - 1) / l->chunk_rows;
    if (l->n_chunks < 1)
        l->n_chunks = 1;
    int threads = ristra__resolve_threads(requested_threads, n, MIN_ROWS_PER_THREAD);
    l->n_threads = threads < l->n_chunks ? threads : (int)l->n_chunks;
}

const char *ristra__fit_column_name(char *buf, size_t size, const ristra__fit_data *d, int64_t j)
{
    if (d->names)
        snprintf(buf, size, "\"%s\"", d->names[j]);
    else
        snprintf(buf, size, "column %lld", (long long)j);
    return buf;
}

/* What one chunk found. The bad value, if any, is the first in row order. */
typedef struct chunk_stats {
    int64_t bad_row, bad_col;   /* bad_col -1: y, -2: weight */
    int bad_kind;               /* 0 none, 1 not finite, 2 y outside [0, 1], 3 negative weight */
    int64_t n_used;
    double sum_w, sum_wy, lchoose, ylogy;
    int64_t inexact_loglik;     /* rows whose log-likelihood is not -deviance / 2 */
    double *col;                /* 5 p: sum w x, then min, max over y < 1 and over y > 0 */
} chunk_stats;

typedef struct check_job {
    const ristra__fit_data *d;
    chunk_stats *chunks;
} check_job;

static double ylogy(double y)
{
    return y > 0 ? y * log(y) : 0.0;
}

/* log choose(round(w), round(w y)), the constant part of R's binomial AIC. */
static double log_choose(double w, double y)
{
    double m = nearbyint(w), k = nearbyint(w * y);
    if (m <= 1 || k <= 0 || k >= m)
        return 0.0;
    int sign;
    return lgamma_r(m + 1, &sign) - lgamma_r(k + 1, &sign) - lgamma_r(m - k + 1, &sign);
}

static void col_init(double *col, int64_t p)
{
    for (int64_t j = 0; j < p; j++) {
        col[j] = 0.0;
        col[p + j] = col[3 * p + j] = INFINITY;
        col[2 * p + j] = col[4 * p + j] = -INFINITY;
    }
}

/* Branch-free so that the compiler vectorises it; the values are finite. */
static void min_max(double *lo, double *hi, const double *row, int64_t p)
{
    for (int64_t j = 0; j < p; j++) {
        lo[j] = row[j] < lo[j] ? row[j] : lo[j];
        hi[j] = row[j] > hi[j] ? row[j] : hi[j];
    }
}

/* Every row has y < 1 or y > 0 (a row with 0 < y < 1 holds both
 * outcomes), so the overall range is the union of the two. */
static void col_update(double *col, int64_t p, const double *row, double w, double y)
{
    for (int64_t j = 0; j < p; j++)
        col[j] += w * row[j];
    if (y < 1)
        min_max(col + p, col + 2 * p, row, p);
    if (y > 0)
        min_max(col + 3 * p, col + 4 * p, row, p);
}

/* Whether every value is finite, by their exponent bits (vectorises). */
static int all_finite(const double *row, int64_t p)
{
    const uint64_t exponent = 0x7ff0000000000000u;
    uint64_t any = 0;
    for (int64_t j = 0; j < p; j++) {
        uint64_t bits;
        memcpy(&bits, &row[j], sizeof bits);
        any |= (bits & exponent) == exponent;
    }
    return !any;
}

static int bad(chunk_stats *c, int64_t row, int64_t col, int kind)
{
    c->bad_row = row;
    c->bad_col = col;
    c->bad_kind = kind;
    return 1;
}

static int check_row(chunk_stats *c, const ristra__fit_data *d, int64_t r)
{
    const double *row = d->x + r * d->stride;
    if (!all_finite(row, d->p))
        for (int64_t j = 0; j < d->p; j++)
            if (!isfinite(row[j]))
                return bad(c, r, j, 1);
    double y = d->y[r], w = d->w ? d->w[r] : 1.0;
    if (!isfinite(y))
        return bad(c, r, -1, 1);
    if (y < 0 || y > 1)
        return bad(c, r, -1, 2);
    if (!isfinite(w))
        return bad(c, r, -2, 1);
    if (w < 0)
        return bad(c, r, -2, 3);
    if (w == 0)
        return 0;
    c->n_used++;
    c->inexact_loglik += !(w == nearbyint(w) && (y == 0 || y == 1));
    c->sum_w += w;
    c->sum_wy += w * y;
    c->lchoose += log_choose(w, y);
    c->ylogy += w * (ylogy(y) + ylogy(1 - y));
    col_update(c->col, d->p, row, w, y);
    return 0;
}

static int check_chunks(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    (void)thread_index;
    check_job *job = ctx;
    const ristra__fit_data *d = job->d;
    for (int64_t ci = begin; ci < end; ci++) {
        chunk_stats *c = &job->chunks[ci];
        int64_t r0 = ci * d->layout.chunk_rows;
        int64_t r1 = r0 + d->layout.chunk_rows < d->n ? r0 + d->layout.chunk_rows : d->n;
        col_init(c->col, d->p);
        for (int64_t r = r0; r < r1; r++)
            if (check_row(c, d, r))
                break;
    }
    return 0;
}

static int report_bad(const ristra__fit_data *d, const chunk_stats *c)
{
    static const char fn[] = "ristra_fit_logistic";
    char name[160];
    const char *what = c->bad_col == -1   ? "y"
                       : c->bad_col == -2 ? "weights"
                                          : ristra__fit_column_name(name, sizeof name, d, c->bad_col);
    double v = c->bad_col == -1 ? d->y[c->bad_row]
               : c->bad_col == -2 ? d->w[c->bad_row]
                                  : d->x[c->bad_row * d->stride + c->bad_col];
    const char *why = c->bad_kind == 1   ? "is not finite (missing values must be imputed or "
                                           "their rows removed before fitting)"
                      : c->bad_kind == 2 ? "is outside [0, 1]"
                                         : "is negative";
    return ristra__error(RISTRA_EINVAL, "%s: row %lld, %s: value %g %s", fn,
                         (long long)c->bad_row, what, v, why);
}

/* Adds the chunks up in chunk order. */
static void reduce(ristra__fit_data *d, const chunk_stats *chunks, int64_t n_chunks)
{
    const int64_t p = d->p;
    d->loglik_from_deviance = 1;
    for (int64_t j = 0; j < p; j++) {
        d->min0[j] = d->min1[j] = INFINITY;
        d->max0[j] = d->max1[j] = -INFINITY;
        d->mean[j] = 0.0;
    }
    for (int64_t ci = 0; ci < n_chunks; ci++) {
        const chunk_stats *c = &chunks[ci];
        d->n_used += c->n_used;
        d->loglik_from_deviance = d->loglik_from_deviance && c->inexact_loglik == 0;
        d->sum_w += c->sum_w;
        d->sum_wy += c->sum_wy;
        d->lchoose_sum += c->lchoose;
        d->ylogy_sum += c->ylogy;
        for (int64_t j = 0; j < p; j++) {
            d->mean[j] += c->col[j];
            d->min0[j] = fmin(d->min0[j], c->col[p + j]);
            d->max0[j] = fmax(d->max0[j], c->col[2 * p + j]);
            d->min1[j] = fmin(d->min1[j], c->col[3 * p + j]);
            d->max1[j] = fmax(d->max1[j], c->col[4 * p + j]);
        }
    }
    for (int64_t j = 0; j < p; j++) {
        d->min[j] = fmin(d->min0[j], d->min1[j]);
        d->max[j] = fmax(d->max0[j], d->max1[j]);
    }
}

static int check_columns(const ristra__fit_data *d)
{
    if (d->n_used == 0)
        return ristra__error(RISTRA_EINVAL, "ristra_fit_logistic: no row has a positive weight");
    for (int64_t j = 0; j < d->p; j++) /* clamped: rounding must not put the mean outside the range */
        d->mean[j] = fmin(fmax(d->mean[j] / d->sum_w, d->min[j]), d->max[j]);
    if (!d->intercept)
        return RISTRA_OK;
    for (int64_t j = 0; j < d->p; j++) {
        if (d->min[j] == d->max[j]) {
            char name[160];
            return ristra__error(RISTRA_ENUMERIC,
                                 "ristra_fit_logistic: %s is constant (%g in every row with a "
                                 "positive weight), so it cannot be told apart from the "
                                 "intercept; remove it",
                                 ristra__fit_column_name(name, sizeof name, d, j), d->min[j]);
        }
    }
    return RISTRA_OK;
}

int ristra__fit_check(ristra__fit_data *d, int n_threads)
{
    const int64_t p = d->p;
    ristra__fit_layout_init(&d->layout, d->n, p + d->intercept + 1, n_threads);
    const int64_t n_chunks = d->layout.n_chunks;
    size_t per_col = p > 0 ? (size_t)p : 1;
    double *cols = malloc((size_t)n_chunks * 5 * per_col * sizeof *cols);
    chunk_stats *chunks = calloc((size_t)n_chunks, sizeof *chunks);
    d->min = malloc(7 * per_col * sizeof *d->min);
    if (!cols || !chunks || !d->min) {
        free(cols);
        free(chunks);
        return ristra__oom();
    }
    d->max = d->min + per_col;
    d->mean = d->max + per_col;
    d->min0 = d->mean + per_col;
    d->max0 = d->min0 + per_col;
    d->min1 = d->max0 + per_col;
    d->max1 = d->min1 + per_col;
    for (int64_t ci = 0; ci < n_chunks; ci++)
        chunks[ci].col = cols + (size_t)ci * 5 * per_col;

    check_job job = { d, chunks };
    ristra__parallel_for(n_chunks, d->layout.n_threads, check_chunks, &job);
    int rc = RISTRA_OK;
    for (int64_t ci = 0; ci < n_chunks && !rc; ci++)
        if (chunks[ci].bad_kind)
            rc = report_bad(d, &chunks[ci]);
    if (!rc) {
        reduce(d, chunks, n_chunks);
        rc = check_columns(d);
    }
    free(cols);
    free(chunks);
    return rc;
}

void ristra__fit_data_free(ristra__fit_data *d)
{
    free(d->min);
    d->min = d->max = d->mean = d->min0 = d->max0 = d->min1 = d->max1 = NULL;
}

int64_t ristra__fit_separating(char *list, size_t size, const ristra__fit_data *d)
{
    char name[160];
    size_t len = 0;
    int64_t found = 0;
    list[0] = '\0';
    for (int64_t j = 0; j < d->p; j++) {
        if (!(d->max0[j] <= d->min1[j] || d->max1[j] <= d->min0[j]))
            continue;
        if (len + 200 < size)
            len += (size_t)snprintf(list + len, size - len, "%s%s", found ? ", " : "",
                                    ristra__fit_column_name(name, sizeof name, d, j));
        found++;
    }
    return found;
}
