/* The audit's side of ristra_score_file(): options, the grouping values of
 * each scored patient as the blocks go by (4 bytes a patient a grouping),
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
    int32_t *label[MAX_COLUMNS];    /* per column, per patient kept */
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

int ristra__audit_keep(ristra__audit *a, const double *extra)
{
    if (a->n == a->cap) {
        int64_t cap = a->cap ? 2 * a->cap : 65536;
        for (int64_t c = 0; c < a->n_columns; c++) {
            int32_t *l = realloc(a->label[c], (size_t)cap * sizeof *l);
            if (!l)
                return ristra__oom();
            a->label[c] = l;
        }
        a->cap = cap;
    }
    for (int64_t c = 0; c < a->n_columns; c++)
        a->label[c][a->n] = ristra_group_label(a->kind[c], extra[c]);
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
        free(a->label[c]);
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
    ristra__known known;           /* n 0 without outcomes */
    ristra__group_counts area;
    double z;
} run;

static void count_patient(ristra__group_counts *g, const run *r, int64_t i)
{
    const ristra__scored *sc = r->sc;
    int known = sc->outcome && sc->outcome[i] != RISTRA__OUTCOME_UNKNOWN;
    int event = known && sc->outcome[i] == 1;
    g->n++;
    g->known += known;
    g->events += event;
    if (known)
        g->expected_known += sc->risk[i];
    for (int k = r->tier[i]; k < sc->n_tiers; k++) {
        g->cut[k].selected++;
        g->cut[k].selected_known += known;
        g->cut[k].true_positive += event;
    }
}

static int band_of(double risk)
{
    int b = 0;
    while (b < RISTRA__RISK_BANDS - 1 && risk > ristra__risk_band_upper[b])
        b++;
    return b;
}

enum { REPORT_BINS = 10 };   /* deciles, as ristra evaluate */

/* For the report: the calibration bins and risk bands of the area (number
 * NULL) or of each practice (number[i]: the group of patient i), moved
 * into the figures. */
static void keep_report_figures(const run *r, int64_t first, int64_t n_groups,
                                const uint64_t *number, ristra_calibration_bin **bins,
                                const ristra__group_fit *fit)
{
    ristra__audit_group *gs = &r->a->fig.group[first];
    for (int64_t i = 0; i < r->sc->n; i++)
        gs[number ? number[i] : 0].band[band_of(r->sc->risk[i])]++;
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
static int audit_groups(const run *r, const ristra__grouping *g, const uint64_t *number,
                        int grouping, int64_t n_groups, const int32_t *labels,
                        const char *const *names, int with_bins)
{
    ristra__group_counts *counts = calloc((size_t)(n_groups > 0 ? n_groups : 1),
                                          sizeof *counts);
    int outcomes = r->sc->outcome != NULL;
    ristra__group_fit *fit = outcomes ? calloc((size_t)(n_groups > 0 ? n_groups : 1),
                                               sizeof *fit) : NULL;
    ristra_calibration_bin *bins =
        outcomes && with_bins ? calloc((size_t)(n_groups > 0 ? n_groups : 1) * REPORT_BINS,
                                       sizeof *bins) : NULL;
    int rc = counts && (!outcomes || fit) && (!outcomes || !with_bins || bins)
                 ? RISTRA_OK : ristra__oom();
    if (!rc && number)
        for (int64_t i = 0; i < r->sc->n; i++)
            count_patient(&counts[number[i]], r, i);
    else if (!rc)
        counts[0] = r->area;
    if (!rc && fit)
        rc = ristra__fit_groups(fit, bins, REPORT_BINS, &r->known, grouping, n_groups,
                                r->a->o.confidence_level);
    if (!rc) {
        ristra__audit_table t = { r->a->out, &r->a->fig, g, n_groups, labels, names, counts,
                                  &r->area, fit, r->sc->n_tiers, r->sc->tier_cut,
                                  r->tier_names, r->z };
        int64_t first = 0;
        rc = ristra__audit_write_table(&t, &first);
        if (!rc && with_bins)
            keep_report_figures(r, first, n_groups, number, &bins, fit);
    }
    free(bins), free(fit), free(counts);
    return rc;
}

static int audit_area(const run *r)
{
    static const ristra__grouping area = { "area", 0, NULL };
    static const int32_t zero = 0;
    static const char *const all[] = { "all" };
    return audit_groups(r, &area, NULL, -1, 1, &zero, all, 1);
}

/* A grouping with its groups numbered 0 .. n_groups - 1 by ascending label. */
typedef struct numbered {
    ristra__grouping g;
    int32_t *own_label;         /* the practices' labels (ranks of their codes) */
    const char **names;         /* the practices' codes; NULL: named from labels */
    int32_t *labels;
    int64_t n_groups;
    uint64_t *number;           /* per patient */
} numbered;

static int number_grouping(numbered *u, int64_t n)
{
    u->number = malloc((size_t)(n > 0 ? n : 1) * sizeof *u->number);
    return u->number ? ristra__number_labels(&u->labels, &u->n_groups, u->number, u->g.label, n)
                     : ristra__oom();
}

/* Practices as groups, labelled by the rank of their code (the order of st). */
static int number_practices(numbered *u, const run *r)
{
    const ristra__stratification *st = r->st;
    u->own_label = malloc((size_t)(r->sc->n > 0 ? r->sc->n : 1) * sizeof *u->own_label);
    u->names = malloc((size_t)(st->n_practices > 0 ? st->n_practices : 1) * sizeof *u->names);
    int32_t *rank = malloc((size_t)(r->sc->n_practices > 0 ? r->sc->n_practices : 1) *
                           sizeof *rank);
    int rc = u->own_label && u->names && rank ? RISTRA_OK : ristra__oom();
    if (!rc) {
        for (int32_t p = 0; p < st->n_practices; p++) {
            rank[st->practice[p].practice] = p;
            u->names[p] = r->sc->practice_code[st->practice[p].practice];
        }
        for (int64_t i = 0; i < r->sc->n; i++)
            u->own_label[i] = rank[r->sc->practice[i]];
        u->g = (ristra__grouping){ "practice", 0, u->own_label };
        rc = number_grouping(u, r->sc->n);
    }
    free(rank);
    return rc;
}

static void free_numbered(numbered *u, int n)
{
    for (int j = 0; u && j < n; j++)
        free(u[j].own_label), free(u[j].names), free(u[j].labels), free(u[j].number);
    free(u);
}

/* Numbers every grouping: the practices (when asked for) and each column. */
static int number_all(numbered **out, int *n_out, const run *r)
{
    const ristra__audit *a = r->a;
    int n = (a->o.by_practice ? 1 : 0) + (int)a->n_columns;
    numbered *u = calloc((size_t)(n > 0 ? n : 1), sizeof *u);
    int rc = u ? RISTRA_OK : ristra__oom();
    int j = 0;
    if (!rc && a->o.by_practice)
        rc = number_practices(&u[j++], r);
    for (int64_t c = 0; c < a->n_columns && !rc; c++, j++) {
        u[j].g = (ristra__grouping){ a->grouping_name[c], a->kind[c], a->label[c] };
        rc = number_grouping(&u[j], r->sc->n);
    }
    *out = u, *n_out = n;
    return rc;
}

static int audit_everything(run *r)
{
    numbered *u = NULL;
    int n = 0;
    int rc = number_all(&u, &n, r);
    const uint64_t *numbers[MAX_COLUMNS + 1];
    for (int j = 0; j < n; j++)
        numbers[j] = u[j].number;
    if (!rc && r->sc->outcome)
        rc = ristra__known_build(&r->known, r->sc, numbers, n);
    if (!rc) {
        for (int64_t i = 0; i < r->sc->n; i++)
            count_patient(&r->area, r, i);
        rc = audit_area(r);
    }
    for (int j = 0; j < n && !rc; j++)
        rc = audit_groups(r, &u[j].g, u[j].number, j, u[j].n_groups, u[j].labels,
                          (const char *const *)u[j].names, u[j].own_label != NULL);
    free_numbered(u, n);
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
