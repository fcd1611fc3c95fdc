/* The audit's side of ristra_score_file(): options, the grouping values of
 * each scored patient as the blocks go by (a byte a patient a grouping, 4
 * for a coded column),
 * and, once the list is ranked, the figures at the tiers it applied. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/audit.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../metrics/metrics_internal.h"
#include "audit_internal.h"

enum { MAX_COLUMNS = 64 };

struct ristra__audit {
    ristra_audit_options o;
    ristra__output *out;
    int64_t n_columns;
    const char *columns[MAX_COLUMNS];
    int kind[MAX_COLUMNS];          /* the ristra_grouping of each column */
    const char *grouping_name[MAX_COLUMNS];
    int64_t n, cap;
    /* per column, per patient kept: the label of a coded column, or (age
     * band, sex, deprivation: labels 0 to 10) a byte, label + 1 (0: unknown) */
    int32_t *label[MAX_COLUMNS];
    uint8_t *code[MAX_COLUMNS];
    ristra__audit_figures fig;
};

const double ristra__risk_band_upper[RISTRA__RISK_BANDS] = { 0.01, 0.02, 0.05, 0.10,
                                                             0.20, 0.30, 0.50, 1.0 };

const ristra__audit_figures *ristra__audit_figures_of(const ristra__audit *a)
{
    return &a->fig;
}

int ristra_audit_options_init(ristra_audit_options *opts, int version)
{
    static const ristra_audit_options defaults = RISTRA_AUDIT_OPTIONS_INIT;
    return ristra__struct_init(opts, version, &defaults, &ristra__info_audit_options,
                               "ristra_audit_options_init");
}

static void add_column(ristra__audit *a, const char *column, int kind, const char *name)
{
    a->columns[a->n_columns] = column;
    a->kind[a->n_columns] = kind;
    a->grouping_name[a->n_columns++] = name;
}

static int check_options(const ristra_audit_options *o)
{
    static const char fn[] = "ristra_score_file: opts->audit";
    if (o->version < 1 || o->version > RISTRA_AUDIT_OPTIONS_VERSION)
        return ristra__error(RISTRA_EINVAL, "%s->version is %d (expected 1 to %d)", fn,
                             o->version, RISTRA_AUDIT_OPTIONS_VERSION);
    if (!(o->confidence_level > 0 && o->confidence_level < 1))
        return ristra__error(RISTRA_EINVAL, "%s->confidence_level is %g (expected (0, 1))", fn,
                             o->confidence_level);
    if (o->n_group_columns < 0 || o->n_group_columns > MAX_COLUMNS - 3 ||
        (o->n_group_columns > 0 && !o->group_columns))
        return ristra__error(RISTRA_EINVAL, "%s->n_group_columns is %lld (expected 0 to %d, "
                             "with group_columns)", fn, (long long)o->n_group_columns,
                             MAX_COLUMNS - 3);
    for (int64_t k = 0; k < o->n_group_columns; k++)
        if (!o->group_columns[k] || !o->group_columns[k][0])
            return ristra__error(RISTRA_EINVAL, "%s->group_columns[%lld] is empty", fn,
                                 (long long)k);
    return RISTRA_OK;
}

int ristra__audit_open(ristra__audit **out, const ristra_audit_options *opts, const char *path,
                       int gzip_level, int file_mode)
{
    *out = NULL;
    ristra_audit_options defaults = RISTRA_AUDIT_OPTIONS_INIT;
    const ristra_audit_options *o = opts ? opts : &defaults;
    int rc = check_options(o);
    if (rc)
        return rc;
    ristra__audit *a = calloc(1, sizeof *a);
    if (!a)
        return ristra__oom();
    a->o = *o;
    if (o->age_column)
        add_column(a, o->age_column, RISTRA_GROUPING_AGE_BAND, "age_band");
    if (o->sex_column)
        add_column(a, o->sex_column, RISTRA_GROUPING_SEX, "sex");
    if (o->deprivation_column)
        add_column(a, o->deprivation_column, RISTRA_GROUPING_DEPRIVATION_QUINTILE,
                   "deprivation_quintile");
    for (int64_t k = 0; k < o->n_group_columns; k++)
        add_column(a, o->group_columns[k], RISTRA_GROUPING_VALUE, o->group_columns[k]);
    if (path) {
        rc = ristra__output_open_mode(&a->out, path, gzip_level, file_mode);
        if (!rc)
            rc = ristra__audit_write_header(a->out);
    }
    if (rc) {
        ristra__audit_free(a);
        return rc;
    }
    *out = a;
    return RISTRA_OK;
}

const char *const *ristra__audit_columns(const ristra__audit *a, int64_t *n_out)
{
    *n_out = a->n_columns;
    return a->columns;
}

/* Columns whose labels are small enough to keep in a byte. */
static int narrow(int kind)
{
    return kind != RISTRA_GROUPING_VALUE;
}

int ristra__audit_keep(ristra__audit *a, const double *extra)
{
    if (a->n == a->cap) {
        int64_t cap = a->cap ? 2 * a->cap : 65536;
        for (int64_t c = 0; c < a->n_columns; c++) {
            if (narrow(a->kind[c])) {
                uint8_t *b = realloc(a->code[c], (size_t)cap);
                if (!b)
                    return ristra__oom();
                a->code[c] = b;
            } else {
                int32_t *l = realloc(a->label[c], (size_t)cap * sizeof *l);
                if (!l)
                    return ristra__oom();
                a->label[c] = l;
            }
        }
        a->cap = cap;
    }
    for (int64_t c = 0; c < a->n_columns; c++) {
        int32_t label = ristra_group_label(a->kind[c], extra[c]);
        if (narrow(a->kind[c]))
            a->code[c][a->n] = label == RISTRA_GROUP_UNKNOWN ? 0 : (uint8_t)(label + 1);
        else
            a->label[c][a->n] = label;
    }
    a->n++;
    return RISTRA_OK;
}

ristra__output *ristra__audit_take_output(ristra__audit *a)
{
    ristra__output *o = a ? a->out : NULL;
    if (a)
        a->out = NULL;
    return o;
}

void ristra__audit_free(ristra__audit *a)
{
    if (!a)
        return;
    ristra__output_abort(a->out);
    for (int64_t c = 0; c < a->n_columns; c++)
        free(a->label[c]), free(a->code[c]);
    ristra__audit_figures_free(&a->fig);
    free(a);
}

/* ------------------------------------------------------------ the figures */

/* The tier of each patient (input order) that the list gave him. */
static uint8_t *tiers_of(const ristra__stratification *st)
{
    uint8_t *tier = malloc((size_t)(st->n > 0 ? st->n : 1));
    if (!tier)
        return NULL;
    for (int32_t p = 0; p < st->n_practices; p++) {
        const ristra__practice_stats *ps = &st->practice[p];
        for (int64_t j = 0; j < ps->list_size; j++)
            tier[st->order[ps->first + j]] = (uint8_t)ristra__tier_of(ps, st->n_tiers, j + 1);
    }
    return tier;
}

typedef struct run {
    ristra__audit *a;
    const ristra__stratification *st;
    const ristra__scored *sc;
    const char *const *tier_names;
    const uint8_t *tier;
    ristra__known known;           /* m 0 without outcomes */
    ristra__group_counts area;
    double z;
} run;

static int band_of(double risk)
{
    int b = 0;
    while (b < RISTRA__RISK_BANDS - 1 && risk > ristra__risk_band_upper[b])
        b++;
    return b;
}

/* Everyone's counts by group and tier at once (number NULL: one group),
 * then each cut-off's counts as the sum over its tier and the tighter
 * ones; the sums of risks patient by patient in input order. bands (for
 * the report; NULL: none): n_groups x RISTRA__RISK_BANDS. */
static int count_groups(ristra__group_counts *counts, int64_t *bands, const run *r,
                        const uint32_t *number, int64_t n_groups)
{
    const ristra__scored *sc = r->sc;
    const int slots = sc->n_tiers + 1; /* the tiers, and in none */
    int64_t(*h)[3] = calloc((size_t)(n_groups > 0 ? n_groups : 1) * (size_t)slots, sizeof *h);
    if (!h)
        return ristra__oom();
    for (int64_t i = 0; i < sc->n; i++) {
        uint32_t g = number ? number[i] : 0;
        int known = sc->outcome && sc->outcome[i] != RISTRA__OUTCOME_UNKNOWN;
        int event = known && sc->outcome[i] == 1;
        int64_t *c = h[(size_t)g * (size_t)slots + r->tier[i]];
        c[0]++;
        c[1] += known;
        c[2] += event;
        if (known)
            counts[g].expected_known += sc->risk[i];
        if (bands)
            bands[(size_t)g * RISTRA__RISK_BANDS + (size_t)band_of(sc->risk[i])]++;
    }
    for (int64_t g = 0; g < n_groups; g++) {
        ristra__group_counts *gc = &counts[g];
        ristra__cut_counts cum = { 0, 0, 0 };
        for (int t = 0; t < slots; t++) {
            const int64_t *c = h[(size_t)g * (size_t)slots + (size_t)t];
            gc->n += c[0];
            gc->known += c[1];
            gc->events += c[2];
            cum.selected += c[0];
            cum.selected_known += c[1];
            cum.true_positive += c[2];
            if (t < sc->n_tiers)
                gc->cut[t] = cum;
        }
    }
    free(h);
    return RISTRA_OK;
}

enum { REPORT_BINS = 10 };   /* deciles, as ristra evaluate */

/* For the report: the calibration bins and risk bands of the area or of
 * each practice, moved into the figures. */
static void keep_report_figures(const run *r, int64_t first, int64_t n_groups,
                                const int64_t *bands, ristra_calibration_bin **bins,
                                const ristra__group_fit *fit)
{
    ristra__audit_group *gs = &r->a->fig.group[first];
    for (int64_t j = 0; j < n_groups; j++)
        memcpy(gs[j].band, bands + j * RISTRA__RISK_BANDS, sizeof gs[j].band);
    if (!*bins)
        return;
    gs[0].bins = *bins; /* the first group owns the block; each points into it */
    *bins = NULL;
    for (int64_t j = 0; j < n_groups; j++) {
        gs[j].bins = gs[0].bins + j * REPORT_BINS;
        gs[j].n_bins = fit[j].n > 0 ? REPORT_BINS : 0;
        gs[j].owns_bins = j == 0;
    }
}

/* The figures of one grouping: counts for everyone, fits for the known;
 * then its rows. number NULL: the area (one group); names NULL: from the
 * labels. with_bins: the area and the practices, for the report. */
static int audit_groups(run *r, const ristra__grouping *g, const uint32_t *number,
                        int64_t n_groups, const int32_t *labels, const char *const *names,
                        int with_bins)
{
    size_t slots = (size_t)(n_groups > 0 ? n_groups : 1);
    ristra__group_counts *counts = calloc(slots, sizeof *counts);
    int outcomes = r->sc->outcome != NULL;
    ristra__group_fit *fit = outcomes ? calloc(slots, sizeof *fit) : NULL;
    ristra_calibration_bin *bins =
        outcomes && with_bins ? calloc(slots * REPORT_BINS, sizeof *bins) : NULL;
    int64_t *bands = with_bins ? calloc(slots * RISTRA__RISK_BANDS, sizeof *bands) : NULL;
    int rc = counts && (!outcomes || fit) && (!outcomes || !with_bins || bins) &&
                     (!with_bins || bands) ? RISTRA_OK : ristra__oom();
    if (!rc)
        rc = count_groups(counts, bands, r, number, n_groups);
    if (!rc && !number)
        r->area = counts[0];
    if (!rc && fit)
        rc = ristra__fit_groups(fit, bins, REPORT_BINS, &r->known, number, counts, n_groups,
                                r->a->o.confidence_level);
    if (!rc) {
        ristra__audit_table t = { r->a->out, &r->a->fig, g, n_groups, labels, names, counts,
                                  &r->area, fit, r->sc->n_tiers, r->sc->tier_cut,
                                  r->tier_names, r->z };
        int64_t first = 0;
        rc = ristra__audit_write_table(&t, &first);
        if (!rc && with_bins)
            keep_report_figures(r, first, n_groups, bands, &bins, fit);
    }
    free(bands), free(bins), free(fit), free(counts);
    return rc;
}

static int audit_area(run *r)
{
    static const ristra__grouping area = { "area", 0 };
    static const int32_t zero = 0;
    static const char *const all[] = { "all" };
    return audit_groups(r, &area, NULL, 1, &zero, all, 1);
}

/* Labels spanning at most this many values are numbered through a table;
 * wider ones (a coded column) by ristra__number_labels()'s hash map. */
enum { TABLE_SPAN = 1 << 16 };

/* Numbers the groups of label[0..n) 0, 1, ... by ascending label (unknown,
 * INT32_MIN, first), as ristra__number_labels() does: *labels_out
 * (free()) receives the *n_out distinct labels, number[i] the group of
 * label[i]; number may be label itself (int32 numbered in place). */
static int number_labels(int32_t **labels_out, int64_t *n_out, uint32_t *number,
                         const int32_t *label, int64_t n)
{
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    int unknown = 0;
    for (int64_t i = 0; i < n; i++) {
        int32_t l = label[i];
        if (l == RISTRA_GROUP_UNKNOWN) {
            unknown = 1;
            continue;
        }
        lo = l < lo ? l : lo;
        hi = l > hi ? l : hi;
    }
    int64_t span = hi >= lo ? (int64_t)hi - lo + 1 : 0;
    if (span > TABLE_SPAN) {
        uint64_t *wide = malloc((size_t)n * sizeof *wide);
        int rc = wide ? ristra__number_labels(labels_out, n_out, wide, label, n) : ristra__oom();
        for (int64_t i = 0; !rc && i < n; i++)
            number[i] = (uint32_t)wide[i];
        free(wide);
        return rc;
    }
    uint32_t *slot = calloc((size_t)(span > 0 ? span : 1), sizeof *slot);
    int32_t *labels = malloc((size_t)(span + unknown > 0 ? span + unknown : 1) * sizeof *labels);
    if (!slot || !labels) {
        free(slot), free(labels);
        return ristra__oom();
    }
    for (int64_t i = 0; i < n; i++)
        if (label[i] != RISTRA_GROUP_UNKNOWN)
            slot[label[i] - lo] = 1;
    uint32_t k = 0;
    if (unknown)
        labels[k++] = RISTRA_GROUP_UNKNOWN;
    for (int64_t s = 0; s < span; s++)
        if (slot[s]) {
            labels[k] = (int32_t)(lo + s);
            slot[s] = k++;
        }
    for (int64_t i = 0; i < n; i++)
        number[i] = label[i] == RISTRA_GROUP_UNKNOWN ? 0 : slot[label[i] - lo];
    free(slot);
    *labels_out = labels, *n_out = k;
    return RISTRA_OK;
}

/* The same for a column kept as bytes (label + 1; 0: unknown). */
static int number_codes(int32_t **labels_out, int64_t *n_out, uint32_t *number,
                        const uint8_t *code, int64_t n)
{
    uint32_t slot[256] = { 0 };
    int32_t *labels = malloc(256 * sizeof *labels);
    if (!labels)
        return ristra__oom();
    for (int64_t i = 0; i < n; i++)
        slot[code[i]] = 1;
    uint32_t k = 0;
    for (int c = 0; c < 256; c++)
        if (slot[c]) {
            labels[k] = c ? c - 1 : RISTRA_GROUP_UNKNOWN;
            slot[c] = k++;
        }
    for (int64_t i = 0; i < n; i++)
        number[i] = slot[code[i]];
    *labels_out = labels, *n_out = k;
    return RISTRA_OK;
}

/* The practices as a grouping, labelled by the rank of their code (the
 * order of st) and named by their code. */
static int audit_practices(run *r, uint32_t *number)
{
    const ristra__stratification *st = r->st;
    const ristra__scored *sc = r->sc;
    int32_t *rank = malloc((size_t)(sc->n_practices > 0 ? sc->n_practices : 1) * sizeof *rank);
    int32_t *labels = NULL;
    const char **names = NULL;
    int64_t n_groups = 0;
    int rc = rank ? RISTRA_OK : ristra__oom();
    if (!rc) {
        int32_t *label = (int32_t *)number; /* numbered in place */
        for (int32_t p = 0; p < st->n_practices; p++)
            rank[st->practice[p].practice] = p;
        for (int64_t i = 0; i < sc->n; i++)
            label[i] = rank[sc->practice[i]];
        rc = number_labels(&labels, &n_groups, number, label, sc->n);
    }
    if (!rc && !(names = malloc((size_t)(n_groups > 0 ? n_groups : 1) * sizeof *names)))
        rc = ristra__oom();
    if (!rc) {
        for (int64_t j = 0; j < n_groups; j++)
            names[j] = sc->practice_code[st->practice[labels[j]].practice];
        static const ristra__grouping g = { "practice", 0 };
        rc = audit_groups(r, &g, number, n_groups, labels, names, 1);
    }
    free(rank), free(labels), free(names);
    return rc;
}

/* The area, the practices (when asked for) and each column's grouping,
 * one at a time. */
static int audit_everything(run *r)
{
    const ristra__audit *a = r->a;
    uint32_t *number = malloc((size_t)(r->sc->n > 0 ? r->sc->n : 1) * sizeof *number);
    int rc = number ? RISTRA_OK : ristra__oom();
    if (!rc && r->sc->outcome)
        rc = ristra__known_build(&r->known, r->sc, r->st);
    if (!rc)
        rc = audit_area(r);
    if (!rc && a->o.by_practice)
        rc = audit_practices(r, number);
    for (int64_t c = 0; c < a->n_columns && !rc; c++) {
        int32_t *labels = NULL;
        int64_t n_groups = 0;
        rc = narrow(a->kind[c])
                 ? number_codes(&labels, &n_groups, number, a->code[c], r->sc->n)
                 : number_labels(&labels, &n_groups, number, a->label[c], r->sc->n);
        ristra__grouping g = { a->grouping_name[c], a->kind[c] };
        if (!rc)
            rc = audit_groups(r, &g, number, n_groups, labels, NULL, 0);
        free(labels);
    }
    free(number);
    return rc;
}

int ristra__audit_finish(ristra__audit *a, const ristra__stratification *st,
                         const ristra__scored *sc, const char *const *tier_names)
{
    if (sc->n != a->n)
        return ristra__error(RISTRA_ERROR, "ristra_score_file: the audit kept %lld patients "
                             "of %lld", (long long)a->n, (long long)sc->n);
    run r;
    memset(&r, 0, sizeof r);
    r.a = a, r.st = st, r.sc = sc, r.tier_names = tier_names;
    r.z = ristra__normal_quantile((1.0 + a->o.confidence_level) / 2.0);
    a->fig.n_tiers = sc->n_tiers;
    a->fig.has_outcome = sc->outcome != NULL;
    for (int k = 0; k < sc->n_tiers; k++)
        a->fig.tier_cut[k] = sc->tier_cut[k], a->fig.tier_name[k] = tier_names[k];
    uint8_t *tier = tiers_of(st);
    r.tier = tier;
    int rc = tier ? RISTRA_OK : ristra__oom();
    if (!rc)
        rc = audit_everything(&r);
    ristra__known_free(&r.known);
    free(tier);
    return rc;
}
