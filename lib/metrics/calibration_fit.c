/* Logistic recalibration fits for the calibration intercept and slope: one
 * or two parameters, so Newton's method on closed-form 1x1 and 2x2 systems
 * (the general IRLS fitter would be overkill and allocate). */
#include <float.h>
#include <math.h>

#include "metrics_internal.h"

enum { MAX_ITERATIONS = 100, MAX_HALVINGS = 40 };
/* A step this small relative to its coefficient ends the fit once taken:
 * Newton's error after a step d is at most about R d^2, where R (the
 * spread of logit(risk), under 70 after clamping) bounds the change of the
 * weights, so what remains is below 1e-13. */
static const double STEP_TOLERANCE = 1e-8;
static const double RISK_CLAMP = 1e-15;

double ristra__logit_clamped(double p)
{
    if (p < RISK_CLAMP)
        p = RISK_CLAMP;
    else if (p > 1.0 - RISK_CLAMP)
        p = 1.0 - RISK_CLAMP;
    return log(p / (1.0 - p)); /* 1 - p is exact for p >= 1/2, where it matters */
}

/* The data and parametrisation of one fit: log-odds a + b (x - shift). */
typedef struct problem {
    const double *x;
    const uint8_t *y;
    int64_t n;
    double shift;
    double reach;      /* max |x - shift|: how far a change of b moves any log-odds */
    int free_slope;    /* 0: b stays fixed */
} problem;

/* Score, information and (when asked: it costs a log per patient) the
 * log-likelihood at one point: sums over patients. */
typedef ristra__fit_sums fit_sums;

static void accumulate(fit_sums *s, const void *problem_, double a, double b, int with_loglik)
{
    const problem *p = problem_;
    fit_sums t = { 0 };
    for (int64_t i = 0; i < p->n; i++) {
        double xc = p->x[i] - p->shift;
        double eta = a + b * xc;
        double e = exp(-fabs(eta));               /* in (0, 1]: never overflows */
        double mu = eta >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        double resid = (double)p->y[i] - mu, w = mu * (1.0 - mu);
        if (with_loglik)
            t.loglik += (p->y[i] ? eta : 0.0) - ((eta > 0.0 ? eta : 0.0) + log1p(e));
        t.g0 += resid;
        t.g1 += resid * xc;
        t.h00 += w;
        t.h01 += w * xc;
        t.h11 += w * xc * xc;
    }
    if (!with_loglik)
        t.loglik = NAN;
    *s = t;
}

static int events_are_mixed(const uint8_t *y, int64_t n)
{
    int64_t events = 0;
    for (int64_t i = 0; i < n; i++)
        events += y[i] != 0;
    return events > 0 && events < n;
}

/* The Newton step from the sums; -1 when the system is singular. */
static int newton_step(double *da, double *db, const fit_sums *s, int free_slope)
{
    *db = 0.0;
    if (free_slope) {
        double det = s->h00 * s->h11 - s->h01 * s->h01;
        if (!(det > 64 * DBL_EPSILON * s->h00 * s->h11))
            return -1; /* x (nearly) constant, or weights underflowed: no slope */
        *da = (s->h11 * s->g0 - s->h01 * s->g1) / det;
        *db = (s->h00 * s->g1 - s->h01 * s->g0) / det;
    } else {
        if (!(s->h00 > 0.0))
            return -1;
        *da = s->g0 / s->h00;
    }
    return isfinite(*da) && isfinite(*db) ? 0 : -1;
}

/* Newton's method on the concave log-likelihood. A step that moves no
 * patient's log-odds by more than MAX_TRUSTED_MOVE is taken whole: the
 * weights mu (1 - mu) change by at most a few percent over it, so the
 * quadratic model holds. A longer step (far from the optimum, where Newton
 * can overshoot) is halved until the likelihood does not fall by more
 * than rounding. Returns 0 when it converged. */
static const double MAX_TRUSTED_MOVE = 0.1;

int ristra__calibration_newton(double *a, double *b, ristra__fit_accumulate sums_at,
                               const void *p, double reach, int free_slope,
                               int first_with_loglik)
{
    fit_sums s;
    sums_at(&s, p, *a, *b, first_with_loglik);
    for (int it = 0; it < MAX_ITERATIONS; it++) {
        double da, db;
        if (newton_step(&da, &db, &s, free_slope))
            return -1;
        if (fabs(da) <= STEP_TOLERANCE * (1.0 + fabs(*a))
            && fabs(db) <= STEP_TOLERANCE * (1.0 + fabs(*b))) {
            *a += da;
            *b += db;
            return 0;
        }
        double t = 1.0;
        if (fabs(da) + fabs(db) * reach > MAX_TRUSTED_MOVE) {
            if (isnan(s.loglik))
                sums_at(&s, p, *a, *b, 1);
            double slack = 1e-12 * (fabs(s.loglik) + 1.0);
            for (int h = 0;; h++, t *= 0.5) {
                if (h == MAX_HALVINGS)
                    return -1;
                fit_sums next;
                sums_at(&next, p, *a + t * da, *b + t * db, 1);
                if (next.loglik >= s.loglik - slack) {
                    s = next;
                    break;
                }
            }
        } else {
            sums_at(&s, p, *a + da, *b + db, 0);
        }
        *a += t * da;
        *b += t * db;
    }
    return -1; /* still moving after MAX_ITERATIONS: give up rather than guess */
}

static int newton(double *a, double *b, const problem *p)
{
    return ristra__calibration_newton(a, b, accumulate, p, p->reach, p->free_slope, 0);
}

void ristra__fit_calibration_intercept(double *a_out, const double *x, const uint8_t *y,
                                       int64_t n)
{
    problem p = { x, y, n, 0.0, 0.0, 0 };
    double a = 0.0, b = 1.0;
    *a_out = NAN;
    if (events_are_mixed(y, n) && newton(&a, &b, &p) == 0)
        *a_out = a;
}

/* With one predictor and an intercept the maximum-likelihood fit is
 * finite exactly when no threshold on x splits the outcomes (max x among
 * non-events <= min x among events, or the reverse): separation, complete
 * or at a tie, sends the slope to infinity, so it is detected rather than
 * left to Newton's method to diverge on. */
int ristra__calibration_separated(const double *x, const uint8_t *y, int64_t n)
{
    double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
    for (int64_t i = 0; i < n; i++) {
        int k = y[i] != 0;
        lo[k] = x[i] < lo[k] ? x[i] : lo[k];
        hi[k] = x[i] > hi[k] ? x[i] : hi[k];
    }
    return hi[0] <= lo[1] || hi[1] <= lo[0];
}

void ristra__fit_calibration_slope(double *a_out, double *b_out, const double *x,
                                   const uint8_t *y, int64_t n)
{
    *a_out = NAN;
    *b_out = NAN;
    if (!events_are_mixed(y, n) || ristra__calibration_separated(x, y, n))
        return;
    /* Centring x keeps the 2x2 system well conditioned when the risks sit
     * far from 50%; the fit starts from perfect calibration (a = 0, b = 1). */
    double sum = 0.0, lo = x[0], hi = x[0];
    for (int64_t i = 0; i < n; i++) {
        sum += x[i];
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
    }
    problem p = { x, y, n, sum / (double)n, 0.0, 1 };
    p.reach = fmax(hi - p.shift, p.shift - lo);
    double a = p.shift, b = 1.0;
    if (newton(&a, &b, &p) == 0) {
        *a_out = a - b * p.shift;
        *b_out = b;
    }
}
