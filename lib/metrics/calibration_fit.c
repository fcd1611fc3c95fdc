/* Logistic recalibration fits for the calibration intercept and slope: one
 * or two parameters, so Newton's method on closed-form 1x1 and 2x2 systems
 * (the general IRLS fitter would be overkill and allocate). */
#include <float.h>
#include <math.h>

#include "metrics_internal.h"

enum { MAX_ITERATIONS = 100, MAX_HALVINGS = 40 };
/* A step this small relative to its coefficient has converged:
 * Newton's error after it is of the order of its square. */
static const double STEP_TOLERANCE = 1e-10;
static const double RISK_CLAMP = 1e-15;

double ristra__logit_clamped(double p)
{
    if (p < RISK_CLAMP)
        p = RISK_CLAMP;
    else if (p > 1.0 - RISK_CLAMP)
        p = 1.0 - RISK_CLAMP;
    return log(p) - log1p(-p);
}

/* Log-likelihood, score and information of a + b (x - shift) (b = slope,
 * fixed or not) at one point: sums over patients. */
typedef struct fit_sums {
    double loglik;
    double g0, g1;          /* d loglik / d a, d loglik / d b */
    double h00, h01, h11;   /* information: sum w, sum w x, sum w x^2 */
} fit_sums;

static void accumulate(fit_sums *s, double a, double b, double shift, const double *x,
                       const uint8_t *y, int64_t n)
{
    fit_sums t = { 0 };
    for (int64_t i = 0; i < n; i++) {
        double xc = x[i] - shift;
        double eta = a + b * xc;
        double e = exp(-fabs(eta));               /* in (0, 1]: never overflows */
        double mu = eta >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        double resid = (double)y[i] - mu, w = mu * (1.0 - mu);
        t.loglik += (y[i] ? eta : 0.0) - (fmax(eta, 0.0) + log1p(e));
        t.g0 += resid;
        t.g1 += resid * xc;
        t.h00 += w;
        t.h01 += w * xc;
        t.h11 += w * xc * xc;
    }
    *s = t;
}

static int events_are_mixed(const uint8_t *y, int64_t n)
{
    int64_t events = 0;
    for (int64_t i = 0; i < n; i++)
        events += y[i] != 0;
    return events > 0 && events < n;
}

/* Newton's method with step halving on the concave log-likelihood, over a
 * (slope fixed at *b) or over (a, b), in a + b (x - shift). Returns 0 when
 * it converged. */
static int newton(double *a, double *b, int free_slope, double shift, const double *x,
                  const uint8_t *y, int64_t n)
{
    fit_sums s;
    accumulate(&s, *a, *b, shift, x, y, n);
    for (int it = 0; it < MAX_ITERATIONS; it++) {
        double da, db = 0.0;
        if (free_slope) {
            double det = s.h00 * s.h11 - s.h01 * s.h01;
            if (!(det > 64 * DBL_EPSILON * s.h00 * s.h11))
                return -1; /* x (nearly) constant, or weights underflowed: no slope */
            da = (s.h11 * s.g0 - s.h01 * s.g1) / det;
            db = (s.h00 * s.g1 - s.h01 * s.g0) / det;
        } else {
            if (!(s.h00 > 0.0))
                return -1;
            da = s.g0 / s.h00;
        }
        if (!isfinite(da) || !isfinite(db))
            return -1;
        if (fabs(da) <= STEP_TOLERANCE * (1.0 + fabs(*a))
            && fabs(db) <= STEP_TOLERANCE * (1.0 + fabs(*b))) {
            *a += da;
            *b += db;
            return 0;
        }
        /* Accept a step that does not lower the likelihood by more than
         * rounding; otherwise halve it (far from the optimum Newton can
         * overshoot). */
        double slack = 1e-12 * (fabs(s.loglik) + 1.0);
        fit_sums next;
        double t = 1.0;
        int h = 0;
        for (;; h++) {
            if (h == MAX_HALVINGS)
                return -1;
            accumulate(&next, *a + t * da, *b + t * db, shift, x, y, n);
            if (next.loglik >= s.loglik - slack)
                break;
            t *= 0.5;
        }
        *a += t * da;
        *b += t * db;
        s = next;
    }
    return -1; /* still moving: the outcomes are separated by risk */
}

void ristra__fit_calibration_intercept(double *a_out, const double *x, const uint8_t *y,
                                       int64_t n)
{
    double a = 0.0, b = 1.0;
    *a_out = NAN;
    if (events_are_mixed(y, n) && newton(&a, &b, 0, 0.0, x, y, n) == 0)
        *a_out = a;
}

void ristra__fit_calibration_slope(double *a_out, double *b_out, const double *x,
                                   const uint8_t *y, int64_t n)
{
    *a_out = NAN;
    *b_out = NAN;
    if (!events_are_mixed(y, n))
        return;
    /* Centring x keeps the 2x2 system well conditioned when the risks sit
     * far from 50%; the fit starts from perfect calibration (a = 0, b = 1). */
    double shift = 0.0;
    for (int64_t i = 0; i < n; i++)
        shift += x[i];
    shift /= (double)n;
    double a = shift, b = 1.0;
    if (newton(&a, &b, 1, shift, x, y, n) == 0) {
        *a_out = a - b * shift;
        *b_out = b;
    }
}
