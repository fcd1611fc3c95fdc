/* ristra_evaluate(): every metric for everyone and for each group, from one
 * radix sort of the risks that carries each patient's outcome and group
 * along. A counting sort by group then lays each group's patients, still in
 * descending order of risk, into one contiguous run, and every figure of a
 * group is a walk over its run. */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../common/parallel_internal.h"
#include "metrics_internal.h"

struct ristra_evaluation {
    int64_t n_groups, n_bins, n_cut_points;
    int32_t *labels;                    /* n_groups, ascending */
    ristra_group_summary *summary;      /* slot 0: everyone; slot g + 1: group g */
    ristra_calibration_bin *bins;       /* n_bins per slot */
    ristra_cut_point_summary *cuts;     /* n_cut_points per slot */
};

static const ristra_evaluate_options DEFAULTS = RISTRA_EVALUATE_OPTIONS_INIT;

int ristra_evaluate_options_init(ristra_evaluate_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_evaluate_options,
                               "ristra_evaluate_options_init");
}

/* The caller's options over the defaults; NULL cut_points: the default four. */
static int load_options(ristra_evaluate_options *o, const ristra_evaluate_options *opts)
{
    int rc = ristra__struct_load(o, opts, &DEFAULTS, &ristra__info_evaluate_options,
                                 "ristra_evaluate");
    if (!rc && !o->cut_points)
        o->n_cut_points = ristra_default_tiers(&o->cut_points);
    return rc;
}

static int check_options(const ristra_evaluate_options *o)
{
    static const char fn[] = "ristra_evaluate";
    if (o->n_cut_points < 0 || o->n_cut_points > RISTRA_EVALUATE_MAX_CUT_POINTS)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_cut_points is %lld (expected 0 to %d)",
                             fn, (long long)o->n_cut_points, RISTRA_EVALUATE_MAX_CUT_POINTS);
    for (int c = 0; c < o->n_cut_points; c++)
        if (!(o->cut_points[c] > 0.0 && o->cut_points[c] <= 1.0))
            return ristra__error(RISTRA_EINVAL,
                                 "%s: opts->cut_points[%d] is %g (expected a fraction in (0, 1])",
                                 fn, c, o->cut_points[c]);
    if (o->n_bins < 1 || o->n_bins > RISTRA_EVALUATE_MAX_BINS)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_bins is %d (expected 1 to %d)", fn,
                             o->n_bins, RISTRA_EVALUATE_MAX_BINS);
    if (!(o->confidence_level > 0.0 && o->confidence_level < 1.0))
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->confidence_level is %g (expected a value in (0, 1))", fn,
                             o->confidence_level);
    if (o->flag_scope != RISTRA_FLAG_WITHIN_GROUP && o->flag_scope != RISTRA_FLAG_OVERALL)
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->flag_scope is %d (expected RISTRA_FLAG_WITHIN_GROUP or "
                             "RISTRA_FLAG_OVERALL)", fn, o->flag_scope);
    return ristra__check_threads(o->n_threads, fn);
}

static int check_rows(const double *risk, const uint8_t *outcome, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (isnan(risk[i]))
            return ristra__error(RISTRA_EINVAL, "ristra_evaluate: risk[%lld] is NaN",
                                 (long long)i);
        if (!(risk[i] >= 0.0 && risk[i] <= 1.0))
            return ristra__error(RISTRA_EINVAL,
                                 "ristra_evaluate: risk[%lld] is %.17g, outside [0, 1]",
                                 (long long)i, risk[i]);
        if (outcome[i] > 1)
            return ristra__error(RISTRA_EINVAL,
                                 "ristra_evaluate: outcome[%lld] is %u (expected 0 or 1)",
                                 (long long)i, (unsigned)outcome[i]);
    }
    return RISTRA_OK;
}

/* One group's rows in descending order of risk (ties in input order). */
typedef struct run {
    const double *risk;
    const uint8_t *outcome;
    const double *logit;
    const int64_t *rank;   /* position in everyone's order (RISTRA_FLAG_OVERALL) */
    int64_t n;
} run;

typedef struct context {
    ristra_evaluation *e;
    const ristra_evaluate_options *opts;
    int64_t n_total;
    double z_lower, z_upper, z_wilson;
    run *runs;             /* n_groups + 1, [0] = everyone */
    atomic_llong next_slot;  /* the next slot a thread takes: everyone's (the largest) first */
} context;

static void summarize_totals(ristra_group_summary *s, const run *r, const context *ctx)
{
    double sum_risk = 0.0, sum_sq = 0.0;
    int64_t events = 0;
    for (int64_t i = 0; i < r->n; i++) {
        double d = r->risk[i] - (double)r->outcome[i];
        sum_risk += r->risk[i];
        sum_sq += d * d;
        events += r->outcome[i];
    }
    double n = (double)r->n;
    s->n = r->n;
    s->events = events;
    s->observed_rate = (double)events / n;
    s->mean_risk = sum_risk / n;
    s->expected = sum_risk;
    s->oe_ratio = sum_risk > 0.0 ? (double)events / sum_risk : NAN;
    s->brier = sum_sq / n;
    s->calibration_in_the_large = s->observed_rate - s->mean_risk;

    ristra__delong d;
    ristra__delong_sorted(&d, r->risk, r->outcome, r->n);
    s->auroc = d.auroc;
    s->auroc_variance = d.variance;
    double sd = sqrt(d.variance);
    s->auroc_ci_lower = fmin(fmax(d.auroc + sd * ctx->z_lower, 0.0), 1.0);
    s->auroc_ci_upper = fmin(fmax(d.auroc + sd * ctx->z_upper, 0.0), 1.0);
    if (isnan(d.variance))
        s->auroc_ci_lower = s->auroc_ci_upper = NAN;
    s->average_precision = ristra__average_precision_sorted(r->risk, r->outcome, r->n);
    ristra__fit_calibration_intercept(&s->calibration_intercept, r->logit, r->outcome, r->n);
    ristra__fit_calibration_slope(&s->calibration_slope_intercept, &s->calibration_slope,
                                  r->logit, r->outcome, r->n);
}

void ristra__wilson(double *lower, double *upper, int64_t events, int64_t n, double z)
{
    if (n <= 0) {
        *lower = *upper = NAN;
        return;
    }
    double p = (double)events / (double)n, z22n = z * z / (2.0 * (double)n);
    double half = z * sqrt(p * (1.0 - p) / (double)n + z22n / (2.0 * (double)n));
    *lower = p <= 0.0 ? 0.0 : (p + z22n - half) / (1.0 + 2.0 * z22n);
    *upper = p >= 1.0 ? 1.0 : (p + z22n + half) / (1.0 + 2.0 * z22n);
}

void ristra__calibration_bins_finish(ristra_calibration_bin *bins, int64_t n_bins, double z)
{
    for (int64_t b = 0; b < n_bins; b++) {
        ristra_calibration_bin *bin = &bins[b];
        if (bin->n == 0) {
            bin->min_risk = bin->max_risk = bin->mean_risk = bin->observed_rate = NAN;
            bin->oe_ratio = bin->observed_lower = bin->observed_upper = NAN;
            continue;
        }
        bin->mean_risk = bin->expected / (double)bin->n;
        bin->observed_rate = (double)bin->events / (double)bin->n;
        bin->oe_ratio = bin->expected > 0.0 ? (double)bin->events / bin->expected : NAN;
        ristra__wilson(&bin->observed_lower, &bin->observed_upper, bin->events, bin->n,
                       z);
    }
}

/* A block of tied risks goes whole to bin floor(B * L / n), L the number of
 * lower risks; walking highest first, L = n - (end of the block). */
void ristra__calibration_bins(ristra_calibration_bin *bins, int64_t n_bins, const double *risk,
                              const uint8_t *outcome, int64_t n, double z)
{
    for (int64_t b = 0; b < n_bins; b++) {
        ristra_calibration_bin empty = RISTRA_CALIBRATION_BIN_INIT;
        bins[b] = empty;
    }
    for (int64_t i = 0, j; i < n; i = j) {
        j = i + 1;
        while (j < n && risk[j] == risk[i])
            j++;
        ristra_calibration_bin *bin = &bins[n_bins * (n - j) / n];
        if (bin->n == 0)
            bin->max_risk = risk[i];
        bin->min_risk = risk[i];
        bin->n += j - i;
        for (int64_t k = i; k < j; k++) {
            bin->events += outcome[k];
            bin->expected += risk[k];
        }
    }
    ristra__calibration_bins_finish(bins, n_bins, z);
}

static void summarize_bins(ristra_calibration_bin *bins, const run *r, const context *ctx)
{
    ristra__calibration_bins(bins, ctx->e->n_bins, r->risk, r->outcome, r->n, ctx->z_wilson);
}

/* The flagged patients are a prefix of the run: its own top k, or (ranked
 * over everyone) the members whose overall rank is below everyone's k. */
static int64_t flagged_prefix(const run *r, double fraction, const context *ctx)
{
    if (!r->rank)
        return ristra__cut_count(fraction, r->n);
    int64_t k = ristra__cut_count(fraction, ctx->n_total), lo = 0, hi = r->n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (r->rank[mid] < k)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void summarize_cuts(ristra_cut_point_summary *cuts, const run *r, int64_t events,
                           const context *ctx)
{
    for (int64_t c = 0; c < ctx->e->n_cut_points; c++) {
        ristra_cut_point_summary *cut = &cuts[c];
        cut->version = RISTRA_CUT_POINT_SUMMARY_VERSION;
        cut->fraction = ctx->opts->cut_points[c];
        int64_t k = flagged_prefix(r, cut->fraction, ctx), tp = 0;
        for (int64_t i = 0; i < k; i++)
            tp += r->outcome[i];
        cut->n_flagged = k;
        cut->events_flagged = tp;
        cut->threshold = k > 0 ? r->risk[k - 1] : NAN;
        cut->sensitivity = events > 0 ? (double)tp / (double)events : NAN;
        cut->ppv = k > 0 ? (double)tp / (double)k : NAN;
    }
}

static void summarize(context *ctx, int64_t slot)
{
    ristra_evaluation *e = ctx->e;
    const run *r = &ctx->runs[slot];
    ristra_group_summary *s = &e->summary[slot];
    s->version = RISTRA_GROUP_SUMMARY_VERSION;
    s->label = slot > 0 ? e->labels[slot - 1] : 0;
    summarize_totals(s, r, ctx);
    summarize_bins(&e->bins[slot * e->n_bins], r, ctx);
    summarize_cuts(&e->cuts[slot * e->n_cut_points], r, s->events, ctx);
}

/* Each thread takes slots until none are left, so that everyone's slot
 * (half the work) does not hold up a fixed share of the groups. */
static int summarize_slots(void *arg, int64_t begin, int64_t end, int thread_index)
{
    context *ctx = arg;
    (void)begin, (void)end, (void)thread_index;
    for (long long slot; (slot = atomic_fetch_add(&ctx->next_slot, 1)) <= ctx->e->n_groups;)
        summarize(ctx, slot);
    return 0;
}

static int allocate_results(ristra_evaluation *e)
{
    size_t slots = (size_t)e->n_groups + 1;
    e->summary = calloc(slots, sizeof *e->summary);
    e->bins = calloc(slots * (size_t)e->n_bins, sizeof *e->bins);
    e->cuts = calloc(slots * (size_t)(e->n_cut_points ? e->n_cut_points : 1), sizeof *e->cuts);
    return e->summary && e->bins && e->cuts ? RISTRA_OK : ristra__oom();
}

/* Working arrays: everyone's run, then the groups' runs side by side.
 * payload[p] is (group number << 1) | outcome of the patient at position p. */
typedef struct workspace {
    uint64_t *payload;
    double *risk, *logit, *g_risk, *g_logit;
    uint8_t *outcome, *g_outcome;
    int64_t *g_rank, *offset;
    run *runs;
} workspace;

static void workspace_free(workspace *w)
{
    free(w->payload), free(w->risk), free(w->logit), free(w->g_risk), free(w->g_logit);
    free(w->outcome), free(w->g_outcome), free(w->g_rank), free(w->offset), free(w->runs);
}

static int build_overall_run(workspace *w, ristra_evaluation *e, const double *risk,
                             const uint8_t *outcome, int64_t n, const int32_t *group)
{
    w->payload = malloc((size_t)n * sizeof *w->payload);
    w->risk = malloc((size_t)n * sizeof *w->risk);
    w->logit = malloc((size_t)n * sizeof *w->logit);
    w->outcome = malloc((size_t)n);
    if (!w->payload || !w->risk || !w->logit || !w->outcome)
        return ristra__oom();
    if (group) {
        int rc = ristra__number_labels(&e->labels, &e->n_groups, w->payload, group, n);
        if (rc)
            return rc;
    } else {
        memset(w->payload, 0, (size_t)n * sizeof *w->payload);
    }
    for (int64_t i = 0; i < n; i++)
        w->payload[i] = (w->payload[i] << 1) | outcome[i];
    int rc = ristra__sort_descending(w->risk, w->payload, risk, n);
    if (rc)
        return rc;
    for (int64_t p = 0; p < n; p++) {
        w->outcome[p] = (uint8_t)(w->payload[p] & 1);
        w->logit[p] = ristra__logit_clamped(w->risk[p]);
    }
    return RISTRA_OK;
}

/* A counting sort of everyone's run by group keeps each group in
 * descending order of risk. */
static int build_group_runs(workspace *w, const ristra_evaluation *e, int flag_scope,
                            int64_t n)
{
    int64_t g_count = e->n_groups;
    w->g_risk = malloc((size_t)n * sizeof *w->g_risk);
    w->g_logit = malloc((size_t)n * sizeof *w->g_logit);
    w->g_outcome = malloc((size_t)n);
    w->g_rank = malloc((size_t)n * sizeof *w->g_rank);
    w->offset = calloc((size_t)g_count + 1, sizeof *w->offset);
    if (!w->g_risk || !w->g_logit || !w->g_outcome || !w->g_rank || !w->offset)
        return ristra__oom();
    for (int64_t p = 0; p < n; p++)
        w->offset[(w->payload[p] >> 1) + 1]++;
    for (int64_t g = 0; g < g_count; g++)
        w->offset[g + 1] += w->offset[g];
    for (int64_t g = 0; g < g_count; g++) {
        int64_t at = w->offset[g], len = w->offset[g + 1] - at;
        w->runs[g + 1] = (run){ w->g_risk + at, w->g_outcome + at, w->g_logit + at,
                                flag_scope == RISTRA_FLAG_OVERALL ? w->g_rank + at : NULL,
                                len };
    }
    for (int64_t p = 0; p < n; p++) {
        int64_t at = w->offset[w->payload[p] >> 1]++;
        w->g_risk[at] = w->risk[p];
        w->g_outcome[at] = w->outcome[p];
        w->g_logit[at] = w->logit[p];
        w->g_rank[at] = p;
    }
    return RISTRA_OK;
}

static int evaluate(ristra_evaluation *e, const double *risk, const uint8_t *outcome,
                    int64_t n, const int32_t *group, const ristra_evaluate_options *opts)
{
    workspace w = { 0 };
    int rc = build_overall_run(&w, e, risk, outcome, n, group);
    if (!rc)
        rc = allocate_results(e);
    if (!rc) {
        w.runs = malloc(((size_t)e->n_groups + 1) * sizeof *w.runs);
        rc = w.runs ? RISTRA_OK : ristra__oom();
    }
    if (!rc) {
        w.runs[0] = (run){ w.risk, w.outcome, w.logit, NULL, n };
        if (group)
            rc = build_group_runs(&w, e, opts->flag_scope, n);
    }
    if (!rc) {
        double alpha = 1.0 - opts->confidence_level;
        context ctx = { e, opts, n, ristra__normal_quantile(alpha / 2.0),
                        ristra__normal_quantile(1.0 - alpha / 2.0),
                        ristra__normal_quantile((1.0 + opts->confidence_level) / 2.0), w.runs,
                        0 };
        int threads = ristra__resolve_threads(opts->n_threads, e->n_groups + 1, 1);
        rc = ristra__parallel_for(threads, threads, summarize_slots, &ctx);
    }
    workspace_free(&w);
    return rc;
}

int ristra_evaluate(ristra_evaluation **out, const double *risk, const uint8_t *outcome,
                    int64_t n, const int32_t *group, const ristra_evaluate_options *opts)
{
    if (!out)
        return ristra__error(RISTRA_EINVAL, "ristra_evaluate: out is NULL");
    *out = NULL;
    if (!risk || !outcome)
        return ristra__error(RISTRA_EINVAL, "ristra_evaluate: %s is NULL",
                             !risk ? "risk" : "outcome");
    if (n < 1)
        return ristra__error(RISTRA_EINVAL, "ristra_evaluate: n is %lld (no patients to evaluate)",
                             (long long)n);
    ristra_evaluate_options full;
    int rc = load_options(&full, opts);
    opts = &full;
    if (!rc)
        rc = check_options(opts);
    if (!rc)
        rc = check_rows(risk, outcome, n);
    if (rc)
        return rc;
    ristra_evaluation *e = calloc(1, sizeof *e);
    if (!e)
        return ristra__oom();
    e->n_bins = opts->n_bins;
    e->n_cut_points = opts->n_cut_points;
    rc = evaluate(e, risk, outcome, n, group, opts);
    if (rc) {
        ristra_evaluation_free(e);
        return rc;
    }
    *out = e;
    return RISTRA_OK;
}

void ristra_evaluation_free(ristra_evaluation *e)
{
    if (!e)
        return;
    free(e->labels), free(e->summary), free(e->bins), free(e->cuts);
    free(e);
}

int64_t ristra_evaluation_n_groups(const ristra_evaluation *e) { return e ? e->n_groups : -1; }
int64_t ristra_evaluation_n_bins(const ristra_evaluation *e) { return e ? e->n_bins : -1; }

int64_t ristra_evaluation_n_cut_points(const ristra_evaluation *e)
{
    return e ? e->n_cut_points : -1;
}

/* The slot of a group index (0 = everyone), or a negative ristra_error.
 * out->version is checked when the figures are stored. */
static int64_t slot_of(const char *fn, const void *out, const ristra_evaluation *e,
                       int64_t group)
{
    if (!out || !e)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, !out ? "out" : "evaluation");
    if (group < RISTRA_EVALUATION_OVERALL || group >= e->n_groups)
        return ristra__error(RISTRA_EINVAL,
                             "%s: group %lld is out of range (RISTRA_EVALUATION_OVERALL or 0 to "
                             "%lld)", fn, (long long)group, (long long)e->n_groups - 1);
    return group + 1;
}

int ristra_evaluation_summary(ristra_group_summary *out, const ristra_evaluation *e,
                              int64_t group)
{
    static const char fn[] = "ristra_evaluation_summary";
    int64_t slot = slot_of(fn, out, e, group);
    if (slot < 0)
        return (int)slot;
    return ristra__struct_store(out, &e->summary[slot], &ristra__info_group_summary, fn);
}

int ristra_evaluation_bin(ristra_calibration_bin *out, const ristra_evaluation *e,
                          int64_t group, int64_t bin)
{
    static const char fn[] = "ristra_evaluation_bin";
    int64_t slot = slot_of(fn, out, e, group);
    if (slot < 0)
        return (int)slot;
    if (bin < 0 || bin >= e->n_bins)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_evaluation_bin: bin %lld is out of range (0 to %lld)",
                             (long long)bin, (long long)e->n_bins - 1);
    return ristra__struct_store(out, &e->bins[slot * e->n_bins + bin],
                                &ristra__info_calibration_bin, fn);
}

int ristra_evaluation_cut_point(ristra_cut_point_summary *out, const ristra_evaluation *e,
                                int64_t group, int64_t index)
{
    static const char fn[] = "ristra_evaluation_cut_point";
    int64_t slot = slot_of(fn, out, e, group);
    if (slot < 0)
        return (int)slot;
    if (index < 0 || index >= e->n_cut_points)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_evaluation_cut_point: index %lld is out of range (0 to "
                             "%lld)", (long long)index, (long long)e->n_cut_points - 1);
    return ristra__struct_store(out, &e->cuts[slot * e->n_cut_points + index],
                                &ristra__info_cut_point_summary, fn);
}
