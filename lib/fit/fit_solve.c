/* The weighted least squares step of IRLS, in the centred parametrisation.
 *
 * The fast path factors the cross-product X'WX (+ the penalty) by Cholesky
 * after scaling it to unit diagonal. Forming X'WX squares the condition
 * number, so the step is only trusted when LAPACK's reciprocal condition
 * estimate (dpocon) is at least RCOND_MIN and no column comes close to
 * R's aliasing test; otherwise the step is redone from the R factor of a
 * QR factorisation of the weighted design itself, where the columns that
 * R would alias (and report as NA) are found by R's own rule. */
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error_internal.h"
#include "fit_internal.h"

/* With rcond >= 1e-10 the Cholesky step carries a relative error of at
 * most about 1e-6 of the step itself, and steps shrink to nothing as IRLS
 * converges, so the coefficients stay well inside 1e-6 of R's. */
#define RCOND_MIN 1e-10
/* R's tolerance for glm.fit's QR: min(1e-7, epsilon / 1000) at the default epsilon. */
#define ALIAS_TOL 1e-11
/* A column whose residual norm, relative to its norm, is below this cannot
 * be judged against ALIAS_TOL from the cross-product: decide it by QR. */
#define ALIAS_SUSPECT 1e-7

int ristra__fit_solver_init(ristra__fit_solver *s, int64_t q, double l2, int intercept,
                            const double *center, int mode)
{
    const int64_t q1 = q + 1;
    memset(s, 0, sizeof *s);
    s->q = q;
    s->l2 = l2;
    s->first_penalised = intercept ? 1 : 0;
    s->center = center;
    s->mode = mode;
    s->factor = malloc((size_t)(q * q + q + 4 * q1 + q1 * q1) * sizeof *s->factor +
                       ristra__tsqr_work_doubles(q1) * sizeof *s->factor);
    s->iwork = malloc((size_t)q * sizeof *s->iwork);
    if (!s->factor || !s->iwork) {
        ristra__fit_solver_free(s);
        return ristra__oom();
    }
    s->scale = s->factor + q * q;
    s->work = s->scale + q;
    s->tmp = s->work + 4 * q1;
    return RISTRA_OK;
}

void ristra__fit_solver_free(ristra__fit_solver *s)
{
    free(s->factor);
    free(s->iwork);
    s->factor = NULL;
    s->iwork = NULL;
}

/* |column k of the design before centring|^2, from the cross-product of
 * the centred design: x = x_c + m * 1. */
static double raw_norm2(const double *g, int64_t q1, int64_t k, const ristra__fit_solver *s)
{
    double m = s->center[k];
    double gkk = g[k * q1 + k];
    if (m == 0.0)
        return gkk;
    return gkk + 2 * m * g[k * q1] + m * m * g[0];
}

int ristra__fit_solve_cholesky(ristra__fit_solver *s, double *delta, const double *gram,
                               const double *beta)
{
    const int64_t q = s->q, q1 = q + 1;
    double *e = s->factor;
    for (int64_t j = 0; j < q; j++) {
        for (int64_t i = 0; i <= j; i++)
            e[j * q + i] = gram[j * q1 + i];
        if (j >= s->first_penalised)
            e[j * q + j] += s->l2;
        if (!(e[j * q + j] > 0))
            return RISTRA__FIT_NEEDS_QR;
        s->scale[j] = 1 / sqrt(e[j * q + j]);
    }
    for (int64_t j = 0; j < q; j++)
        for (int64_t i = 0; i <= j; i++)
            e[j * q + i] *= s->scale[i] * s->scale[j];
    double anorm = LAPACKE_dlansy_work(LAPACK_COL_MAJOR, '1', 'U', (lapack_int)q, e,
                                       (lapack_int)q, s->work);
    /* dpotf2 rather than dpotrf: OpenBLAS 0.3.21 spreads dpotrf over its own
     * threads from 64 columns (interface/lapack/potrf.c); systems this
     * small gain nothing from blocking. */
    lapack_int n = (lapack_int)q, info = 0;
    LAPACK_dpotf2("U", &n, e, &n, &info);
    if (info != 0)
        return RISTRA__FIT_NEEDS_QR;
    double rcond = 0.0;
    if (LAPACKE_dpocon_work(LAPACK_COL_MAJOR, 'U', (lapack_int)q, e, (lapack_int)q, anorm, &rcond,
                            s->work, s->iwork) != 0 ||
        !(rcond >= RCOND_MIN))
        return RISTRA__FIT_NEEDS_QR;
    for (int64_t k = 0; k < q; k++) {
        /* U_kk / scale_k is the norm of column k left after the columns before it */
        double pen = k >= s->first_penalised ? s->l2 : 0.0;
        double raw = sqrt(raw_norm2(gram, q1, k, s) + pen);
        if (e[k * q + k] / s->scale[k] < ALIAS_SUSPECT * raw)
            return RISTRA__FIT_NEEDS_QR;
    }
    for (int64_t k = 0; k < q; k++) {
        double g = gram[q * q1 + k];
        if (beta && k >= s->first_penalised)
            g -= s->l2 * beta[k];
        delta[k] = s->scale[k] * g;
    }
    if (LAPACKE_dpotrs_work(LAPACK_COL_MAJOR, 'U', (lapack_int)q, 1, e, (lapack_int)q, delta,
                            (lapack_int)q) != 0)
        return ristra__error(RISTRA_ERROR, "ristra_fit_logistic: dpotrs failed");
    for (int64_t k = 0; k < q; k++)
        delta[k] *= s->scale[k];
    s->mode = RISTRA_FIT_SOLVER_CHOLESKY;
    return RISTRA_OK;
}

/* Appends rows sqrt(l2) e_k | -sqrt(l2) beta_k for the penalised
 * coefficients to the R factor r (q1 x q1). */
static int add_penalty_rows(ristra__fit_solver *s, double *r, const double *beta)
{
    const int64_t q = s->q, q1 = q + 1, np = q - s->first_penalised;
    if (s->l2 == 0.0 || np == 0)
        return RISTRA_OK;
    double *rows = s->tmp;
    const double root = sqrt(s->l2);
    memset(rows, 0, (size_t)(np * q1) * sizeof *rows);
    for (int64_t i = 0; i < np; i++) {
        int64_t k = s->first_penalised + i;
        rows[k * np + i] = root;
        rows[q * np + i] = beta ? -root * beta[k] : 0.0;
    }
    return ristra__tsqr_rows(r, q1, rows, np, np, s->tmp + q1 * q1);
}

/* R's dqrdc2 rule, applied to the R factor (which has the design's
 * cross-product): in column order, a column is aliased when the norm left
 * after removing the kept columns before it is below ALIAS_TOL times its
 * norm in the design as given (before centring). Marks aliased[k]. */
static int find_aliased(char *aliased, const ristra__fit_solver *s, const double *r)
{
    const int64_t q = s->q, q1 = q + 1;
    double *w = s->tmp; /* q x q working copy of the uncentred columns */
    for (int64_t k = 0; k < q; k++)
        for (int64_t i = 0; i < q; i++) {
            double v = i <= k ? r[k * q1 + i] : 0.0;
            if (s->center[k] != 0.0 && i == 0)
                v += s->center[k] * r[0];
            w[k * q + i] = v;
        }
    int64_t kept = 0, n_aliased = 0;
    for (int64_t l = 0; l < q; l++) {
        double orig = 0.0, left = 0.0;
        for (int64_t i = 0; i < q; i++)
            orig = hypot(orig, w[l * q + i]);
        for (int64_t i = kept; i < q; i++)
            left = hypot(left, w[l * q + i]);
        if (orig == 0.0)
            orig = 1.0;
        aliased[l] = left < ALIAS_TOL * orig;
        if (aliased[l]) {
            n_aliased++;
            continue;
        }
        /* Householder reflection taking w[kept.., l] to -sign * left * e_kept */
        double *v = w + l * q;
        double alpha = v[kept] >= 0 ? -left : left;
        v[kept] -= alpha;
        double vnorm2 = 0.0;
        for (int64_t i = kept; i < q; i++)
            vnorm2 += v[i] * v[i];
        for (int64_t c = l + 1; c < q && vnorm2 > 0; c++) {
            double *col = w + c * q, dot = 0.0;
            for (int64_t i = kept; i < q; i++)
                dot += v[i] * col[i];
            double f = 2 * dot / vnorm2;
            for (int64_t i = kept; i < q; i++)
                col[i] -= f * v[i];
        }
        kept++;
    }
    return n_aliased > 0;
}

static int aliased_error(const char *aliased, const ristra__fit_data *d)
{
    char list[700] = "", name[160];
    size_t len = 0;
    int n = 0;
    for (int64_t k = d->intercept; k < d->p + d->intercept; k++) {
        if (!aliased[k] || len + 200 > sizeof list)
            continue;
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", n++ ? ", " : "",
                                ristra__fit_column_name(name, sizeof name, d, k - d->intercept));
    }
    return ristra__error(RISTRA_ENUMERIC,
                         "ristra_fit_logistic: rank-deficient design: %s %s a linear combination "
                         "of the columns before %s (aliased: R would report NA coefficients); "
                         "remove %s",
                         list, n == 1 ? "is" : "are each", n == 1 ? "it" : "them",
                         n == 1 ? "it" : "them");
}

int ristra__fit_solve_qr(ristra__fit_solver *s, double *delta, double *r, const double *beta,
                         const ristra__fit_data *d)
{
    const int64_t q = s->q, q1 = q + 1;
    int rc = add_penalty_rows(s, r, beta);
    if (rc)
        return rc;
    char *aliased = (char *)s->iwork; /* q bytes fit in q ints */
    if (find_aliased(aliased, s, r))
        return aliased_error(aliased, d);
    double *u = s->factor;
    for (int64_t j = 0; j < q; j++) {
        for (int64_t i = 0; i < q; i++)
            u[j * q + i] = i <= j ? r[j * q1 + i] : 0.0;
        s->scale[j] = 1.0;
        delta[j] = r[q * q1 + j];
    }
    if (LAPACKE_dtrtrs_work(LAPACK_COL_MAJOR, 'U', 'N', 'N', (lapack_int)q, 1, u, (lapack_int)q,
                            delta, (lapack_int)q) != 0)
        return ristra__error(RISTRA_ENUMERIC, "ristra_fit_logistic: singular weighted design");
    s->mode = RISTRA_FIT_SOLVER_QR;
    return RISTRA_OK;
}

/* u := inverse of the upper triangular u (q x q, column-major), in place,
 * column by column (LAPACK's dtrti2 loop, without the dtrmv that OpenBLAS
 * would spread over its threads). */
static int invert_upper(double *u, int64_t q)
{
    for (int64_t j = 0; j < q; j++) {
        if (u[j * q + j] == 0.0)
            return RISTRA_ENUMERIC;
        u[j * q + j] = 1 / u[j * q + j];
        double ajj = -u[j * q + j];
        /* column j above the diagonal: U^-1[0:j, 0:j] U[0:j, j], scaled */
        for (int64_t i = 0; i < j; i++) {
            double s = 0.0;
            for (int64_t k = i; k < j; k++)
                s += u[k * q + i] * u[j * q + k];
            u[j * q + i] = s;
        }
        for (int64_t i = 0; i < j; i++)
            u[j * q + i] *= ajj;
    }
    return RISTRA_OK;
}

/* The covariance of the coefficients of the columns as given (before
 * centring), R's chol2inv of its R factor: the centred factor R_c (U S^-1
 * for Cholesky) times A^-1 = [1, center'; 0, I] is the R factor of the
 * uncentred design, and inverting that directly keeps the intercept's
 * variance accurate where transforming the centred covariance would
 * cancel (nearly collinear columns far from zero). */
int ristra__fit_covariance(double *cov, ristra__fit_solver *s)
{
    const int64_t q = s->q;
    double *u = s->tmp; /* q x q fits in q1 x q1 */
    for (int64_t j = 0; j < q; j++)
        for (int64_t i = 0; i < q; i++)
            u[j * q + i] = i <= j ? s->factor[j * q + i] / s->scale[j] : 0.0;
    for (int64_t j = 1; j < q; j++)
        u[j * q] += s->center[j] * u[0];
    if (invert_upper(u, q))
        return ristra__error(RISTRA_ENUMERIC,
                             "ristra_fit_logistic: the weighted cross-product is singular");
    /* cov = U^-1 U^-T */
    for (int64_t j = 0; j < q; j++)
        for (int64_t i = 0; i <= j; i++) {
            double v = 0.0;
            for (int64_t k = j; k < q; k++)
                v += u[k * q + i] * u[k * q + j];
            cov[j * q + i] = cov[i * q + j] = v;
        }
    return RISTRA_OK;
}
