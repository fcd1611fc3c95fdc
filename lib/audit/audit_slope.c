/* The calibration slope of one group, as ristra__fit_calibration_slope()
 * (lib/metrics/calibration_fit.c) fits it, to the last bit, at about a
 * third of the cost on a list scored by a tree model (the benchmark's
 * 315,000 patients: 125 -> 45 ms for the audit's 46 fits).
 *
 * Patients of equal risk have equal log-odds x, so at any (a, b) they share
 * exp(-|a + b (x - shift)|), mu, the weight and (but for y) each term of
 * the sums: those are computed once per run of equal risks, and only the
 * additions, which must follow the patients one by one in the same order
 * for the sums to come out the same, are made per patient.
 *
 * The Newton iteration is calibration_fit.c's own
 * (ristra__calibration_newton: same start, tolerances, trusted move and
 * halving), but for the first point's log-likelihood: it is summed in the
 * first pass, since from perfect calibration the first step is nearly
 * always too long to trust and the line search then asks for it (the
 * general fit makes a second pass of the patients for it). The audit CSV is checked byte for byte against the one the
 * general fit gave (benchmarks/bench_audit.py --before) and the figures
 * against scikit-learn (tests/parity/test_audit_parity.py). */
#include <math.h>

#include "../metrics/metrics_internal.h"
#include "audit_internal.h"


typedef ristra__fit_sums fit_sums;

typedef struct problem {
    const ristra__audit_runs *r;
    double shift, reach;
} problem;

/* Runs are taken CHUNK at a time: their exp() calls back to back, then
 * their terms (divisions the compiler can pair), then the chunk's patients
 * in order, each adding its run's terms (the flag in bit 1 of y moves to
 * the next run, so no branch depends on the lengths of the runs). */
enum { CHUNK = 128 };

/* Per run: resid and resid * xc for y = 0 and 1, w, w xc, w xc^2, and
 * the log-likelihood for y = 0 and 1. */
enum { R0, R1, GX0, GX1, W, WX, WXX, L0, L1, N_TERMS };

static void add_patients(fit_sums *t, double (*term)[N_TERMS], const uint8_t *y, int64_t from,
                         int64_t to, int with_loglik)
{
    int64_t j = -1; /* the first patient's flag moves to run 0 */
    if (with_loglik) {
        for (int64_t q = from; q < to; q++) {
            unsigned v = y[q], c = v & 1;
            j += v >> 1;
            const double *T = term[j];
            t->loglik += T[L0 + c];
            t->g0 += T[R0 + c];
            t->g1 += T[GX0 + c];
            t->h00 += T[W];
            t->h01 += T[WX];
            t->h11 += T[WXX];
        }
    } else {
        for (int64_t q = from; q < to; q++) {
            unsigned v = y[q], c = v & 1;
            j += v >> 1;
            const double *T = term[j];
            t->g0 += T[R0 + c];
            t->g1 += T[GX0 + c];
            t->h00 += T[W];
            t->h01 += T[WX];
            t->h11 += T[WXX];
        }
    }
}

/* The score and information at (a, b), and the log-likelihood when asked:
 * the terms of each run once, the sums patient by patient, in the order
 * and with the operations of calibration_fit.c's accumulate(). */
static void accumulate(fit_sums *s, const void *problem_, double a, double b, int with_loglik)
{
    const problem *p = problem_;
    const ristra__audit_runs *r = p->r;
    fit_sums t = { 0 };
    double term[CHUNK][N_TERMS], eta[CHUNK];
    for (int64_t j0 = 0; j0 < r->n_runs; j0 += CHUNK) {
        int64_t m = r->n_runs - j0 < CHUNK ? r->n_runs - j0 : CHUNK;
        const double *x = r->x + j0;
        double e[CHUNK];
        for (int64_t j = 0; j < m; j++) {
            eta[j] = a + b * (x[j] - p->shift);
            e[j] = exp(-fabs(eta[j]));
        }
        for (int64_t j = 0; j < m; j++) {
            double xc = x[j] - p->shift;
            double mu = (eta[j] >= 0.0 ? 1.0 : e[j]) / (1.0 + e[j]);
            double w = mu * (1.0 - mu);
            term[j][R0] = 0.0 - mu;
            term[j][R1] = 1.0 - mu;
            term[j][GX0] = term[j][R0] * xc;
            term[j][GX1] = term[j][R1] * xc;
            term[j][W] = w;
            term[j][WX] = w * xc;
            term[j][WXX] = w * xc * xc;
        }
        if (with_loglik)
            for (int64_t j = 0; j < m; j++) {
                double lse = (eta[j] > 0.0 ? eta[j] : 0.0) + log1p(e[j]);
                term[j][L0] = 0.0 - lse;
                term[j][L1] = eta[j] - lse;
            }
        add_patients(&t, term, r->y, r->start[j0], r->start[j0 + m], with_loglik);
    }
    if (!with_loglik)
        t.loglik = NAN;
    *s = t;
}

void ristra__audit_fit_slope(double *a_out, double *b_out, const ristra__audit_runs *r)
{
    *a_out = NAN;
    *b_out = NAN;
    if (r->n == 0)
        return;
    /* Mixed outcomes and no separation (max x of one class <= min x of
     * the other), as ristra__calibration_separated() decides it. */
    double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
    int64_t events = 0;
    for (int64_t j = 0; j < r->n_runs; j++) {
        int64_t pos = r->pos[j], len = r->start[j + 1] - r->start[j];
        double x = r->x[j];
        events += pos;
        if (pos > 0) {
            lo[1] = x < lo[1] ? x : lo[1];
            hi[1] = x > hi[1] ? x : hi[1];
        }
        if (pos < len) {
            lo[0] = x < lo[0] ? x : lo[0];
            hi[0] = x > hi[0] ? x : hi[0];
        }
    }
    if (!(events > 0 && events < r->n) || hi[0] <= lo[1] || hi[1] <= lo[0])
        return;
    double sum = 0.0, x_lo = r->x[0], x_hi = r->x[0];
    for (int64_t q = r->start[0], j = -1; q < r->start[r->n_runs]; q++) {
        j += r->y[q] >> 1;
        sum += r->x[j];
    }
    for (int64_t j = 0; j < r->n_runs; j++) {
        x_lo = r->x[j] < x_lo ? r->x[j] : x_lo;
        x_hi = r->x[j] > x_hi ? r->x[j] : x_hi;
    }
    problem p = { r, sum / (double)r->n, 0.0 };
    p.reach = fmax(x_hi - p.shift, p.shift - x_lo);
    double a = p.shift, b = 1.0;
    /* From perfect calibration the first step is nearly always too long to
     * trust, so the line search will want the first point's log-likelihood:
     * summed in the first pass. */
    if (ristra__calibration_newton(&a, &b, accumulate, &p, p.reach, 1, 1) == 0) {
        *a_out = a - b * p.shift;
        *b_out = b;
    }
}

