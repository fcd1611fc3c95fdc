/* IRLS exactly as R's glm.fit runs it for binomial(link = "logit"): the
 * same starting values, working weights and responses (R's clamped logit
 * functions from src/library/stats/src/family.c), one weighted least
 * squares solve per iteration and R's deviance stopping rule, so that the
 * iterates, and therefore the coefficients at convergence, are R's.
 *
 * Each pass over the rows evaluates the current coefficients (deviance,
 * log-likelihood, fitted probabilities) and builds the next weighted
 * least squares system in the same sweep: a block's linear predictor comes
 * from gemv on the rows as given, its rows are centred and scaled by
 * sqrt(w) into scratch beside the working residual, and the block is
 * folded into its chunk's cross-product by dsyrk (or into its chunk's R
 * factor by the tall-skinny QR of tsqr.c when solving by QR). Chunks have
 * fixed row ranges and are summed in order, so the result does not depend
 * on the thread count. */
#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/cpu_internal.h"
#include "../common/error_internal.h"
#include "../common/parallel_internal.h"
#include "fit_internal.h"

int ristra__fit_rowwise_only = 0;

/* Rows a step when building a cross-product: 128 rows of x (40 KB for 40
 * columns) and of the weighted block are still in L1 or close when read
 * again; measured against 64, 256 and whole blocks. */
enum { SUB_ROWS = 128 };

/* R's logit clamps (family.c: THRESH, MTHRESH, INVEPS). */
#define LOGIT_THRESH 30.0

typedef struct pass_job {
    const ristra__fit_data *d;
    int64_t q, q1;
    int64_t lda;            /* the block's row stride: q1 rounded up, zero padding */
    int isa;                /* the cross-product kernel (fit_gram.c) */
    int whole;              /* evaluate_whole(): whole weights, y 0 or 1 */
    int first;              /* starting values from mustart; the response is z, not z - eta */
    int build;              /* build the next system, not only evaluate the coefficients */
    int qr;                 /* build R factors rather than cross-products */
    const double *beta;     /* q coefficients (centred), unused in the first pass */
    double b0;              /* the intercept for the columns as given */
    const double *center;   /* q */
    double *partial;        /* one q1 x q1 matrix per chunk */
    double *sums;           /* per chunk: deviance, log-likelihood */
    int64_t *extreme;       /* per chunk: fitted probabilities numerically 0 or 1 */
    double **scratch;       /* per thread */
} pass_job;

typedef struct pass_totals {
    double deviance, loglik;
    int64_t extreme;
} pass_totals;

static double y_log_y(double y, double mu)
{
    return y != 0.0 ? y * log(y / mu) : 0.0;
}

static double weight(const ristra__fit_data *d, int64_t r)
{
    return d->w ? d->w[r] : 1.0;
}

/* R's mustart and linkfun, for the first pass. */
static void starting_eta(double *eta, const ristra__fit_data *d, int64_t r0, int64_t nr)
{
    for (int64_t i = 0; i < nr; i++) {
        double w = weight(d, r0 + i), y = w > 0 ? d->y[r0 + i] : 0.0;
        double mustart = (w * y + 0.5) / (w + 1);
        eta[i] = log(mustart / (1 - mustart));
    }
}

/* Asks for a row of the next block while this block computes, so that
 * reading the data from memory overlaps the arithmetic. */
static void prefetch_row(const ristra__fit_data *d, int64_t r)
{
    if (r >= d->n)
        return;
    const double *row = d->x + r * d->stride;
    for (int64_t j = 0; j < d->p; j += 8) /* one 64-byte line each */
        __builtin_prefetch(row + j, 0, 1);
}

typedef struct block_totals {
    double deviance, loglik;
    int64_t extreme;
} block_totals;

/* Evaluates a block at eta, row by row, for any weights and proportions
 * (deviance, log-likelihood as R's AIC has it, fitted probabilities
 * numerically 0 or 1), and leaves each row's sqrt(working weight) in sw
 * and sqrt(w) times its working residual (the working response z in the
 * first pass) in res; both are 0 for rows of weight 0. */
static void evaluate_general(block_totals *tot, const pass_job *job, const double *eta,
                             double *sw, double *res, int64_t r0, int64_t nr)
{
    const ristra__fit_data *d = job->d;
    for (int64_t i = 0; i < nr; i++) {
        double w = weight(d, r0 + i), y = d->y[r0 + i], e = eta[i];
        sw[i] = res[i] = 0.0;
        if (!(w > 0))
            continue;
        int clamped = e < -LOGIT_THRESH || e > LOGIT_THRESH;
        double t = e < -LOGIT_THRESH ? DBL_EPSILON : e > LOGIT_THRESH ? 1 / DBL_EPSILON : exp(e);
        double mu = t / (1 + t);
        double dev = 2 * w * (y_log_y(y, mu) + y_log_y(1 - y, 1 - mu));
        tot->deviance += dev;
        if (d->loglik_from_deviance) {
            tot->loglik -= dev / 2;
        } else { /* R's AIC rounds the weights and successes */
            double m = nearbyint(w), k = nearbyint(w * y);
            tot->loglik += (k > 0 ? k * log(mu) : 0.0) + (m - k > 0 ? (m - k) * log(1 - mu) : 0.0);
        }
        tot->extreme += mu > 1 - 10 * DBL_EPSILON || mu < 10 * DBL_EPSILON;
        double mu_eta = clamped ? DBL_EPSILON : t / ((1 + t) * (1 + t));
        double r = (y - mu) / mu_eta;
        sw[i] = sqrt(w * (mu_eta * mu_eta) / (mu * (1 - mu)));
        res[i] = sw[i] * (job->first ? e + r : r);
    }
}

/* The same for the usual data, whole weights and y 0 or 1, in three sweeps
 * over the block instead of one: the exps, then the arithmetic, which has
 * no calls and vectorises, then the logs. One row's chain of a call, four
 * divisions, a square root and another call is long and serial; sweeps of
 * independent rows overlap. For such y, R's
 * y log(y / mu) + (1 - y) log((1 - y) / (1 - mu)) is -log of the fitted
 * probability of the observed outcome, one log a row, and the
 * log-likelihood is -deviance / 2. Agrees with evaluate_general to
 * rounding (tests/unit/test_fit.c fits both ways). */
/* From eta and t = exp(eta) (clamped): sqrt(working weight) in sw, sqrt(w)
 * times the working residual (plus first * eta) in res, and over t the
 * fitted probability of the observed outcome; returns how many are
 * numerically 0 or 1. The reference for ristra__fit_sweep_avx512. */
static int64_t sweep_scalar(double *sw, double *res, double *t, const double *eta,
                            const double *wp, const double *yp, int64_t nr, double first)
{
    int64_t extreme = 0;
    for (int64_t i = 0; i < nr; i++) {
        double w = wp ? wp[i] : 1.0, y = yp[i], e = eta[i], ti = t[i];
        int clamped = e < -LOGIT_THRESH || e > LOGIT_THRESH;
        double mu = ti / (1 + ti);
        double mu_eta = clamped ? DBL_EPSILON : ti / ((1 + ti) * (1 + ti));
        double r = (y - mu) / mu_eta;
        double s = w > 0 ? sqrt(w * (mu_eta * mu_eta) / (mu * (1 - mu))) : 0.0;
        extreme += w > 0 && (mu > 1 - 10 * DBL_EPSILON || mu < 10 * DBL_EPSILON);
        sw[i] = s;
        res[i] = s * (first * e + r);
        t[i] = y != 0 ? mu : 1 - mu;
    }
    return extreme;
}

static void evaluate_whole(block_totals *tot, const pass_job *job, const double *eta,
                           double *sw, double *res, double *t, int64_t r0, int64_t nr)
{
    const ristra__fit_data *d = job->d;
    for (int64_t i = 0; i < nr; i++) {
        double e = eta[i];
        t[i] = e < -LOGIT_THRESH ? DBL_EPSILON : e > LOGIT_THRESH ? 1 / DBL_EPSILON : exp(e);
    }
    const double *wp = d->w ? d->w + r0 : NULL, *yp = d->y + r0;
    const double first = job->first ? 1.0 : 0.0;
    int64_t extreme;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (job->isa == RISTRA__ISA_AVX512)
        extreme = ristra__fit_sweep_avx512(sw, res, t, eta, wp, yp, nr, first, LOGIT_THRESH);
    else
#endif
        extreme = sweep_scalar(sw, res, t, eta, wp, yp, nr, first);
    double dev = 0.0;
    for (int64_t i = 0; i < nr; i++) {
        double w = wp ? wp[i] : 1.0;
        dev += w > 0 ? -2 * w * log(t[i]) : 0.0;
    }
    tot->deviance += dev;
    tot->loglik -= dev / 2;
    tot->extreme += extreme;
}

/* Writes the block's rows to scratch as sqrt(w) (1, x - centre), followed
 * by sqrt(w) r. */
static void build_block(double *a, const pass_job *job, const double *sw, const double *res,
                        int64_t r0, int64_t nr)
{
    const ristra__fit_data *d = job->d;
    const double *center = job->center + d->intercept;
    for (int64_t i = 0; i < nr; i++) {
        const double *x = d->x + (r0 + i) * d->stride;
        double *row = a + i * job->lda, s = sw[i];
        prefetch_row(d, r0 + nr + i);
        row[0] = s; /* the intercept, overwritten by x below when there is none */
        for (int64_t j = 0; j < d->p; j++)
            row[d->intercept + j] = (x[j] - center[j]) * s;
        row[job->q] = res[i];
    }
}

/* Evaluates a block at eta (deviance, log-likelihood, fitted probabilities
 * numerically 0 or 1) and, when the pass builds the next system, writes
 * its weighted rows to a. */
static void working_block(block_totals *tot, const pass_job *job, double *a, const double *eta,
                          double *tmp, int64_t r0, int64_t nr)
{
    const int64_t block = job->d->layout.block_rows;
    double *sw = tmp, *res = sw + block, *t = res + block;
    if (job->whole)
        evaluate_whole(tot, job, eta, sw, res, t, r0, nr);
    else
        evaluate_general(tot, job, eta, sw, res, r0, nr);
    if (job->build) {
        build_block(a, job, sw, res, r0, nr);
    } else {
        for (int64_t i = 0; i < nr; i++)
            prefetch_row(job->d, r0 + nr + i);
    }
}

/* r := R factor of [r; a] (the QR wants the rows column-major). */
static int qr_add(double *r, const double *a, int64_t rows, int64_t q1, int64_t lda,
                  double *colmajor, double *work)
{
    for (int64_t i = 0; i < rows; i++)
        for (int64_t k = 0; k < q1; k++)
            colmajor[k * rows + i] = a[i * lda + k];
    return ristra__tsqr_rows(r, q1, colmajor, rows, rows, work);
}

/* Per thread: the block (rows padded to lda with zeros), eta, three
 * per-row temporaries, its column-major copy for QR and the QR's
 * workspace. */
static size_t scratch_doubles(const ristra__fit_data *d, int64_t q1)
{
    return (size_t)d->layout.block_rows * (size_t)(ristra__fit_gram_lda(q1) + q1 + 4) +
           ristra__tsqr_work_doubles(q1);
}

/* The linear predictor of a block, b0 + x b with the coefficients of the
 * columns as given (as R computes it), by gemvs on sub-blocks small enough
 * for OpenBLAS to keep on this thread. */
static void block_eta(double *eta, const pass_job *job, int64_t r0, int64_t nr)
{
    const ristra__fit_data *d = job->d;
    const int64_t step = d->layout.gemv_rows;
    for (int64_t i = 0; i < nr; i++)
        eta[i] = job->b0;
    if (d->p == 0)
        return;
    for (int64_t i0 = 0; i0 < nr; i0 += step) {
        int64_t m = nr - i0 < step ? nr - i0 : step;
        cblas_dgemv(CblasRowMajor, CblasNoTrans, (blasint)m, (blasint)d->p, 1.0,
                    d->x + (r0 + i0) * d->stride, (blasint)d->stride, job->beta + d->intercept, 1,
                    1.0, eta + i0, 1);
    }
}

static int block_add(double *part, const pass_job *job, const double *a, int64_t nr,
                     double *colmajor, double *work)
{
    if (job->qr)
        return qr_add(part, a, nr, job->q1, job->lda, colmajor, work);
    ristra__fit_gram_add(part, a, nr, job->lda, job->q1, job->isa);
    return RISTRA_OK;
}

static int pass_chunks(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    pass_job *job = ctx;
    const ristra__fit_data *d = job->d;
    const int64_t q1 = job->q1, block = d->layout.block_rows;
    double *a = job->scratch[thread_index], *eta = a + block * job->lda, *tmp = eta + block;
    double *colmajor = tmp + 3 * block;
    double *t = colmajor + block * q1;
    for (int64_t ci = begin; ci < end; ci++) {
        double *part = job->partial + ci * q1 * q1;
        if (job->build)
            memset(part, 0, (size_t)(q1 * q1) * sizeof *part);
        long double dev = 0, loglik = 0; /* R sums the deviance in long double too */
        int64_t extreme = 0;
        int64_t r_end = (ci + 1) * d->layout.chunk_rows < d->n ? (ci + 1) * d->layout.chunk_rows : d->n;
        /* The QR wants long blocks (its cost a call is q1^3); the cross-product
         * short ones, whose rows are still in L1 when the tiles read them. */
        const int64_t step = job->qr || !job->build || block < SUB_ROWS ? block : SUB_ROWS;
        for (int64_t r0 = ci * d->layout.chunk_rows; r0 < r_end; r0 += step) {
            int64_t nr = r_end - r0 < step ? r_end - r0 : step;
            if (job->first)
                starting_eta(eta, d, r0, nr);
            else
                block_eta(eta, job, r0, nr);
            block_totals tot = { 0.0, 0.0, 0 };
            working_block(&tot, job, a, eta, tmp, r0, nr);
            dev += tot.deviance;
            loglik += tot.loglik;
            extreme += tot.extreme;
            if (job->build && block_add(part, job, a, nr, colmajor, t))
                return RISTRA_ERROR;
        }
        job->sums[2 * ci] = (double)dev;
        job->sums[2 * ci + 1] = (double)loglik;
        job->extreme[ci] = extreme;
    }
    return RISTRA_OK;
}

/* m := the chunks' cross-products summed (or their R factors stacked and
 * refactored), in chunk order. */
static int reduce_system(double *m, const pass_job *job)
{
    const int64_t q1 = job->q1, size = q1 * q1;
    memcpy(m, job->partial, (size_t)size * sizeof *m);
    for (int64_t ci = 1; ci < job->d->layout.n_chunks; ci++) {
        double *part = job->partial + ci * size;
        if (!job->qr) {
            for (int64_t j = 0; j < q1; j++)
                for (int64_t i = 0; i <= j; i++)
                    m[j * q1 + i] += part[j * q1 + i];
        } else {
            int rc = ristra__tsqr_rows(m, q1, part, q1, q1, job->scratch[0]);
            if (rc)
                return rc;
        }
    }
    return RISTRA_OK;
}

/* Runs one pass: the totals at the current coefficients and, when the job
 * builds, the next system in m. */
static int run_pass(pass_totals *tot, double *m, pass_job *job)
{
    int rc = ristra__parallel_for(job->d->layout.n_chunks, job->d->layout.n_threads, pass_chunks,
                                  job);
    if (rc)
        return rc;
    *tot = (pass_totals){ 0.0, 0.0, 0 };
    for (int64_t ci = 0; ci < job->d->layout.n_chunks; ci++) {
        tot->deviance += job->sums[2 * ci];
        tot->loglik += job->sums[2 * ci + 1];
        tot->extreme += job->extreme[ci];
    }
    return job->build ? reduce_system(m, job) : RISTRA_OK;
}

/* One IRLS step: delta from the system in m, by Cholesky unless that is
 * unsafe, in which case the pass is redone building R factors. */
static int solve_step(double *delta, double *m, pass_job *job, ristra__fit_solver *s)
{
    const double *base = job->first ? NULL : job->beta;
    if (!job->qr) {
        int rc = ristra__fit_solve_cholesky(s, delta, m, base);
        if (rc != RISTRA__FIT_NEEDS_QR)
            return rc;
        job->qr = 1; /* for this and every later iteration */
        pass_totals ignored;
        rc = run_pass(&ignored, m, job);
        if (rc)
            return rc;
    }
    return ristra__fit_solve_qr(s, delta, m, base, job->d);
}

/* b0 = beta_0 - sum_k center_k beta_k: the linear predictor is computed
 * from the columns as given, as R computes it, so that the data are read
 * once per pass; centring matters only for the cross-product. */
static double uncentred_intercept(const ristra__fit_data *d, const double *beta,
                                  const double *center)
{
    if (!d->intercept)
        return 0.0;
    double b0 = beta[0];
    for (int64_t k = 1; k <= d->p; k++)
        b0 -= center[k] * beta[k];
    return b0;
}

static double penalty(const ristra__fit_data *d, const double *beta, double l2, int64_t q)
{
    double sum = 0.0;
    for (int64_t k = d->intercept; k < q; k++)
        sum += beta[k] * beta[k];
    return l2 * sum;
}

static int already(const int64_t *chosen, int n, int64_t j)
{
    for (int i = 0; i < n; i++)
        if (chosen[i] == j)
            return 1;
    return 0;
}

/* Names the columns that separate y = 0 from y = 1 on their own, or else
 * the three whose |coefficient| x observed range is largest: those driving
 * the fitted probabilities to 0 or 1. */
static const char *separating_columns(char *list, size_t size, const ristra__fit_data *d,
                                      const double *beta)
{
    if (ristra__fit_separating(list, size, d) > 0)
        return "columns that separate the outcome on their own";
    char name[160];
    size_t len = 0;
    int64_t chosen[3];
    int n = 0;
    for (; n < 3 && n < d->p; n++) {
        int64_t best = -1;
        double best_v = -1.0;
        for (int64_t j = 0; j < d->p; j++) {
            double v = fabs(beta[d->intercept + j]) * (d->max[j] - d->min[j]);
            if (!already(chosen, n, j) && v > best_v) {
                best = j;
                best_v = v;
            }
        }
        chosen[n] = best;
        len += (size_t)snprintf(list + len, size - len, "%s%s (%.3g)", n ? ", " : "",
                                ristra__fit_column_name(name, sizeof name, d, best), best_v);
    }
    return n ? "largest |coefficient| x observed range" : "no feature columns";
}

static int separation_error(const ristra__fit_data *d, const double *beta, int64_t extreme, int iter)
{
    char list[640];
    const char *what = separating_columns(list, sizeof list, d, beta);
    return ristra__error(RISTRA_ENUMERIC,
                         "ristra_fit_logistic: after %d iterations %lld rows have fitted "
                         "probabilities numerically 0 or 1 (R warns \"fitted probabilities "
                         "numerically 0 or 1 occurred\"): perfect or quasi-perfect separation, "
                         "or a predictor so extreme that the estimates cannot be trusted; %s: %s",
                         iter, (long long)extreme, what, list);
}

typedef struct irls_state {
    double *center, *beta, *next, *delta, *m, *partial, *sums;
    int64_t *extreme;
    double **scratch;
    int n_scratch;
} irls_state;

static void state_free(irls_state *st)
{
    for (int t = 0; t < st->n_scratch; t++)
        free(st->scratch ? st->scratch[t] : NULL);
    free(st->scratch);
    free(st->center);
    free(st->partial);
    free(st->sums);
    free(st->extreme);
}

static int state_alloc(irls_state *st, const ristra__fit_data *d, int64_t q)
{
    const int64_t q1 = q + 1, n_chunks = d->layout.n_chunks;
    memset(st, 0, sizeof *st);
    st->center = malloc((size_t)(4 * q + q1 * q1) * sizeof *st->center);
    st->partial = malloc((size_t)(n_chunks * q1 * q1) * sizeof *st->partial);
    st->sums = malloc((size_t)(2 * n_chunks) * sizeof *st->sums);
    st->extreme = malloc((size_t)n_chunks * sizeof *st->extreme);
    st->scratch = calloc((size_t)d->layout.n_threads, sizeof *st->scratch);
    if (!st->center || !st->partial || !st->sums || !st->extreme || !st->scratch)
        return ristra__oom();
    st->n_scratch = d->layout.n_threads;
    for (int t = 0; t < st->n_scratch; t++) {
        size_t bytes = scratch_doubles(d, q1) * sizeof(double);
        void *p = NULL;
        if (posix_memalign(&p, 64, bytes))
            return ristra__oom();
        st->scratch[t] = memset(p, 0, bytes);
    }
    st->beta = st->center + q;
    st->next = st->beta + q;
    st->delta = st->next + q;
    st->m = st->delta + q;
    /* Centring only with an intercept: without one it would change the model. */
    for (int64_t k = 0; k < q; k++)
        st->center[k] = d->intercept && k > 0 ? d->mean[k - 1] : 0.0;
    memset(st->beta, 0, (size_t)q * sizeof *st->beta);
    return RISTRA_OK;
}

/* Once IRLS converges quadratically, each relative deviance change is
 * about a * (the one before)^2, with a of order 1 and growing slowly (by
 * 1.1 to 1.7 times a step in the fits we looked at; the first step, from
 * R's starting values, does not follow the pattern). When the next change,
 * estimated with a = 100 or with 1.5 times the last a, is below tol, the
 * next pass will probably be the last: it only evaluates the coefficients
 * and skips building a system nobody would solve (one dsyrk sweep of the
 * data, which is worth more than the extra evaluation pass that a wrong
 * guess costs). The guess never changes the result. */
static int last_pass_likely(double change, double before, int iter, double tol)
{
    if (100 * change * change < tol)
        return 1;
    if (iter < 4 || !(change < before)) /* change and before: steps iter-1 and iter-2 */
        return 0;
    double a = change / (before * before);
    return 1.5 * a * change * change < tol;
}

/* The loop of glm.fit: solve, evaluate, test |dev - devold| / (|dev| + 0.1). */
static int iterate(ristra__irls_result *res, pass_job *job, irls_state *st, ristra__fit_solver *s,
                   const ristra_fit_options *o)
{
    const ristra__fit_data *d = job->d;
    const int64_t q = job->q;
    pass_totals tot;
    int rc = run_pass(&tot, st->m, job);
    if (rc)
        return rc;
    double devold = tot.deviance, change = INFINITY, before = INFINITY;
    int iter = 0, converged = 0;
    while (!converged && iter < o->max_iter) {
        iter++;
        rc = solve_step(st->delta, st->m, job, s);
        if (rc)
            return rc;
        for (int64_t k = 0; k < q; k++)
            st->next[k] = (job->first ? 0.0 : st->beta[k]) + st->delta[k];
        memcpy(st->beta, st->next, (size_t)q * sizeof *st->beta);
        job->first = 0;
        job->beta = st->beta;
        job->b0 = uncentred_intercept(d, st->beta, st->center);
        job->build = !(iter == o->max_iter || last_pass_likely(change, before, iter, o->tol));
        rc = run_pass(&tot, st->m, job);
        if (rc)
            return rc;
        double dev = tot.deviance + penalty(d, st->beta, s->l2, q);
        if (!isfinite(dev))
            return ristra__error(RISTRA_ENUMERIC,
                                 "ristra_fit_logistic: the deviance is not finite at iteration %d",
                                 iter);
        before = change;
        change = fabs(dev - devold) / (fabs(dev) + 0.1);
        converged = change < o->tol;
        devold = dev;
        if (!converged && !job->build && iter < o->max_iter) {
            pass_totals again;
            job->build = 1;
            rc = run_pass(&again, st->m, job);
            if (rc)
                return rc;
        }
    }
    if (tot.extreme > 0)
        return separation_error(d, st->beta, tot.extreme, iter);
    if (!converged)
        return ristra__error(RISTRA_ENUMERIC,
                             "ristra_fit_logistic: IRLS did not converge in %d iteration%s: the "
                             "last relative deviance change was %.3g (tolerance %.3g; raise "
                             "max_iter or check the data)",
                             iter, iter == 1 ? "" : "s", change, o->tol);
    memcpy(res->beta, st->beta, (size_t)q * sizeof *res->beta);
    res->deviance = tot.deviance;
    res->loglik = tot.loglik;
    res->last_change = change;
    res->iterations = iter;
    res->solver = s->mode;
    return ristra__fit_covariance(res->cov, s);
}

int ristra__irls(ristra__irls_result *res, const ristra__fit_data *d, const ristra_fit_options *o)
{
    const int64_t q = d->p + d->intercept;
    irls_state st;
    ristra__fit_solver s;
    memset(&s, 0, sizeof s);
    int rc = state_alloc(&st, d, q);
    if (!rc)
        rc = ristra__fit_solver_init(&s, q, o->l2, d->intercept, st.center,
                                     o->solver == RISTRA_FIT_SOLVER_QR ? RISTRA_FIT_SOLVER_QR
                                                                       : RISTRA_FIT_SOLVER_CHOLESKY);
    if (!rc) {
        pass_job job = { d, q, q + 1, ristra__fit_gram_lda(q + 1), ristra__cpu_isa(),
                         d->loglik_from_deviance && !ristra__fit_rowwise_only, 1, 1,
                         o->solver == RISTRA_FIT_SOLVER_QR, NULL, 0.0, st.center, st.partial,
                         st.sums, st.extreme, st.scratch };
        rc = iterate(res, &job, &st, &s, o);
    }
    ristra__fit_solver_free(&s);
    state_free(&st);
    return rc;
}
