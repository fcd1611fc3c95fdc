/* Logistic regression fitting: properties of the maximum likelihood fit
 * (score equations, thread and solver independence, weights), every
 * refusal (bad arguments, bad values, constant and aliased columns,
 * separation, no convergence) and the model built from a fit. Agreement
 * with R's glm is checked by tests/parity/test_fit_r_parity.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/fit.h>

#include "common/cpu_internal.h"
#include "fit/fit_internal.h"
#include "test_util.h"

/* ---------------------------------------------------------------- data */

typedef struct data {
    int64_t n, p, stride;
    double *x, *y, *w;
} data;

static uint64_t rng_state;

static double uniform(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

/* n rows of p standard normal columns; y drawn from the logistic model
 * with intercept b0 and coefficients 0.5, -0.4, 0.3, ... */
static data make(int64_t n, int64_t p, double b0, uint64_t seed)
{
    rng_state = seed;
    data d = { n, p, p, malloc((size_t)(n * (p > 0 ? p : 1)) * sizeof(double)),
               malloc((size_t)n * sizeof(double)), NULL };
    cr_assert(d.x && d.y);
    for (int64_t r = 0; r < n; r++) {
        double eta = b0;
        for (int64_t j = 0; j < p; j++) {
            d.x[r * p + j] = normal();
            eta += (j % 2 ? -1 : 1) * (0.5 - 0.1 * (double)(j % 4)) * d.x[r * p + j];
        }
        d.y[r] = uniform() < 1 / (1 + exp(-eta));
    }
    return d;
}

static void data_free(data *d)
{
    free(d->x);
    free(d->y);
    free(d->w);
}

static const char *const NAMES[] = { "age", "n_ltc", "prior_admissions", "frailty", "imd", "x5",
                                     "x6", "x7" };

static int fit(ristra_fit **out, const data *d, const ristra_fit_options *opts)
{
    return ristra_fit_logistic(out, d->x, d->n, d->p, d->stride, d->y, d->w, opts);
}

static ristra_fit *fit_ok(const data *d, const ristra_fit_options *opts)
{
    ristra_fit *f = NULL;
    cr_assert_eq(fit(&f, d, opts), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_not_null(f);
    return f;
}

static ristra_fit_summary describe(const ristra_fit *f)
{
    ristra_fit_summary s = RISTRA_FIT_SUMMARY_INIT;
    cr_assert_eq(ristra_fit_describe(&s, f), RISTRA_OK);
    return s;
}

/* The gradient of the (penalised) log-likelihood at the fit, relative to
 * the size of its terms: zero at the maximum, up to IRLS's tolerance. */
static double relative_score(const data *d, const ristra_fit *f, double l2)
{
    const int64_t p = d->p;
    ristra_fit_summary s = describe(f);
    double *b = malloc((size_t)(p + 1) * sizeof *b), *g = calloc((size_t)(p + 1), sizeof *g);
    double *scale = calloc((size_t)(p + 1), sizeof *scale);
    cr_assert_eq(ristra_fit_coefficients(b, NULL, f), RISTRA_OK);
    for (int64_t r = 0; r < d->n; r++) {
        double eta = s.intercept, w = d->w ? d->w[r] : 1.0;
        for (int64_t j = 0; j < p; j++)
            eta += b[j] * d->x[r * d->stride + j];
        double resid = w * (d->y[r] - 1 / (1 + exp(-eta)));
        g[p] += resid;
        scale[p] += fabs(resid);
        for (int64_t j = 0; j < p; j++) {
            g[j] += resid * d->x[r * d->stride + j];
            scale[j] += fabs(resid * d->x[r * d->stride + j]);
        }
    }
    double worst = 0;
    for (int64_t j = 0; j <= p; j++) {
        double pen = j < p ? l2 * b[j] : 0.0;
        worst = fmax(worst, fabs(g[j] - pen) / (scale[j] + fabs(pen)));
    }
    free(b);
    free(g);
    free(scale);
    return worst;
}

static void expect_error(int rc, int code, const char *const *words)
{
    cr_assert_eq(rc, code, "rc %d (%s), want %d", rc, ristra_last_error(), code);
    for (; *words; words++)
        cr_assert(strstr(ristra_last_error(), *words), "message \"%s\" lacks \"%s\"",
                  ristra_last_error(), *words);
}

/* ---------------------------------------------------------------- fits */

Test(fit, solves_the_score_equations)
{
    data d = make(4000, 5, -1.0, 1);
    ristra_fit *f = fit_ok(&d, NULL);
    cr_assert_lt(relative_score(&d, f, 0.0), 1e-6);
    ristra_fit_summary s = describe(f);
    cr_assert_eq(s.n_cols, 5);
    cr_assert_eq(s.has_intercept, 1);
    cr_assert_eq(s.n_rows, 4000);
    cr_assert_eq(s.n_used, 4000);
    cr_assert_eq(s.df_residual, 4000 - 6);
    cr_assert_eq(s.df_null, 3999);
    cr_assert(s.iterations >= 3 && s.iterations <= 8, "%d iterations", s.iterations);
    cr_assert_lt(s.last_change, 1e-8);
    cr_assert_lt(s.deviance, s.null_deviance);
    cr_assert_float_eq(s.aic, s.deviance + 2 * 6, 1e-9 * s.aic, "0/1 y, unit weights");
    cr_assert_eq(s.solver, RISTRA_FIT_SOLVER_CHOLESKY);
    ristra_fit_free(f);
    data_free(&d);
}

/* Whole weights and 0/1 outcomes are evaluated in sweeps over each block
 * (evaluate_whole in irls.c); the row-by-row code that any data get is
 * the reference, to rounding. */
Test(fit, evaluates_whole_weights_as_the_row_by_row_reference_does)
{
    data d = make(20000, 7, -1.5, 3);
    d.w = malloc((size_t)d.n * sizeof(double));
    cr_assert(d.w);
    for (int64_t r = 0; r < d.n; r++)
        d.w[r] = (double)(r % 3); /* whole weights, some 0 */
    double b[2][7], se[2][7];
    ristra_fit_summary s[2];
    for (int k = 0; k < 2; k++) {
        ristra__fit_rowwise_only = k;
        ristra_fit *f;
        int rc = ristra_fit_logistic(&f, d.x, d.n, d.p, d.stride, d.y, d.w, NULL);
        ristra__fit_rowwise_only = 0;
        cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
        s[k] = describe(f);
        ristra_fit_coefficients(b[k], se[k], f);
        ristra_fit_free(f);
    }
    cr_assert_eq(s[0].iterations, s[1].iterations);
    cr_assert_float_eq(s[0].deviance, s[1].deviance, 1e-12 * s[1].deviance);
    cr_assert_float_eq(s[0].aic, s[1].aic, 1e-12 * s[1].aic);
    cr_assert_float_eq(s[0].intercept, s[1].intercept, 1e-10 * fabs(s[1].intercept));
    for (int j = 0; j < 7; j++) {
        cr_assert_float_eq(b[0][j], b[1][j], 1e-10 * fabs(b[1][j]), "column %d", j);
        cr_assert_float_eq(se[0][j], se[1][j], 1e-10 * se[1][j], "column %d", j);
    }
    data_free(&d);
}

Test(fit, gives_bit_identical_results_for_every_thread_count)
{
    data d = make(40000, 6, -2.0, 2);
    double ref[6], ref_se[6], b[6], se[6];
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    ristra_fit *f = fit_ok(&d, &o);
    ristra_fit_summary s0 = describe(f);
    ristra_fit_coefficients(ref, ref_se, f);
    ristra_fit_free(f);
    for (int threads = 0; threads <= 4; threads++) {
        o.n_threads = threads;
        f = fit_ok(&d, &o);
        ristra_fit_summary s = describe(f);
        ristra_fit_coefficients(b, se, f);
        cr_assert(memcmp(b, ref, sizeof b) == 0 && memcmp(se, ref_se, sizeof se) == 0,
                  "%d threads", threads);
        cr_assert(memcmp(&s.intercept, &s0.intercept, sizeof s.intercept) == 0);
        cr_assert(memcmp(&s.deviance, &s0.deviance, sizeof s.deviance) == 0);
        ristra_fit_free(f);
    }
    data_free(&d);
}

static void expect_close(const ristra_fit *a, const ristra_fit *b, int64_t p, double tol,
                         double se_tol)
{
    double ca[16], cb[16], sa[16], sb[16];
    ristra_fit_coefficients(ca, sa, a);
    ristra_fit_coefficients(cb, sb, b);
    ristra_fit_summary ma = describe(a), mb = describe(b);
    cr_assert_float_eq(ma.intercept, mb.intercept, tol * fabs(mb.intercept));
    cr_assert_float_eq(ma.intercept_se, mb.intercept_se, se_tol * mb.intercept_se);
    for (int64_t j = 0; j < p; j++) {
        cr_assert_float_eq(ca[j], cb[j], tol * fabs(cb[j]), "coefficient %lld", (long long)j);
        cr_assert_float_eq(sa[j], sb[j], se_tol * sb[j], "standard error %lld", (long long)j);
    }
}

Test(fit, qr_solver_agrees_with_cholesky)
{
    data d = make(5000, 4, -1.0, 3);
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    ristra_fit *chol = fit_ok(&d, &o);
    o.solver = RISTRA_FIT_SOLVER_QR;
    ristra_fit *qr = fit_ok(&d, &o);
    cr_assert_eq(describe(qr).solver, RISTRA_FIT_SOLVER_QR);
    expect_close(qr, chol, d.p, 1e-10, 1e-10);
    ristra_fit_free(chol);
    ristra_fit_free(qr);
    data_free(&d);
}

Test(fit, centres_a_raw_calendar_year_beside_the_intercept)
{
    data d = make(6000, 3, -1.0, 4);
    for (int64_t r = 0; r < d.n; r++) { /* column 0: a year, 2015 to 2024 */
        d.x[r * 3] = 2015 + floor(uniform() * 10);
        double eta = -1.0 + 0.08 * (d.x[r * 3] - 2019.5) + 0.5 * d.x[r * 3 + 1];
        d.y[r] = uniform() < 1 / (1 + exp(-eta));
    }
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    ristra_fit *chol = fit_ok(&d, &o);
    o.solver = RISTRA_FIT_SOLVER_QR;
    ristra_fit *qr = fit_ok(&d, &o);
    expect_close(chol, qr, d.p, 1e-9, 1e-9);
    cr_assert_eq(describe(chol).solver, RISTRA_FIT_SOLVER_CHOLESKY);
    cr_assert_gt(fabs(describe(chol).intercept), 50, "the intercept carries -0.08 x 2019.5");
    cr_assert_lt(relative_score(&d, chol, 0.0), 1e-6);
    ristra_fit_free(chol);
    ristra_fit_free(qr);
    data_free(&d);
}

Test(fit, falls_back_to_qr_for_nearly_collinear_columns)
{
    data d = make(3000, 3, -0.5, 5);
    for (int64_t r = 0; r < d.n; r++) /* column 2 = column 0 + 1e-7 noise */
        d.x[r * 3 + 2] = d.x[r * 3] + 1e-7 * normal();
    ristra_fit *f = fit_ok(&d, NULL);
    cr_assert_eq(describe(f).solver, RISTRA_FIT_SOLVER_QR);
    ristra_fit_free(f);
    data_free(&d);
}

Test(fit, reads_rows_with_a_stride_wider_than_the_columns)
{
    data d = make(3000, 3, -1.0, 6);
    data wide = d;
    wide.stride = 5;
    wide.x = malloc((size_t)(d.n * 5) * sizeof(double));
    for (int64_t r = 0; r < d.n; r++)
        for (int64_t j = 0; j < 5; j++) /* the padding is NaN: reading it would be refused */
            wide.x[r * 5 + j] = j < 3 ? d.x[r * 3 + j] : NAN;
    ristra_fit *a = fit_ok(&d, NULL), *b = fit_ok(&wide, NULL);
    expect_close(a, b, 3, 0.0, 0.0);
    ristra_fit_free(a);
    ristra_fit_free(b);
    free(wide.x);
    data_free(&d);
}

Test(fit, fits_without_an_intercept)
{
    data d = make(3000, 3, 0.0, 7);
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.intercept = 0;
    ristra_fit *f = fit_ok(&d, &o);
    ristra_fit_summary s = describe(f);
    cr_assert_eq(s.has_intercept, 0);
    cr_assert_eq(s.intercept, 0.0);
    cr_assert_eq(s.df_null, 3000);
    /* the score equations for the columns only */
    double b[3], g[3] = { 0 };
    ristra_fit_coefficients(b, NULL, f);
    for (int64_t r = 0; r < d.n; r++) {
        const double *x = d.x + r * 3;
        double resid = d.y[r] - 1 / (1 + exp(-(b[0] * x[0] + b[1] * x[1] + b[2] * x[2])));
        for (int j = 0; j < 3; j++)
            g[j] += resid * x[j];
    }
    for (int j = 0; j < 3; j++)
        cr_assert_lt(fabs(g[j]), 1e-4);
    ristra_fit_free(f);
    data_free(&d);
}

Test(fit, fits_the_intercept_alone)
{
    data d = make(1000, 0, -1.0, 8);
    ristra_fit *f = fit_ok(&d, NULL);
    double events = 0;
    for (int64_t r = 0; r < d.n; r++)
        events += d.y[r];
    cr_assert_float_eq(describe(f).intercept, log(events / (1000 - events)), 1e-9);
    cr_assert_float_eq(describe(f).deviance, describe(f).null_deviance, 1e-9);
    ristra_fit_free(f);
    data_free(&d);
}

Test(fit, treats_integer_weights_as_repeated_rows)
{
    data d = make(2000, 3, -1.0, 9), twice = make(4000, 3, 0.0, 9);
    d.w = malloc((size_t)d.n * sizeof(double));
    for (int64_t r = 0; r < d.n; r++) {
        d.w[r] = r % 2 ? 2.0 : 1.0;
        memcpy(twice.x + r * 3, d.x + r * 3, 3 * sizeof(double));
        twice.y[r] = d.y[r];
    }
    int64_t extra = d.n;
    for (int64_t r = 1; r < d.n; r += 2, extra++) {
        memcpy(twice.x + extra * 3, d.x + r * 3, 3 * sizeof(double));
        twice.y[extra] = d.y[r];
    }
    twice.n = extra;
    ristra_fit *a = fit_ok(&d, NULL), *b = fit_ok(&twice, NULL);
    /* The same maximum, but IRLS starts elsewhere: the coefficients agree to
     * its tolerance, the standard errors (from the weights of the last step)
     * less closely. */
    expect_close(a, b, 3, 1e-6, 1e-4);
    cr_assert_float_eq(describe(a).sum_weights, 3000.0, 0.0);
    cr_assert_float_eq(describe(a).deviance, describe(b).deviance, 1e-9 * describe(b).deviance);
    ristra_fit_free(a);
    ristra_fit_free(b);
    data_free(&d);
    data_free(&twice);
}

Test(fit, ignores_rows_with_zero_weight)
{
    data d = make(3000, 2, -1.0, 10), kept = make(1500, 2, 0.0, 10);
    d.w = calloc((size_t)d.n, sizeof(double));
    for (int64_t r = 0; r < d.n; r++) {
        if (r % 2) {
            d.x[r * 2] = 1e6; /* would dominate the fit if it counted */
            d.y[r] = 1;
            continue;
        }
        d.w[r] = 1.0;
        memcpy(kept.x + (r / 2) * 2, d.x + r * 2, 2 * sizeof(double));
        kept.y[r / 2] = d.y[r];
    }
    ristra_fit *a = fit_ok(&d, NULL), *b = fit_ok(&kept, NULL);
    expect_close(a, b, 2, 1e-12, 1e-12);
    cr_assert_eq(describe(a).n_used, 1500);
    cr_assert_eq(describe(a).n_rows, 3000);
    ristra_fit_free(a);
    ristra_fit_free(b);
    data_free(&d);
    data_free(&kept);
}

Test(fit, penalises_the_coefficients_but_not_the_intercept)
{
    data d = make(3000, 4, -1.5, 11);
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.l2 = 50.0;
    o.tol = 1e-12;
    ristra_fit *pen = fit_ok(&d, &o), *mle = fit_ok(&d, NULL);
    cr_assert_lt(relative_score(&d, pen, o.l2), 1e-8);
    double bp[4], bm[4];
    ristra_fit_coefficients(bp, NULL, pen);
    ristra_fit_coefficients(bm, NULL, mle);
    for (int j = 0; j < 4; j++)
        cr_assert_lt(fabs(bp[j]), fabs(bm[j]), "the penalty shrinks coefficient %d", j);
    cr_assert_float_eq(describe(pen).l2, 50.0, 0.0);
    ristra_fit_free(pen);
    ristra_fit_free(mle);
    data_free(&d);
}

Test(fit, with_a_penalty_fits_separated_data)
{
    data d = make(500, 2, 0.0, 12);
    for (int64_t r = 0; r < d.n; r++)
        d.y[r] = d.x[r * 2] > 0;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.l2 = 1.0;
    ristra_fit *f = fit_ok(&d, &o);
    double b[2];
    ristra_fit_coefficients(b, NULL, f);
    cr_assert(isfinite(b[0]) && b[0] > 1);
    ristra_fit_free(f);
    data_free(&d);
}

/* ---------------------------------------------------------------- refusals */

Test(fit_errors, nan_in_x_names_the_row_and_the_column)
{
    data d = make(500, 3, -1.0, 20);
    d.x[417 * 3 + 2] = NAN;
    ristra_fit *f = (ristra_fit *)&d; /* must be reset to NULL */
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    expect_error(fit(&f, &d, &o), RISTRA_EINVAL,
                 (const char *[]){ "row 417", "\"prior_admissions\"", "not finite", NULL });
    cr_assert_null(f);
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "row 417", "column 2", NULL });
    d.x[3 * 3] = INFINITY; /* the first bad row is reported */
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "row 3,", "column 0", NULL });
    data_free(&d);
}

Test(fit_errors, bad_outcomes_and_weights_name_the_row)
{
    data d = make(300, 2, -1.0, 21);
    ristra_fit *f = NULL;
    d.y[250] = 2.0;
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "row 250", "y", "[0, 1]", NULL });
    d.y[250] = NAN;
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "row 250", "y", "not finite", NULL });
    d.y[250] = 1.0;
    d.w = malloc((size_t)d.n * sizeof(double));
    for (int64_t r = 0; r < d.n; r++)
        d.w[r] = 1.0;
    d.w[12] = -1.0;
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "row 12", "weights", "negative", NULL });
    d.w[12] = INFINITY;
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "row 12", "weights", NULL });
    memset(d.w, 0, (size_t)d.n * sizeof(double));
    expect_error(fit(&f, &d, NULL), RISTRA_EINVAL, (const char *[]){ "no row has a positive weight", NULL });
    data_free(&d);
}

Test(fit_errors, a_constant_column_is_named)
{
    data d = make(500, 3, -1.0, 22);
    for (int64_t r = 0; r < d.n; r++)
        d.x[r * 3 + 1] = 4.0;
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC, (const char *[]){ "\"n_ltc\"", "constant", NULL });
    data_free(&d);
}

Test(fit_errors, aliased_columns_are_named)
{
    data d = make(800, 5, -1.0, 23);
    for (int64_t r = 0; r < d.n; r++) {
        double *x = d.x + r * 5;
        x[3] = x[0] - 2 * x[1] + 3; /* a combination of the intercept, age and n_ltc */
        x[4] = x[2];                /* a duplicate */
    }
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC,
                 (const char *[]){ "\"frailty\", \"imd\"", "linear combination", "NA", NULL });
    o.solver = RISTRA_FIT_SOLVER_QR;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC, (const char *[]){ "\"frailty\", \"imd\"", NULL });
    cr_assert_null(f);
    /* A penalty makes the solution unique: aliased columns share the weight. */
    o.l2 = 1.0;
    o.solver = RISTRA_FIT_SOLVER_AUTO;
    f = fit_ok(&d, &o);
    double b[5];
    ristra_fit_coefficients(b, NULL, f);
    cr_assert_float_eq(b[2], b[4], 1e-6 * fabs(b[2]));
    ristra_fit_free(f);
    data_free(&d);
}

Test(fit_errors, complete_separation_names_the_separating_column)
{
    data d = make(600, 3, 0.0, 24);
    for (int64_t r = 0; r < d.n; r++)
        d.y[r] = d.x[r * 3 + 2] > 0.3;
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC,
                 (const char *[]){ "separation", "\"prior_admissions\" separates", "l2", NULL });
    data_free(&d);
}

Test(fit_errors, quasi_complete_separation_by_an_indicator_is_refused)
{
    data d = make(2000, 3, -1.0, 25);
    for (int64_t r = 0; r < d.n; r++) { /* every patient with the indicator is an event */
        d.x[r * 3 + 1] = r % 40 == 0;
        if (r % 40 == 0)
            d.y[r] = 1;
    }
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC,
                 (const char *[]){ "quasi-complete separation", "\"n_ltc\"", NULL });
    data_free(&d);
}

Test(fit_errors, separation_by_a_combination_of_columns_is_refused)
{
    data d = make(600, 3, 0.0, 26);
    for (int64_t r = 0; r < d.n; r++)
        d.y[r] = d.x[r * 3] + d.x[r * 3 + 1] > 0;
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC,
                 (const char *[]){ "separation", "numerically 0 or 1", "\"age\"", "\"n_ltc\"", NULL });
    data_free(&d);
}

Test(fit_errors, an_outcome_without_events_is_refused)
{
    data d = make(100, 2, -1.0, 27);
    memset(d.y, 0, (size_t)d.n * sizeof(double));
    ristra_fit *f = NULL;
    expect_error(fit(&f, &d, NULL), RISTRA_ENUMERIC, (const char *[]){ "no events", NULL });
    for (int64_t r = 0; r < d.n; r++)
        d.y[r] = 1;
    expect_error(fit(&f, &d, NULL), RISTRA_ENUMERIC, (const char *[]){ "no non-events", NULL });
    data_free(&d);
}

Test(fit_errors, no_convergence_reports_the_last_deviance_change)
{
    data d = make(1000, 3, -1.0, 28);
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.max_iter = 2;
    expect_error(fit(&f, &d, &o), RISTRA_ENUMERIC,
                 (const char *[]){ "did not converge in 2 iterations", "deviance change", NULL });
    cr_assert_null(f);
    data_free(&d);
}

Test(fit_errors, bad_arguments_are_named)
{
    data d = make(50, 2, -1.0, 29);
    ristra_fit *f = NULL;
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    const double *x = d.x, *y = d.y;
    expect_error(ristra_fit_logistic(NULL, x, 50, 2, 2, y, NULL, NULL), RISTRA_EINVAL, (const char *[]){ "out", NULL });
    expect_error(ristra_fit_logistic(&f, NULL, 50, 2, 2, y, NULL, NULL), RISTRA_EINVAL, (const char *[]){ "x is NULL", NULL });
    expect_error(ristra_fit_logistic(&f, x, 50, 2, 2, NULL, NULL, NULL), RISTRA_EINVAL, (const char *[]){ "y is NULL", NULL });
    expect_error(ristra_fit_logistic(&f, x, 0, 2, 2, y, NULL, NULL), RISTRA_EINVAL, (const char *[]){ "n_rows", NULL });
    expect_error(ristra_fit_logistic(&f, x, 50, -1, 2, y, NULL, NULL), RISTRA_EINVAL, (const char *[]){ "n_cols", NULL });
    expect_error(ristra_fit_logistic(&f, x, 50, 2, 1, y, NULL, NULL), RISTRA_EINVAL, (const char *[]){ "row_stride", NULL });
    o.intercept = 0;
    expect_error(ristra_fit_logistic(&f, x, 50, 0, 0, y, NULL, &o), RISTRA_EINVAL, (const char *[]){ "nothing to fit", NULL });
    data_free(&d);
}

static void expect_bad_option(ristra_fit_options o, const char *field)
{
    data d = make(50, 2, -1.0, 30);
    ristra_fit *f = NULL;
    expect_error(fit(&f, &d, &o), RISTRA_EINVAL, (const char *[]){ field, NULL });
    cr_assert_null(f);
    data_free(&d);
}

Test(fit_errors, bad_options_are_named)
{
    const ristra_fit_options good = RISTRA_FIT_OPTIONS_INIT;
    ristra_fit_options o = good;
    o.version = 0;
    expect_bad_option(o, "opts->version");
    o = good;
    o.version = RISTRA_FIT_OPTIONS_VERSION + 1;
    expect_bad_option(o, "opts->version");
    o = good;
    o.intercept = 2;
    expect_bad_option(o, "opts->intercept");
    o = good;
    o.l2 = -1;
    expect_bad_option(o, "opts->l2");
    o = good;
    o.l2 = NAN;
    expect_bad_option(o, "opts->l2");
    o = good;
    o.max_iter = 0;
    expect_bad_option(o, "opts->max_iter");
    o = good;
    o.tol = 0;
    expect_bad_option(o, "opts->tol");
    o = good;
    o.n_threads = -1;
    expect_bad_option(o, "opts->n_threads");
    o = good;
    o.solver = RISTRA_FIT_SOLVER_CHOLESKY;
    expect_bad_option(o, "opts->solver");
    o = good;
    const char *names[] = { "a", NULL };
    o.feature_names = names;
    expect_bad_option(o, "opts->feature_names[1]");
}

Test(fit_errors, options_init_and_accessors_check_their_arguments)
{
    ristra_fit_options o;
    cr_assert_eq(ristra_fit_options_init(&o, 1), RISTRA_OK);
    cr_assert_eq(o.max_iter, 25);
    cr_assert_float_eq(o.tol, 1e-8, 0.0);
    cr_assert_eq(o.intercept, 1);
    cr_assert_eq(ristra_fit_options_init(NULL, 1), RISTRA_EINVAL);
    cr_assert_eq(ristra_fit_options_init(&o, 2), RISTRA_EINVAL);
    ristra_fit_summary s = RISTRA_FIT_SUMMARY_INIT;
    cr_assert_eq(ristra_fit_describe(&s, NULL), RISTRA_EINVAL);
    data d = make(200, 1, -1.0, 31);
    ristra_fit *f = fit_ok(&d, NULL);
    s.version = 7;
    cr_assert_eq(ristra_fit_describe(&s, f), RISTRA_EINVAL);
    cr_assert_eq(ristra_fit_describe(NULL, f), RISTRA_EINVAL);
    cr_assert_eq(ristra_fit_coefficients(NULL, NULL, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_fit_coefficients(NULL, NULL, f), RISTRA_OK);
    ristra_fit_free(f);
    ristra_fit_free(NULL);
    data_free(&d);
}

/* ---------------------------------------------------------------- models */

static ristra_fit_model_options model_options(void)
{
    ristra_fit_model_options o = RISTRA_FIT_MODEL_OPTIONS_INIT;
    o.name = "test admission risk";
    o.outcome = "emergency hospital admission";
    o.horizon_days = 365;
    o.intended_use = "TESTING ONLY - NOT FOR CLINICAL USE";
    o.fitted_date = "2024-05-01";
    return o;
}

static ristra_fit *named_fit(const data *d)
{
    ristra_fit_options o = RISTRA_FIT_OPTIONS_INIT;
    o.feature_names = NAMES;
    return fit_ok(d, &o);
}

Test(fit_model, scores_the_fitted_linear_predictor)
{
    data d = make(2000, 3, -1.0, 40);
    ristra_fit *f = named_fit(&d);
    ristra_fit_model_options mo = model_options();
    ristra_model *m = NULL;
    cr_assert_eq(ristra_fit_to_model(&m, f, &mo), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(ristra_model_kind(m), RISTRA_MODEL_LOGISTIC);
    cr_assert_eq(ristra_model_n_features(m), 3);
    double *margin = malloc((size_t)d.n * sizeof *margin), b[3];
    int32_t *status = malloc((size_t)d.n * sizeof *status);
    cr_assert_eq(ristra_model_score(NULL, margin, status, m, d.x, RISTRA_FLOAT64, d.n, 3, 3, 1, NULL),
                 RISTRA_OK);
    ristra_fit_coefficients(b, NULL, f);
    double b0 = describe(f).intercept;
    for (int64_t r = 0; r < d.n; r++) {
        const double *x = d.x + r * 3;
        cr_assert_eq(status[r], RISTRA_ROW_OK, "training rows lie in the training range");
        cr_assert_float_eq(margin[r], b0 + b[0] * x[0] + b[1] * x[1] + b[2] * x[2], 1e-12);
    }
    /* save, load, save: the same bytes */
    char *text = NULL, *again = NULL;
    size_t size = 0, size2 = 0;
    cr_assert_eq(ristra_model_save_buffer(&text, &size, m, NULL), RISTRA_OK);
    ristra_model *loaded = NULL;
    cr_assert_eq(ristra_model_load_buffer(&loaded, text, size, "fit"), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(ristra_model_save_buffer(&again, &size2, loaded, NULL), RISTRA_OK);
    cr_assert(size == size2 && memcmp(text, again, size) == 0);
    ristra_free(text);
    ristra_free(again);
    ristra_model_free(loaded);
    ristra_model_free(m);
    ristra_fit_free(f);
    free(margin);
    free(status);
    data_free(&d);
}

Test(fit_model, fills_feature_metadata_from_the_training_data)
{
    data d = make(1500, 3, -1.0, 41);
    ristra_fit *f = named_fit(&d);
    ristra_fit_model_options mo = model_options();
    const char *descriptions[] = { "age at the start of the period", NULL, "admissions in the past year" };
    const char *units[] = { "years", "count", NULL };
    mo.descriptions = descriptions;
    mo.units = units;
    mo.missing_policy = RISTRA_MISSING_IMPUTE;
    ristra_model *m = NULL;
    cr_assert_eq(ristra_fit_to_model(&m, f, &mo), RISTRA_OK, "%s", ristra_last_error());
    for (int64_t j = 0; j < 3; j++) {
        double lo = INFINITY, hi = -INFINITY, sum = 0;
        for (int64_t r = 0; r < d.n; r++) {
            lo = fmin(lo, d.x[r * 3 + j]);
            hi = fmax(hi, d.x[r * 3 + j]);
            sum += d.x[r * 3 + j];
        }
        ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
        cr_assert_eq(ristra_model_feature(&info, m, j), RISTRA_OK);
        cr_assert_str_eq(info.name, NAMES[j]);
        cr_assert_str_eq(info.description, descriptions[j] ? descriptions[j] : "");
        cr_assert_str_eq(info.unit, units[j] ? units[j] : "");
        cr_assert_eq(info.valid_min, lo);
        cr_assert_eq(info.valid_max, hi);
        cr_assert_eq(info.missing_policy, RISTRA_MISSING_IMPUTE);
        cr_assert_float_eq(info.impute_value, sum / (double)d.n, 1e-12);
    }
    const char *meta = ristra_model_metadata(m);
    int64_t events = 0;
    for (int64_t r = 0; r < d.n; r++)
        events += d.y[r] == 1;
    char want[64];
    snprintf(want, sizeof want, "\"events\":%lld,", (long long)events);
    const char *words[] = { "\"name\":\"test admission risk\"", "\"horizon_days\":365",
                            "\"training_population\":{", "\"n\":1500,", want,
                            "\"weighted\":false", "\"fitted\":\"2024-05-01\"", "\"l2\":0",
                            "maximum likelihood, IRLS", NULL };
    for (const char *const *w = words; *w; w++)
        cr_assert(strstr(meta, *w), "metadata %s lacks %s", meta, *w);
    ristra_model_free(m);

    mo.training_range = 0; /* unbounded; reject missing values (the default) */
    mo.missing_policy = RISTRA_MISSING_REJECT;
    mo.fitted_date = NULL;
    cr_assert_eq(ristra_fit_to_model(&m, f, &mo), RISTRA_OK);
    ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
    ristra_model_feature(&info, m, 0);
    cr_assert(isinf(info.valid_min) && info.valid_min < 0 && isinf(info.valid_max));
    cr_assert_eq(info.missing_policy, RISTRA_MISSING_REJECT);
    cr_assert(strstr(ristra_model_metadata(m), "\"fitted\":\"20"), "today is in this century");
    ristra_model_free(m);
    ristra_fit_free(f);
    data_free(&d);
}

Test(fit_model, refuses_incomplete_options)
{
    data d = make(500, 2, -1.0, 42);
    ristra_fit *named = named_fit(&d), *unnamed = fit_ok(&d, NULL);
    ristra_model *m = (ristra_model *)&d;
    ristra_fit_model_options good = model_options(), o = good;
    expect_error(ristra_fit_to_model(&m, unnamed, &o), RISTRA_EINVAL, (const char *[]){ "feature names", NULL });
    cr_assert_null(m);
    expect_error(ristra_fit_to_model(&m, NULL, &o), RISTRA_EINVAL, (const char *[]){ "fit is NULL", NULL });
    expect_error(ristra_fit_to_model(&m, named, NULL), RISTRA_EINVAL, (const char *[]){ "opts is NULL", NULL });
    o.name = NULL;
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "opts->name", NULL });
    o = good;
    o.outcome = NULL;
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "opts->outcome", NULL });
    o = good;
    o.intended_use = NULL;
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "opts->intended_use", NULL });
    o = good;
    o.horizon_days = 0;
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "horizon_days", NULL });
    o = good;
    o.missing_policy = RISTRA_MISSING_NATIVE;
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "missing_policy", NULL });
    o = good;
    o.fitted_date = "1 May 2024";
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "fitted_date", NULL });
    o = good;
    o.version = 9;
    expect_error(ristra_fit_to_model(&m, named, &o), RISTRA_EINVAL, (const char *[]){ "opts->version", NULL });
    ristra_fit_model_options init;
    cr_assert_eq(ristra_fit_model_options_init(&init, 1), RISTRA_OK);
    cr_assert_eq(init.missing_policy, RISTRA_MISSING_REJECT);
    cr_assert_eq(init.training_range, 1);
    cr_assert_eq(ristra_fit_model_options_init(&init, 0), RISTRA_EINVAL);

    ristra_fit_options fo = RISTRA_FIT_OPTIONS_INIT;
    const char *dup[] = { "age", "age" };
    fo.feature_names = dup;
    ristra_fit *twice = fit_ok(&d, &fo);
    expect_error(ristra_fit_to_model(&m, twice, &good), RISTRA_EINVAL, (const char *[]){ "duplicate feature name \"age\"", NULL });
    ristra_fit_free(twice);
    ristra_fit_free(named);
    ristra_fit_free(unnamed);
    data_free(&d);
}

/* ---------------------------------------------------------------- kernels */

/* The AVX2 and AVX-512 cross-product tiles (fit_gram.c) against OpenBLAS's
 * dsyrk, the scalar path, on blocks whose widths and heights straddle the
 * tile and group sizes: the upper triangle agrees to rounding and the
 * entries below the diagonal are left as they were. */
Test(fit_gram, vector_kernels_agree_with_openblas_dsyrk)
{
    static const int64_t widths[] = { 1, 2, 7, 8, 9, 17, 24, 25, 42, 57, 121 };
    static const int64_t heights[] = { 1, 3, 63, 64, 65, 1000 };
    rng_state = 77;
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++) {
        int64_t q1 = widths[wi], lda = ristra__fit_gram_lda(q1);
        cr_assert(lda >= q1 && lda % 8 == 0);
        for (size_t hi = 0; hi < sizeof heights / sizeof *heights; hi++) {
            int64_t rows = heights[hi];
            double *a = calloc((size_t)(rows * lda), sizeof *a);
            double *ref = malloc((size_t)(q1 * q1) * sizeof *ref);
            double *got = malloc((size_t)(q1 * q1) * sizeof *got);
            cr_assert(a && ref && got);
            for (int64_t k = 0; k < rows; k++)
                for (int64_t j = 0; j < q1; j++)
                    a[k * lda + j] = normal() * (1 + j % 5);
            for (int64_t i = 0; i < q1 * q1; i++)
                ref[i] = uniform();
            memcpy(got, ref, (size_t)(q1 * q1) * sizeof *got);
            ristra__fit_gram_add(ref, a, rows, lda, q1, RISTRA__ISA_SCALAR);
            for (int isa = RISTRA__ISA_AVX2; isa <= RISTRA__ISA_AVX512; isa++) {
                if (!ristra__cpu_isa_supported(isa))
                    continue;
                double *g = malloc((size_t)(q1 * q1) * sizeof *g);
                cr_assert(g);
                memcpy(g, got, (size_t)(q1 * q1) * sizeof *g);
                ristra__fit_gram_add(g, a, rows, lda, q1, isa);
                for (int64_t j = 0; j < q1; j++)
                    for (int64_t i = 0; i < q1; i++) {
                        double r = ref[j * q1 + i], v = g[j * q1 + i];
                        if (i > j)
                            cr_assert_eq(v, got[j * q1 + i], "isa %d q1 %lld rows %lld: (%lld, %lld) below the diagonal written", isa, (long long)q1, (long long)rows, (long long)i, (long long)j);
                        else
                            cr_assert(fabs(v - r) <= 1e-13 * (fabs(r) + rows), "isa %d q1 %lld rows %lld: (%lld, %lld) %.17g, dsyrk %.17g", isa, (long long)q1, (long long)rows, (long long)i, (long long)j, v, r);
                    }
                free(g);
            }
            free(a);
            free(ref);
            free(got);
        }
    }
}
