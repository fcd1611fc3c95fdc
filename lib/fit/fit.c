/* ristra_fit_logistic() and the fit object: arguments, checks, IRLS in
 * the centred parametrisation, and the way back to the columns as given. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/fit.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../common/parallel_internal.h"
#include "fit_internal.h"

static const char FN[] = "ristra_fit_logistic";

static const ristra_fit_options DEFAULTS = RISTRA_FIT_OPTIONS_INIT;

int ristra_fit_options_init(ristra_fit_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_fit_options,
                               "ristra_fit_options_init");
}

static int check_options(const ristra_fit_options *o, int64_t n_cols)
{
    if (o->intercept != 0 && o->intercept != 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->intercept is %d (expected 0 or 1)", FN,
                             o->intercept);
    if (!(o->l2 >= 0) || !isfinite(o->l2))
        return ristra__error(RISTRA_EINVAL, "%s: opts->l2 is %g (expected a finite value >= 0)",
                             FN, o->l2);
    if (o->max_iter < 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->max_iter is %d (expected >= 1)", FN,
                             o->max_iter);
    if (!(o->tol > 0) || !isfinite(o->tol))
        return ristra__error(RISTRA_EINVAL, "%s: opts->tol is %g (expected a finite value > 0)",
                             FN, o->tol);
    if (ristra__check_threads(o->n_threads, FN))
        return RISTRA_EINVAL;
    if (o->solver != RISTRA_FIT_SOLVER_AUTO && o->solver != RISTRA_FIT_SOLVER_QR)
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->solver is %d (expected RISTRA_FIT_SOLVER_AUTO or "
                             "RISTRA_FIT_SOLVER_QR)",
                             FN, o->solver);
    for (int64_t j = 0; o->feature_names && j < n_cols; j++)
        if (!o->feature_names[j])
            return ristra__error(RISTRA_EINVAL, "%s: opts->feature_names[%lld] is NULL", FN,
                                 (long long)j);
    return RISTRA_OK;
}

static int check_arguments(ristra_fit **out, const double *x, int64_t n_rows, int64_t n_cols,
                           int64_t row_stride, const double *y, const ristra_fit_options *o)
{
    if (!out)
        return ristra__error(RISTRA_EINVAL, "%s: out is NULL", FN);
    if (n_rows < 1)
        return ristra__error(RISTRA_EINVAL, "%s: n_rows is %lld (expected >= 1)", FN,
                             (long long)n_rows);
    if (n_cols < 0)
        return ristra__error(RISTRA_EINVAL, "%s: n_cols is %lld", FN, (long long)n_cols);
    if (n_cols + o->intercept == 0)
        return ristra__error(RISTRA_EINVAL, "%s: no intercept and no columns: nothing to fit",
                             FN);
    if (row_stride < n_cols)
        return ristra__error(RISTRA_EINVAL, "%s: row_stride %lld is less than n_cols %lld", FN,
                             (long long)row_stride, (long long)n_cols);
    if (!x && n_cols > 0)
        return ristra__error(RISTRA_EINVAL, "%s: x is NULL", FN);
    if (!y)
        return ristra__error(RISTRA_EINVAL, "%s: y is NULL", FN);
    return RISTRA_OK;
}

static int check_outcome(const ristra__fit_data *d, const ristra_fit_options *o)
{
    if (!(d->sum_wy > 0 && d->sum_wy < d->sum_w))
        return ristra__error(RISTRA_ENUMERIC,
                             "%s: the outcome has %s (y = %d in every row with a positive "
                             "weight), so the fitted probabilities would be %d: there is nothing "
                             "to fit",
                             FN, d->sum_wy > 0 ? "no non-events" : "no events", d->sum_wy > 0,
                             d->sum_wy > 0);
    /* With an intercept, a column that puts every event on one side of a
     * threshold and every non-event on the other makes the likelihood grow
     * without bound along that column: R may still stop with a large,
     * arbitrary coefficient and a huge standard error, but there is no
     * estimate to report. A penalty makes the estimate finite again. */
    if (!d->intercept || o->l2 > 0)
        return RISTRA_OK;
    char list[640];
    int64_t n = ristra__fit_separating(list, sizeof list, d);
    if (n == 0)
        return RISTRA_OK;
    return ristra__error(RISTRA_ENUMERIC,
                         "%s: quasi-complete separation: %s %s the outcome on %s own (events "
                         "and non-events lie on either side of a threshold, ties allowed), so "
                         "the maximum likelihood coefficient is infinite; remove or merge the "
                         "column%s, or set l2 > 0",
                         FN, list, n == 1 ? "separates" : "each separate", n == 1 ? "its" : "their",
                         n == 1 ? "" : "s");
}

void ristra_fit_free(ristra_fit *fit)
{
    if (!fit)
        return;
    for (int64_t j = 0; fit->names && j < fit->n_cols; j++)
        free(fit->names[j]);
    free(fit->names);
    free(fit->coef);
    free(fit);
}

static ristra_fit *fit_new(int64_t p, const char *const *names)
{
    ristra_fit *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->n_cols = p;
    f->coef = malloc((size_t)(5 * p + 1) * sizeof *f->coef);
    if (!f->coef) {
        free(f);
        return NULL;
    }
    f->se = f->coef + p;
    f->col_min = f->se + p;
    f->col_max = f->col_min + p;
    f->col_mean = f->col_max + p;
    if (names) {
        f->names = calloc((size_t)(p > 0 ? p : 1), sizeof *f->names);
        for (int64_t j = 0; f->names && j < p; j++) {
            if (!(f->names[j] = strdup(names[j]))) {
                ristra_fit_free(f);
                return NULL;
            }
        }
        if (!f->names) {
            ristra_fit_free(f);
            return NULL;
        }
    }
    return f;
}

/* Back from the centred parametrisation: b_j = beta_j for the columns and
 * b_0 = beta_0 - sum_j mean_j beta_j; the covariance is already uncentred. */
static void uncentre(ristra_fit *f, const ristra__fit_data *d, const ristra__irls_result *res)
{
    const int64_t p = d->p, off = d->intercept, q = p + off;
    for (int64_t j = 0; j < p; j++) {
        f->coef[j] = res->beta[off + j];
        f->se[j] = sqrt(res->cov[(off + j) * q + off + j]);
    }
    if (!off)
        return;
    double b0 = res->beta[0];
    for (int64_t j = 0; j < p; j++)
        b0 -= d->mean[j] * res->beta[1 + j];
    f->intercept_value = b0;
    f->intercept_se = sqrt(res->cov[0]);
}

static void fill_fit(ristra_fit *f, const ristra__fit_data *d, const ristra__irls_result *res,
                     const ristra_fit_options *o)
{
    const int64_t q = d->p + d->intercept;
    uncentre(f, d, res);
    memcpy(f->col_min, d->min, (size_t)d->p * sizeof *f->col_min);
    memcpy(f->col_max, d->max, (size_t)d->p * sizeof *f->col_max);
    memcpy(f->col_mean, d->mean, (size_t)d->p * sizeof *f->col_mean);
    f->intercept = d->intercept;
    f->n_rows = d->n;
    f->n_used = d->n_used;
    f->weighted = d->w != NULL;
    f->sum_w = d->sum_w;
    f->sum_wy = d->sum_wy;
    f->deviance = res->deviance;
    /* R: wtdmu = sum(w y) / sum(w) with an intercept, else linkinv(0) */
    double mu = d->intercept ? d->sum_wy / d->sum_w : 0.5;
    f->null_deviance = 2 * d->ylogy_sum -
                       2 * (d->sum_wy * log(mu) + (d->sum_w - d->sum_wy) * log(1 - mu));
    f->aic = -2 * (d->lchoose_sum + res->loglik) + 2 * (double)q;
    f->last_change = res->last_change;
    f->iterations = res->iterations;
    f->solver = res->solver;
    f->l2 = o->l2;
}

static int fit(ristra_fit **out, ristra__fit_data *d, const ristra_fit_options *o)
{
    const int64_t q = d->p + d->intercept;
    int rc = ristra__fit_check(d, o->n_threads);
    if (!rc)
        rc = check_outcome(d, o);
    if (rc)
        return rc;
    ristra_fit *f = fit_new(d->p, o->feature_names);
    ristra__irls_result res = { 0 };
    res.beta = malloc((size_t)(q + q * q) * sizeof *res.beta);
    if (!f || !res.beta) {
        ristra_fit_free(f);
        free(res.beta);
        return ristra__oom();
    }
    res.cov = res.beta + q;
    rc = ristra__irls(&res, d, o);
    if (!rc) {
        fill_fit(f, d, &res, o);
        *out = f;
    } else {
        ristra_fit_free(f);
    }
    free(res.beta);
    return rc;
}

int ristra_fit_logistic(ristra_fit **out, const double *x, int64_t n_rows, int64_t n_cols,
                        int64_t row_stride, const double *y, const double *weights,
                        const ristra_fit_options *opts)
{
    ristra_fit_options full;
    const ristra_fit_options *o = &full;
    if (out)
        *out = NULL;
    int rc = ristra__struct_load(&full, opts, &DEFAULTS, &ristra__info_fit_options, FN);
    if (!rc)
        rc = check_options(o, n_cols);
    if (!rc)
        rc = check_arguments(out, x, n_rows, n_cols, row_stride, y, o);
    if (rc)
        return rc;
    ristra__fit_data d;
    memset(&d, 0, sizeof d);
    d.x = x;
    d.y = y;
    d.w = weights;
    d.n = n_rows;
    d.p = n_cols;
    d.stride = row_stride;
    d.intercept = o->intercept;
    d.names = o->feature_names;
    rc = fit(out, &d, o);
    ristra__fit_data_free(&d);
    return rc;
}

int ristra_fit_describe(ristra_fit_summary *out, const ristra_fit *fit)
{
    if (!fit)
        return ristra__error(RISTRA_EINVAL, "ristra_fit_describe: fit is NULL");
    ristra_fit_summary s = RISTRA_FIT_SUMMARY_INIT;
    const int64_t q = fit->n_cols + fit->intercept;
    s.n_cols = fit->n_cols;
    s.has_intercept = fit->intercept;
    s.intercept = fit->intercept ? fit->intercept_value : 0.0;
    s.intercept_se = fit->intercept ? fit->intercept_se : 0.0;
    s.n_rows = fit->n_rows;
    s.n_used = fit->n_used;
    s.sum_weights = fit->sum_w;
    s.events = fit->sum_wy;
    s.deviance = fit->deviance;
    s.null_deviance = fit->null_deviance;
    s.aic = fit->aic;
    s.df_residual = fit->n_used - q;
    s.df_null = fit->n_used - fit->intercept;
    s.iterations = fit->iterations;
    s.last_change = fit->last_change;
    s.l2 = fit->l2;
    s.solver = fit->solver;
    return ristra__struct_store(out, &s, &ristra__info_fit_summary, "ristra_fit_describe");
}

int ristra_fit_wald(double *z_out, double *p_out, const ristra_fit *fit)
{
    if (!fit)
        return ristra__error(RISTRA_EINVAL, "ristra_fit_wald: fit is NULL");
    int64_t first = fit->intercept ? -1 : 0;
    for (int64_t j = first; j < fit->n_cols; j++) {
        double est = j < 0 ? fit->intercept_value : fit->coef[j];
        double se = j < 0 ? fit->intercept_se : fit->se[j];
        double z = se > 0 ? est / se : NAN;
        if (z_out)
            z_out[j - first] = z;
        if (p_out)
            p_out[j - first] = isnan(z) ? NAN : erfc(fabs(z) / sqrt(2.0));
    }
    return RISTRA_OK;
}

int ristra_fit_coefficients(double *coef_out, double *se_out, const ristra_fit *fit)
{
    if (!fit)
        return ristra__error(RISTRA_EINVAL, "ristra_fit_coefficients: fit is NULL");
    if (coef_out)
        memcpy(coef_out, fit->coef, (size_t)fit->n_cols * sizeof *coef_out);
    if (se_out)
        memcpy(se_out, fit->se, (size_t)fit->n_cols * sizeof *se_out);
    return RISTRA_OK;
}
