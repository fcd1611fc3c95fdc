/* The audit's per-group figures without a sort of its own: the
 * stratification has already ranked everyone (highest risk first), so the
 * patients with a known outcome are read off its ranks, with each block of
 * equal risks put back into input order (the order ristra_evaluate() and
 * the audit have always used: it decides the order of the sums in the
 * slope fit, and so its last bits). Each run of equal risk is numbered,
 * and its log-odds taken, once. Each grouping then only lays that order
 * out group by group (a stable counting sort, so every group's patients
 * stay in descending order of risk with ties in input order) and each
 * group's runs of equal risk give its O/E, calibration-in-the-large,
 * slope (audit_slope.c), AUROC with DeLong's interval and, for the area
 * and the practices, the calibration bins; the last two from each run's
 * counts, as ristra__delong_sorted() and ristra__calibration_bins() take
 * them from its tie blocks. Nothing the audit does not show is computed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../metrics/metrics_internal.h"
#include "audit_internal.h"

void ristra__known_free(ristra__known *k)
{
    free(k->patient), free(k->y), free(k->run), free(k->run_risk), free(k->run_x);
    free(k->g_run), free(k->g_y), free(k->r_x), free(k->r_start), free(k->r_pos);
    memset(k, 0, sizeof *k);
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Ascending: blocks of ties are mostly a few patients, rarely hundreds. */
static void sort_patients(uint32_t *p, int64_t n)
{
    if (n > 32) {
        qsort(p, (size_t)n, sizeof *p, compare_u32);
        return;
    }
    for (int64_t i = 1; i < n; i++) {
        uint32_t v = p[i];
        int64_t j = i;
        for (; j > 0 && p[j - 1] > v; j--)
            p[j] = p[j - 1];
        p[j] = v;
    }
}

int ristra__known_build(ristra__known *k, const ristra__scored *sc,
                        const ristra__stratification *st)
{
    memset(k, 0, sizeof *k);
    size_t cap = (size_t)(sc->n > 0 ? sc->n : 1);
    k->patient = malloc(cap * sizeof *k->patient);
    k->y = malloc(cap);
    k->run = malloc(cap * sizeof *k->run);
    k->run_risk = malloc(cap * sizeof *k->run_risk);
    k->run_x = malloc(cap * sizeof *k->run_x);
    /* one grouping at a time: its order and its groups' runs */
    k->g_run = malloc(cap * sizeof *k->g_run);
    k->g_y = malloc(cap);
    k->r_x = malloc(cap * sizeof *k->r_x);
    k->r_start = malloc((cap + 1) * sizeof *k->r_start);
    k->r_pos = malloc(cap * sizeof *k->r_pos);
    if (!k->patient || !k->y || !k->run || !k->run_risk || !k->run_x || !k->g_run || !k->g_y ||
        !k->r_x || !k->r_start || !k->r_pos) {
        ristra__known_free(k);
        return ristra__oom();
    }
    /* Everyone in rank order, in room the groupings use later: scattered
     * (writes do not wait for memory as gathered reads would). */
    uint32_t *by_rank = k->g_run;
    double *risk = k->r_x;
    for (int64_t at = 0; at < st->n; at++) {
        uint32_t r = st->overall_rank[at] - 1;
        by_rank[r] = st->order[at];
        risk[r] = ristra__stratified_risk(st, at);
    }
    const uint8_t *outcome = sc->outcome;
    int64_t m = 0, n_runs = 0;
    for (int64_t i = 0, j; i < sc->n; i = j) {
        double r = risk[i];
        int64_t first = m;
        for (j = i; j < sc->n && risk[j] == r; j++)
            if (outcome[by_rank[j]] != RISTRA__OUTCOME_UNKNOWN)
                k->patient[m++] = by_rank[j];
        if (m == first)
            continue;
        sort_patients(k->patient + first, m - first); /* ranked by NHS number: input order */
        for (int64_t q = first; q < m; q++) {
            k->y[q] = outcome[k->patient[q]];
            k->run[q] = (uint32_t)n_runs;
        }
        k->run_risk[n_runs] = r;
        k->run_x[n_runs++] = ristra__logit_clamped(r);
    }
    k->m = m;
    k->n_runs = n_runs;
    return RISTRA_OK;
}

/* AUROC and DeLong's variance from the runs' counts, operation for
 * operation as ristra__delong_sorted() from its tie blocks. */
static void delong_runs(ristra__delong *out, const ristra__audit_runs *r, int64_t n_pos)
{
    out->auroc = NAN;
    out->variance = NAN;
    int64_t n_neg = r->n - n_pos;
    if (n_pos == 0 || n_neg == 0)
        return;
    double sum_v10 = 0.0;
    int64_t neg_above = 0;
    for (int64_t j = 0; j < r->n_runs; j++) {
        int64_t pos = r->pos[j], neg = (int64_t)(r->start[j + 1] - r->start[j]) - pos;
        sum_v10 += (double)pos * ((double)(n_neg - neg_above) - 0.5 * (double)neg);
        neg_above += neg;
    }
    double theta = sum_v10 / ((double)n_pos * (double)n_neg);
    out->auroc = theta;
    if (n_pos < 2 || n_neg < 2)
        return;
    double ss10 = 0.0, ss01 = 0.0;
    int64_t pos_above = 0;
    neg_above = 0;
    for (int64_t j = 0; j < r->n_runs; j++) {
        int64_t pos = r->pos[j], neg = (int64_t)(r->start[j + 1] - r->start[j]) - pos;
        double v10 = ((double)(n_neg - neg_above) - 0.5 * (double)neg) / (double)n_neg - theta;
        double v01 = ((double)pos_above + 0.5 * (double)pos) / (double)n_pos - theta;
        ss10 += (double)pos * v10 * v10;
        ss01 += (double)neg * v01 * v01;
        pos_above += pos;
        neg_above += neg;
    }
    out->variance = ss10 / (double)(n_pos - 1) / (double)n_pos
                  + ss01 / (double)(n_neg - 1) / (double)n_neg;
}

/* Calibration bins from the runs, as ristra__calibration_bins() makes them
 * from its tie blocks (a run is never split; the sum of risks patient by
 * patient). */
static void bins_of_runs(ristra_calibration_bin *bins, int64_t n_bins, const ristra__audit_runs *r,
                         const ristra__known *k, double z)
{
    for (int64_t b = 0; b < n_bins; b++) {
        ristra_calibration_bin empty = RISTRA_CALIBRATION_BIN_INIT;
        bins[b] = empty;
    }
    const int64_t n = r->n, first = r->start[0];
    for (int64_t j = 0; j < r->n_runs; j++) {
        int64_t end = (int64_t)r->start[j + 1] - first, len = r->start[j + 1] - r->start[j];
        double risk = k->run_risk[k->g_run[r->start[j]]];
        ristra_calibration_bin *bin = &bins[n_bins * (n - end) / n];
        if (bin->n == 0)
            bin->max_risk = risk;
        bin->min_risk = risk;
        bin->n += len;
        bin->events += r->pos[j];
        for (int64_t i = 0; i < len; i++)
            bin->expected += risk;
    }
    ristra__calibration_bins_finish(bins, n_bins, z);
}

/* The figures of one group from its runs. */
static void fit_group(ristra__group_fit *f, const ristra__known *k, const ristra__audit_runs *r,
                      const double z[2])
{
    double sum_risk = 0.0;
    int64_t events = 0;
    for (int64_t q = r->start[0]; q < r->start[r->n_runs]; q++)
        sum_risk += k->run_risk[k->g_run[q]];
    for (int64_t j = 0; j < r->n_runs; j++)
        events += r->pos[j];
    int64_t n = r->n;
    f->n = n;
    f->events = events;
    f->oe = sum_risk > 0.0 ? (double)events / sum_risk : NAN;
    f->citl = n > 0 ? (double)events / (double)n - sum_risk / (double)n : NAN;
    ristra__delong d;
    delong_runs(&d, r, events);
    double sd = sqrt(d.variance);
    f->auroc = d.auroc;
    f->auroc_lower = isnan(d.variance) ? NAN : fmin(fmax(d.auroc + sd * z[0], 0.0), 1.0);
    f->auroc_upper = isnan(d.variance) ? NAN : fmin(fmax(d.auroc + sd * z[1], 0.0), 1.0);
    double intercept;
    ristra__audit_fit_slope(&intercept, &f->slope, r);
}

/* Lays the known patients out group by group (number NULL: one group of
 * everyone; counts[g].known: how many of group g have a known outcome) and
 * finds each group's runs:
 * group g is patients offset[g] .. offset[g + 1] - 1 of g_run and g_y,
 * and runs run_at[g] .. run_at[g + 1] - 1 of the r_ arrays. */
static int lay_out(ristra__known *k, int64_t *offset, int64_t *run_at, const uint32_t *number,
                   const ristra__group_counts *counts, int64_t n_groups)
{
    const int64_t m = k->m;
    offset[0] = 0;
    for (int64_t g = 0; g < n_groups; g++)
        offset[g + 1] = offset[g] + counts[g].known;
    if (offset[n_groups] != m)
        return ristra__error(RISTRA_ERROR, "ristra_score_file: the audit's groups hold %lld "
                             "known outcomes of %lld", (long long)offset[n_groups], (long long)m);
    if (!number) {
        memcpy(k->g_run, k->run, (size_t)m * sizeof *k->run);
        memcpy(k->g_y, k->y, (size_t)m);
    } else {
        memcpy(run_at, offset, (size_t)n_groups * sizeof *offset); /* as the write positions */
        for (int64_t q = 0; q < m; q++) {
            int64_t at = run_at[number[k->patient[q]]]++;
            k->g_run[at] = k->run[q];
            k->g_y[at] = k->y[q];
        }
    }
    int64_t n_runs = 0;
    for (int64_t g = 0; g < n_groups; g++) {
        run_at[g] = n_runs;
        for (int64_t q = offset[g]; q < offset[g + 1]; q++) {
            uint32_t id = k->g_run[q];
            if (q == offset[g] || id != k->g_run[q - 1]) {
                k->r_start[n_runs] = (uint32_t)q;
                k->r_x[n_runs] = k->run_x[id];
                k->r_pos[n_runs++] = 0;
                k->g_y[q] |= 2;
            }
            k->r_pos[n_runs - 1] += k->g_y[q] & 1;
        }
    }
    run_at[n_groups] = n_runs;
    k->r_start[n_runs] = (uint32_t)m;
    return RISTRA_OK;
}

int ristra__fit_groups(ristra__group_fit *fit, ristra_calibration_bin *bins, int64_t n_bins,
                       ristra__known *k, const uint32_t *number,
                       const ristra__group_counts *counts, int64_t n_groups,
                       double confidence_level)
{
    double alpha = 1.0 - confidence_level;
    double z[2] = { ristra__normal_quantile(alpha / 2.0),
                    ristra__normal_quantile(1.0 - alpha / 2.0) };
    double z_wilson = ristra__normal_quantile((1.0 + confidence_level) / 2.0);
    int64_t *offset = malloc(((size_t)n_groups + 1) * sizeof *offset);
    int64_t *run_at = malloc(((size_t)n_groups + 1) * sizeof *run_at);
    if (!offset || !run_at) {
        free(offset), free(run_at);
        return ristra__oom();
    }
    int rc = lay_out(k, offset, run_at, number, counts, n_groups);
    for (int64_t g = 0; g < n_groups && !rc; g++) {
        int64_t r0 = run_at[g];
        ristra__audit_runs r = { offset[g + 1] - offset[g], run_at[g + 1] - r0, k->r_x + r0,
                                 k->r_start + r0, k->r_pos + r0, k->g_y };
        fit_group(&fit[g], k, &r, z);
        if (bins && r.n > 0)
            bins_of_runs(bins + g * n_bins, n_bins, &r, k, z_wilson);
    }
    free(offset), free(run_at);
    return rc;
}
