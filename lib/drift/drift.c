/* The figures of a drift comparison: PSI over baseline-quantile bins,
 * missingness, list and tier sizes per practice, and the change in
 * discrimination and calibration (ristra_evaluate() on each side). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../common/parallel_internal.h"
#include "../metrics/metrics_internal.h"
#include "drift_internal.h"

/* The share that stands in for an empty bin on one side (the usual PSI convention). */
#define EMPTY_SHARE 1e-4


int ristra_drift_options_init(ristra_drift_options *opts, int version)
{
    static const ristra_drift_options defaults = RISTRA_DRIFT_OPTIONS_INIT;
    return ristra__struct_init(opts, version, &defaults, &ristra__info_drift_options,
                               "ristra_drift_options_init");
}

static int check(const ristra_drift_options *o, const char *baseline, const char *current)
{
    static const char fn[] = "ristra_drift_compute";
    if (!baseline || !current)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn,
                             baseline ? "current" : "baseline");
    if (o->version < 1 || o->version > RISTRA_DRIFT_OPTIONS_VERSION)
        return ristra__error(RISTRA_EINVAL, "%s: opts->version is %d", fn, o->version);
    if (o->n_bins < 1 || o->n_bins > 100)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_bins is %d (expected 1 to 100)", fn,
                             o->n_bins);
    if (!(o->psi_moderate > 0 && o->psi_major >= o->psi_moderate))
        return ristra__error(RISTRA_EINVAL, "%s: opts->psi_moderate and psi_major must be "
                             "positive and increasing", fn);
    if (!(o->confidence_level > 0 && o->confidence_level < 1) || !(o->missing_change > 0))
        return ristra__error(RISTRA_EINVAL, "%s: opts->confidence_level must lie in (0, 1) "
                             "and missing_change be positive", fn);
    return ristra__check_threads(o->n_threads, fn);
}

/* ------------------------------------------------------------ rows */

static int add_row(ristra_drift *d, const char *measure, const char *subject, double baseline,
                   double current, double lower, double upper, int flag)
{
    if (d->n_rows == d->cap) {
        int64_t cap = d->cap ? 2 * d->cap : 64;
        ristra_drift_row *r = realloc(d->rows, (size_t)cap * sizeof *r);
        char **s = realloc(d->strings, (size_t)cap * sizeof *s);
        if (r)
            d->rows = r;
        if (s)
            d->strings = s;
        if (!r || !s)
            return ristra__oom();
        d->cap = cap;
    }
    char *copy = strdup(subject);
    if (!copy)
        return ristra__oom();
    d->strings[d->n_strings++] = copy;
    ristra_drift_row row = RISTRA_DRIFT_ROW_INIT;
    row.measure = measure;
    row.subject = copy;
    row.baseline = baseline;
    row.current = current;
    row.change = current - baseline;
    row.lower = lower;
    row.upper = upper;
    row.flag = flag;
    d->rows[d->n_rows++] = row;
    return RISTRA_OK;
}

/* ------------------------------------------------------------ PSI */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Bin edges: the distinct baseline values at sorted positions
 * floor(k * m / B), k = 1 .. B - 1, of the m non-missing values. */
static int64_t edges_of(double *edges, double *sorted, int64_t m, int n_bins)
{
    qsort(sorted, (size_t)m, sizeof *sorted, compare_double);
    int64_t n = 0;
    for (int k = 1; k < n_bins && m > 0; k++) {
        double e = sorted[(int64_t)((double)k * (double)m / n_bins)];
        if (n == 0 || e > edges[n - 1])
            edges[n++] = e;
    }
    return n;
}

/* Bin of x: the number of edges strictly below it; missing after them all. */
static int64_t bin_of(double x, const double *edges, int64_t n_edges)
{
    if (isnan(x))
        return n_edges + 1;
    int64_t lo = 0, hi = n_edges;
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (edges[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct column {
    const double *x;
    int64_t n, stride;
} column;

static void count_bins(int64_t *counts, column c, const double *edges, int64_t n_edges)
{
    for (int64_t i = 0; i < c.n; i++)
        counts[bin_of(c.x[i * c.stride], edges, n_edges)]++;
}

/* PSI = sum over bins of (c - b) ln(c / b), shares of all rows (missing is
 * a bin of its own); an empty share on one side counts as EMPTY_SHARE. */
static int psi(double *out, column base, column cur, int n_bins)
{
    double *sorted = malloc((size_t)(base.n > 0 ? base.n : 1) * sizeof *sorted);
    int64_t *cb = calloc((size_t)n_bins + 2, sizeof *cb), *cc = calloc((size_t)n_bins + 2,
                                                                        sizeof *cc);
    double edges[100];
    int rc = sorted && cb && cc ? RISTRA_OK : ristra__oom();
    if (!rc) {
        int64_t m = 0;
        for (int64_t i = 0; i < base.n; i++)
            if (!isnan(base.x[i * base.stride]))
                sorted[m++] = base.x[i * base.stride];
        int64_t n_edges = edges_of(edges, sorted, m, n_bins);
        count_bins(cb, base, edges, n_edges);
        count_bins(cc, cur, edges, n_edges);
        double sum = 0.0;
        for (int64_t k = 0; k <= n_edges + 1; k++) {
            if (!cb[k] && !cc[k])
                continue;
            double b = cb[k] ? (double)cb[k] / (double)base.n : EMPTY_SHARE;
            double c = cc[k] ? (double)cc[k] / (double)cur.n : EMPTY_SHARE;
            sum += (c - b) * log(c / b);
        }
        *out = sum;
    }
    free(sorted), free(cb), free(cc);
    return rc;
}

static int psi_flag(double v, const ristra_drift_options *o)
{
    return v >= o->psi_major ? RISTRA_DRIFT_MAJOR
           : v >= o->psi_moderate ? RISTRA_DRIFT_MODERATE
                                  : RISTRA_DRIFT_NONE;
}

static double missing_share(column c)
{
    int64_t k = 0;
    for (int64_t i = 0; i < c.n; i++)
        k += isnan(c.x[i * c.stride]);
    return (double)k / (double)c.n;
}

static int compare_distributions(ristra_drift *d, const ristra__drift_side *b,
                                 const ristra__drift_side *c, const ristra_model *model,
                                 const ristra_drift_options *o)
{
    double v;
    int rc = psi(&v, (column){ b->risk, b->n, 1 }, (column){ c->risk, c->n, 1 }, o->n_bins);
    if (!rc)
        rc = add_row(d, "psi", "risk", NAN, v, NAN, NAN, psi_flag(v, o));
    for (int64_t j = 0; model && j < b->n_cols && !rc; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        if ((rc = ristra_model_feature(&f, model, j)))
            break;
        column cb = { b->values + j, b->n, b->n_cols }, cc = { c->values + j, c->n, c->n_cols };
        rc = psi(&v, cb, cc, o->n_bins);
        if (!rc)
            rc = add_row(d, "psi", f.name, NAN, v, NAN, NAN, psi_flag(v, o));
        double mb = missing_share(cb), mc = missing_share(cc);
        if (!rc)
            rc = add_row(d, "missing_share", f.name, mb, mc, NAN, NAN,
                         fabs(mc - mb) >= o->missing_change ? RISTRA_DRIFT_CHANGED : 0);
    }
    return rc;
}

/* ------------------------------------------------------------ practices */

typedef struct practice_tally {
    const char *code;
    int64_t n[2];
    double risk[2];
} practice_tally;

static int by_code(const void *a, const void *b)
{
    return strcmp(((const practice_tally *)a)->code, ((const practice_tally *)b)->code);
}

/* Every practice of either side, in code order, with its list and risk sums. */
static int tally_practices(practice_tally **out, int64_t *n_out, const ristra__drift_side *s[2])
{
    int64_t n = s[0]->n_codes + s[1]->n_codes, m = 0;
    practice_tally *t = calloc((size_t)(n > 0 ? n : 1), sizeof *t);
    int32_t *at[2] = { malloc((size_t)(s[0]->n_codes + 1) * sizeof(int32_t)),
                       malloc((size_t)(s[1]->n_codes + 1) * sizeof(int32_t)) };
    int rc = t && at[0] && at[1] ? RISTRA_OK : ristra__oom();
    for (int side = 0; side < 2 && !rc; side++)
        for (int32_t p = 0; p < s[side]->n_codes; p++)
            t[m++].code = s[side]->codes[p];
    if (!rc) {
        qsort(t, (size_t)m, sizeof *t, by_code);
        int64_t u = 0;
        for (int64_t i = 0; i < m; i++)
            if (u == 0 || strcmp(t[u - 1].code, t[i].code))
                t[u++] = t[i];
        m = u;
        for (int side = 0; side < 2; side++) {
            for (int32_t p = 0; p < s[side]->n_codes; p++) {
                practice_tally key = { s[side]->codes[p], { 0, 0 }, { 0, 0 } };
                at[side][p] = (int32_t)((practice_tally *)bsearch(&key, t, (size_t)m,
                                                                  sizeof *t, by_code) - t);
            }
            for (int64_t i = 0; i < s[side]->n; i++) {
                practice_tally *pt = &t[at[side][s[side]->practice[i]]];
                pt->n[side]++;
                pt->risk[side] += s[side]->risk[i];
            }
        }
    }
    free(at[0]), free(at[1]);
    if (rc)
        free(t);
    else
        *out = t, *n_out = m;
    return rc;
}

static int compare_practices(ristra_drift *d, const ristra__drift_side *b,
                             const ristra__drift_side *c)
{
    const ristra__drift_side *sides[2] = { b, c };
    practice_tally *t = NULL;
    int64_t n = 0;
    int rc = tally_practices(&t, &n, sides);
    if (!rc)
        rc = add_row(d, "list_size", "area", (double)b->n, (double)c->n, NAN, NAN, 0);
    for (int64_t i = 0; i < n && !rc; i++) {
        double n0 = (double)t[i].n[0], n1 = (double)t[i].n[1];
        rc = add_row(d, "list_size", t[i].code, n0, n1, NAN, NAN, 0);
        if (!rc)
            rc = add_row(d, "mean_risk", t[i].code, n0 ? t[i].risk[0] / n0 : NAN,
                         n1 ? t[i].risk[1] / n1 : NAN, NAN, NAN, 0);
        int64_t prev[2] = { 0, 0 };
        const double *cuts;
        int64_t n_tiers = ristra_default_tiers(&cuts);
        for (int64_t k = 0; k < n_tiers && !rc; k++) {
            int64_t e0 = ristra__cut_count(cuts[k], t[i].n[0]);
            int64_t e1 = ristra__cut_count(cuts[k], t[i].n[1]);
            char name[64], subject[128];
            ristra__tier_default_name(name, sizeof name, cuts[k]);
            snprintf(subject, sizeof subject, "%s %s", t[i].code, name);
            rc = add_row(d, "tier_size", subject, (double)(e0 - prev[0]),
                         (double)(e1 - prev[1]), NAN, NAN, 0);
            prev[0] = e0, prev[1] = e1;
        }
    }
    free(t);
    return rc;
}

/* ------------------------------------------------------------ outcomes */

static int evaluate_side(ristra_group_summary *out, const ristra__drift_side *s, double level)
{
    double *risk = malloc((size_t)s->n * sizeof *risk);
    uint8_t *y = malloc((size_t)s->n);
    int rc = risk && y ? RISTRA_OK : ristra__oom();
    int64_t m = 0;
    for (int64_t i = 0; i < s->n && !rc; i++)
        if (s->outcome[i] != 2)
            risk[m] = s->risk[i], y[m++] = s->outcome[i];
    ristra_evaluation *e = NULL;
    ristra_evaluate_options eo = RISTRA_EVALUATE_OPTIONS_INIT;
    eo.n_cut_points = 0;
    eo.confidence_level = level;
    if (!rc && m == 0)
        rc = ristra__error(RISTRA_EINVAL, "ristra_drift_compute: %s has no known outcome",
                           s->path);
    if (!rc)
        rc = ristra_evaluate(&e, risk, y, m, NULL, &eo);
    if (!rc)
        rc = ristra_evaluation_summary(out, e, RISTRA_EVALUATION_OVERALL);
    ristra_evaluation_free(e);
    free(risk), free(y);
    return rc;
}

static int compare_outcomes(ristra_drift *d, const ristra__drift_side *b,
                            const ristra__drift_side *c, const ristra_drift_options *o)
{
    ristra_group_summary sb = RISTRA_GROUP_SUMMARY_INIT, sc = RISTRA_GROUP_SUMMARY_INIT;
    int rc = evaluate_side(&sb, b, o->confidence_level);
    if (!rc)
        rc = evaluate_side(&sc, c, o->confidence_level);
    if (rc)
        return rc;
    /* Independent samples: the variance of the difference is the sum. */
    double z = ristra__normal_quantile((1.0 + o->confidence_level) / 2.0);
    double half = z * sqrt(sb.auroc_variance + sc.auroc_variance), diff = sc.auroc - sb.auroc;
    int changed = diff - half > 0 || diff + half < 0;
    rc = add_row(d, "auroc", "area", sb.auroc, sc.auroc, diff - half, diff + half,
                 changed ? RISTRA_DRIFT_CHANGED : 0);
    if (!rc)
        rc = add_row(d, "calibration_in_the_large", "area", sb.calibration_in_the_large,
                     sc.calibration_in_the_large, NAN, NAN, 0);
    if (!rc)
        rc = add_row(d, "calibration_slope", "area", sb.calibration_slope,
                     sc.calibration_slope, NAN, NAN, 0);
    return rc;
}

/* ------------------------------------------------------------ API */

void ristra_drift_free(ristra_drift *d)
{
    if (!d)
        return;
    for (int64_t i = 0; i < d->n_strings; i++)
        free(d->strings[i]);
    free(d->strings), free(d->rows), free(d->baseline_path), free(d->current_path);
    free(d);
}

int ristra_drift_compute(ristra_drift **out, const ristra_model *model, const char *baseline,
                         const char *current, const ristra_drift_options *opts)
{
    if (!out)
        return ristra__error(RISTRA_EINVAL, "ristra_drift_compute: out is NULL");
    *out = NULL;
    ristra_drift_options defaults = RISTRA_DRIFT_OPTIONS_INIT;
    const ristra_drift_options *o = opts ? opts : &defaults;
    int rc = check(o, baseline, current);
    if (rc)
        return rc;
    ristra__drift_side b, c;
    memset(&c, 0, sizeof c);
    rc = ristra__drift_read(&b, baseline, model, o);
    if (!rc)
        rc = ristra__drift_read(&c, current, model, o);
    ristra_drift *d = rc ? NULL : calloc(1, sizeof *d);
    if (!rc && !d)
        rc = ristra__oom();
    if (!rc) {
        d->baseline_path = strdup(baseline);
        d->current_path = strdup(current);
        d->n_baseline = b.n, d->n_current = c.n;
        d->has_outcome = b.outcome && c.outcome;
        rc = d->baseline_path && d->current_path ? RISTRA_OK : ristra__oom();
    }
    if (!rc)
        rc = compare_distributions(d, &b, &c, model, o);
    if (!rc)
        rc = compare_practices(d, &b, &c);
    if (!rc && d->has_outcome)
        rc = compare_outcomes(d, &b, &c, o);
    ristra__drift_side_free(&b);
    ristra__drift_side_free(&c);
    if (rc) {
        ristra_drift_free(d);
        return rc;
    }
    *out = d;
    return RISTRA_OK;
}

int64_t ristra_drift_n_rows(const ristra_drift *d)
{
    return d ? d->n_rows : -1;
}

int ristra_drift_row_get(ristra_drift_row *out, const ristra_drift *d, int64_t i)
{
    if (!out || !d || out->version < 1 || out->version > RISTRA_DRIFT_ROW_VERSION ||
        i < 0 || i >= d->n_rows)
        return ristra__error(RISTRA_EINVAL, "ristra_drift_row_get: %s",
                             !out || !d ? "NULL argument"
                             : i < 0 || i >= d->n_rows ? "index out of range"
                                                       : "unknown out->version");
    *out = d->rows[i];
    return RISTRA_OK;
}

int64_t ristra_drift_n_flagged(const ristra_drift *d)
{
    if (!d)
        return -1;
    int64_t k = 0;
    for (int64_t i = 0; i < d->n_rows; i++)
        k += d->rows[i].flag != RISTRA_DRIFT_NONE;
    return k;
}
