/* Discrimination and calibration metrics on arrays of risks and outcomes. */
#ifndef RISTRA_METRICS_INTERNAL_H
#define RISTRA_METRICS_INTERNAL_H

#include <stdint.h>
#include <string.h>

/* Radix keys for ranking by risk (risk_order.c, stratify.c): an unsigned
 * key that orders like the double, highest first. Adding 0.0 turns -0.0
 * into 0.0 so that the two tie. ristra__key_value() inverts it. */
static inline uint64_t ristra__descending_key(double x)
{
    const uint64_t sign = UINT64_C(0x8000000000000000);
    uint64_t u;
    x += 0.0;
    memcpy(&u, &x, sizeof u);
    return ~((u & sign) ? ~u : (u | sign));
}

static inline double ristra__key_value(uint64_t key)
{
    const uint64_t sign = UINT64_C(0x8000000000000000);
    uint64_t a = ~key, u = (a & sign) ? (a & ~sign) : ~a;
    double x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* Byte digits: eight passes over 64-bit keys with 256 counters each, which
 * stay in L1 (measured faster than 11- or 16-bit digits on 1M risks). */
enum { RISTRA__DIGIT_BITS = 8, RISTRA__N_DIGITS = 64 / 8, RISTRA__RADIX = 1 << 8 };

static inline unsigned ristra__radix_digit(uint64_t key, int d)
{
    return (unsigned)(key >> (d * RISTRA__DIGIT_BITS)) & (RISTRA__RADIX - 1);
}

/* One pass of an LSD radix sort on digit d of n keys, first_key the first:
 * turns the digit's counts into each value's first position and returns
 * 1, or returns 0 when every key has the same digit (the pass would move
 * nothing). The one rule of both radix sorts (risk_order.c, stratify.c). */
static inline int ristra__radix_offsets(int64_t count[RISTRA__RADIX], uint64_t first_key, int d,
                                        int64_t n)
{
    if (n == 0 || count[ristra__radix_digit(first_key, d)] == n)
        return 0;
    int64_t start = 0;
    for (int b = 0; b < RISTRA__RADIX; b++) {
        int64_t c = count[b];
        count[b] = start;
        start += c;
    }
    return 1;
}

/* The area under the ROC curve of scores against 0/1 outcomes: the
 * probability that a random positive scores above a random negative, ties
 * counting one half (the Mann-Whitney statistic), exact, in O(n log n).
 * Scores must be finite. NaN when there are no positives or no negatives
 * (or when memory runs out). */
double ristra__auroc(const double *score, const uint8_t *outcome, int64_t n);

/* Sorts score[0..n) highest first into score_out, permuting payload[0..n)
 * along with it; equal scores keep their input order (a stable LSD radix
 * sort: O(n)). Scores must be finite; -0.0 ties with 0.0 and comes back
 * as 0.0. Returns 0 or RISTRA_ENOMEM. */
int ristra__sort_descending(double *score_out, uint64_t *payload, const double *score,
                            int64_t n);

/* How many patients of n a tier cut-point c in (0, 1] takes: ceil(c * n),
 * where anything within a relative 1e-12 above a whole number counts as
 * that number, so that 0.07 of 100 patients is 7, not the 8 that the
 * double 0.07 * 100 = 7.000000000000001 would give; at most n. */
int64_t ristra__cut_count(double fraction, int64_t n);

/* A calibration fit's score, information and (when asked: it costs a log
 * per patient) log-likelihood at one point (a, b): sums over patients. */
typedef struct ristra__fit_sums {
    double loglik;          /* NaN when not computed */
    double g0, g1;          /* d loglik / d a, d loglik / d b */
    double h00, h01, h11;   /* information: sum w, sum w x, sum w x^2 */
} ristra__fit_sums;

/* Fills *s at (a, b) for the fit described by problem. */
typedef void (*ristra__fit_accumulate)(ristra__fit_sums *s, const void *problem, double a,
                                       double b, int with_loglik);

/* The one Newton method of every calibration fit (calibration_fit.c, and
 * the audit's slope over runs of equal risk): its step, stopping rule,
 * trusted move and halving line search, from (*a, *b), b held fixed when
 * !free_slope. reach: how far a change of b can move any log-odds (max
 * |x - shift|). first_with_loglik: sum the log-likelihood at the start too.
 * Returns 0 when it converged (*a, *b the fit), -1 otherwise. */
int ristra__calibration_newton(double *a, double *b, ristra__fit_accumulate sums_at,
                               const void *problem, double reach, int free_slope,
                               int first_with_loglik);

/* A tier's name when the caller gives none: "top 0.5%" for 0.005. */
void ristra__tier_default_name(char *buf, size_t size, double cut);

/* Numbers the distinct values of label[0..n) 0, 1, ... in ascending order:
 * *labels_out (free()) receives the *n_labels_out distinct labels and
 * number_out[i] the number of label[i]. Returns 0 or RISTRA_ENOMEM. */
int ristra__number_labels(int32_t **labels_out, int64_t *n_labels_out, uint64_t *number_out,
                          const int32_t *label, int64_t n);

/* The AUROC and DeLong's variance of it, from scores already sorted
 * highest first (outcome[i] belongs to score[i]). Placement values come
 * from midranks, one block of tied scores at a time (Sun & Xu 2014), so
 * ties are exact and the cost is O(n). auroc is NaN without both
 * outcomes; variance is NaN with fewer than two of either. */
typedef struct ristra__delong {
    double auroc;
    double variance;
} ristra__delong;
void ristra__delong_sorted(ristra__delong *out, const double *score_desc,
                           const uint8_t *outcome, int64_t n);

/* scikit-learn's average precision (step-wise, ties forming one step) from
 * scores sorted highest first. NaN without positives. */
double ristra__average_precision_sorted(const double *score_desc, const uint8_t *outcome,
                                        int64_t n);

/* Calibration bins of a run sorted highest risk first, as
 * ristra_evaluation_bin() describes them (ties kept in one bin), with
 * Wilson intervals at the normal quantile z. */
struct ristra_calibration_bin;
void ristra__calibration_bins(struct ristra_calibration_bin *bins, int64_t n_bins,
                              const double *risk, const uint8_t *outcome, int64_t n, double z);
/* The figures of bins whose n, events, expected, min and max risk are
 * counted: mean risk, observed rate, O/E and the Wilson interval (NaN for
 * an empty bin). The one rule of both bin counters (evaluate.c, and the
 * audit's over runs of equal risk). */
void ristra__calibration_bins_finish(struct ristra_calibration_bin *bins, int64_t n_bins,
                                     double z);

/* The standard normal quantile function (Wichura's AS 241, as R's qnorm):
 * p in (0, 1). */
double ristra__normal_quantile(double p);

/* Wilson's score interval of events / n at the normal quantile z, in the
 * form R's prop.test(correct = FALSE) uses; NaN when n is 0. */
void ristra__wilson(double *lower, double *upper, int64_t events, int64_t n, double z);

/* log(p / (1 - p)) with p clamped to [1e-15, 1 - 1e-15]. */
double ristra__logit_clamped(double p);

/* Maximum-likelihood logistic recalibration on x = logit(risk):
 * intercept a in logit P(y) = a + x (slope fixed at 1), and a, b in
 * logit P(y) = a + b x. Newton's method with step halving. Each writes NaN
 * when the fit does not exist (no events, no non-events; for the slope
 * also constant x or outcomes separated by x) or does not converge. */
void ristra__fit_calibration_intercept(double *a_out, const double *x, const uint8_t *y,
                                       int64_t n);
void ristra__fit_calibration_slope(double *a_out, double *b_out, const double *x,
                                   const uint8_t *y, int64_t n);

/* 1 when no finite slope fit exists because a threshold on x splits the
 * outcomes (max x among non-events <= min x among events, or the reverse;
 * this includes all x equal), else 0. */
int ristra__calibration_separated(const double *x, const uint8_t *y, int64_t n);

#endif
