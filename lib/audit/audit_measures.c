/* The audit's per-group figures in one sort: the patients with a known
 * outcome are sorted by risk once (and their log-odds taken once); each
 * grouping then only lays that order out group by group (a stable counting
 * sort, so every group's run is in descending order of risk with ties in
 * input order, as ristra_evaluate() orders it) and each group's run gives
 * its O/E, calibration-in-the-large, slope, AUROC with DeLong's interval
 * and, for the area and the practices, the calibration bins. Nothing the
 * audit does not show is computed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../metrics/metrics_internal.h"
#include "audit_internal.h"

void ristra__known_free(ristra__known *k)
{
    free(k->risk), free(k->logit), free(k->outcome), free(k->patient), free(k->group);
    free(k->g_risk), free(k->g_logit), free(k->g_outcome);
    free(k->r_x), free(k->r_e), free(k->r_len);
    memset(k, 0, sizeof *k);
}

/* The group of every known patient in every grouping, in sorted order:
 * the groupings' numbers are first laid out row by row (patient by
 * patient), so that the sorted order reads one row per patient instead of
 * one scattered value per grouping. */
static int sorted_groups(ristra__known *k, int64_t n_scored, const uint64_t *const *numbers,
                         int n_groupings)
{
    if (n_groupings == 0)
        return RISTRA_OK;
    size_t g_count = (size_t)n_groupings;
    uint32_t *rows = malloc((size_t)(n_scored > 0 ? n_scored : 1) * g_count * sizeof *rows);
    k->group = malloc((size_t)(k->n > 0 ? k->n : 1) * g_count * sizeof *k->group);
    if (!rows || !k->group) {
        free(rows);
        return ristra__oom();
    }
    for (int64_t i = 0; i < n_scored; i++)
        for (size_t g = 0; g < g_count; g++)
            rows[(size_t)i * g_count + g] = (uint32_t)numbers[g][i];
    for (int64_t p = 0; p < k->n; p++) {
        const uint32_t *row = rows + (size_t)k->patient[p] * g_count;
        for (size_t g = 0; g < g_count; g++)
            k->group[g * (size_t)k->n + (size_t)p] = row[g];
    }
    free(rows);
    return RISTRA_OK;
}

int ristra__known_build(ristra__known *k, const ristra__scored *sc,
                        const uint64_t *const *numbers, int n_groupings)
{
    memset(k, 0, sizeof *k);
    size_t cap = (size_t)(sc->n > 0 ? sc->n : 1);
    double *risk = malloc(cap * sizeof *risk);
    k->risk = malloc(cap * sizeof *k->risk);
    k->logit = malloc(cap * sizeof *k->logit);
    k->outcome = malloc(cap);
    k->patient = malloc(cap * sizeof *k->patient);
    k->g_risk = malloc(cap * sizeof *k->g_risk);
    k->g_logit = malloc(cap * sizeof *k->g_logit);
    k->g_outcome = malloc(cap);
    k->r_x = malloc(cap * sizeof *k->r_x);
    k->r_e = malloc(cap * sizeof *k->r_e);
    k->r_len = malloc(cap * sizeof *k->r_len);
    int rc = risk && k->risk && k->logit && k->outcome && k->patient && k->g_risk &&
                     k->g_logit && k->g_outcome && k->r_x && k->r_e && k->r_len
                 ? RISTRA_OK : ristra__oom();
    /* the outcome travels in the payload's low bit: no second lookup */
    for (int64_t i = 0; !rc && i < sc->n; i++)
        if (sc->outcome[i] != RISTRA__OUTCOME_UNKNOWN) {
            risk[k->n] = sc->risk[i];
            k->patient[k->n++] = (uint64_t)i << 1 | sc->outcome[i];
        }
    if (!rc)
        rc = ristra__sort_descending(k->risk, k->patient, risk, k->n);
    for (int64_t p = 0; !rc && p < k->n; p++) {
        k->outcome[p] = (uint8_t)(k->patient[p] & 1);
        k->patient[p] >>= 1;
        k->logit[p] = ristra__logit_clamped(k->risk[p]);
    }
    free(risk);
    if (!rc)
        rc = sorted_groups(k, sc->n, numbers, n_groupings);
    if (rc)
        ristra__known_free(k);
    return rc;
}

/* The figures of one run (sorted highest risk first). */
static void fit_run(ristra__group_fit *f, const ristra__known *k, const double *risk,
                    const double *logit, const uint8_t *outcome, int64_t n, const double z[2])
{
    double sum_risk = 0.0;
    int64_t events = 0;
    for (int64_t i = 0; i < n; i++) {
        sum_risk += risk[i];
        events += outcome[i];
    }
    f->n = n;
    f->events = events;
    f->oe = sum_risk > 0.0 ? (double)events / sum_risk : NAN;
    f->citl = n > 0 ? (double)events / (double)n - sum_risk / (double)n : NAN;
    ristra__delong d;
    ristra__delong_sorted(&d, risk, outcome, n);
    double sd = sqrt(d.variance);
    f->auroc = d.auroc;
    f->auroc_lower = isnan(d.variance) ? NAN : fmin(fmax(d.auroc + sd * z[0], 0.0), 1.0);
    f->auroc_upper = isnan(d.variance) ? NAN : fmin(fmax(d.auroc + sd * z[1], 0.0), 1.0);
    ristra__audit_runs runs = { n, 0, k->r_x, k->r_len, outcome, k->r_e };
    for (int64_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && risk[j] == risk[i]; j++)
            ;
        k->r_x[runs.n_runs] = logit[i];
        k->r_len[runs.n_runs++] = (uint32_t)(j - i);
    }
    double intercept;
    ristra__audit_fit_slope(&intercept, &f->slope, &runs);
}

int ristra__fit_groups(ristra__group_fit *fit, ristra_calibration_bin *bins, int64_t n_bins,
                       const ristra__known *k, int grouping, int64_t n_groups,
                       double confidence_level)
{
    double alpha = 1.0 - confidence_level;
    double z[2] = { ristra__normal_quantile(alpha / 2.0),
                    ristra__normal_quantile(1.0 - alpha / 2.0) };
    double z_wilson = ristra__normal_quantile((1.0 + confidence_level) / 2.0);
    const double *risk = k->risk, *logit = k->logit;
    const uint8_t *outcome = k->outcome;
    int64_t *offset = calloc((size_t)n_groups + 1, sizeof *offset);
    if (!offset)
        return ristra__oom();
    const uint32_t *number = grouping >= 0 ? k->group + (size_t)grouping * (size_t)k->n : NULL;
    if (!number) {
        offset[1] = k->n;
    } else {
        for (int64_t p = 0; p < k->n; p++)
            offset[number[p] + 1]++;
        for (int64_t g = 0; g < n_groups; g++)
            offset[g + 1] += offset[g];
        int64_t *at = malloc(((size_t)n_groups + 1) * sizeof *at);
        if (!at) {
            free(offset);
            return ristra__oom();
        }
        memcpy(at, offset, ((size_t)n_groups + 1) * sizeof *at);
        for (int64_t p = 0; p < k->n; p++) {
            int64_t q = at[number[p]]++;
            k->g_risk[q] = risk[p], k->g_logit[q] = logit[p], k->g_outcome[q] = outcome[p];
        }
        free(at);
        risk = k->g_risk, logit = k->g_logit, outcome = k->g_outcome;
    }
    for (int64_t g = 0; g < n_groups; g++) {
        int64_t at = offset[g], n = offset[g + 1] - at;
        fit_run(&fit[g], k, risk + at, logit + at, outcome + at, n, z);
        if (bins && n > 0)
            ristra__calibration_bins(bins + g * n_bins, n_bins, risk + at, outcome + at, n,
                                     z_wilson);
    }
    free(offset);
    return RISTRA_OK;
}
