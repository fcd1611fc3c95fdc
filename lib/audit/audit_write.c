/* The audit's tidy CSV: one row per grouping x group x cut-off x measure,
 * columns grouping,group,cut_off,tier,measure,estimate,lower,upper,
 * numerator,denominator (empty where a figure does not apply or is
 * undefined). Definitions: docs/audit.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/evaluate.h"
#include "../common/error_internal.h"
#include "../io/number_format_internal.h"
#include "../metrics/metrics_internal.h"
#include "audit_internal.h"

static const char HEADER[] =
    "grouping,group,cut_off,tier,measure,estimate,lower,upper,numerator,denominator\n";

int ristra__audit_write_header(ristra__output *o)
{
    return ristra__output_write(o, HEADER, sizeof HEADER - 1);
}

void ristra__ratio_to_whole(double *ratio, double *lower, double *upper, int64_t x1, int64_t n1,
                            int64_t x, int64_t n, double z)
{
    *ratio = *lower = *upper = NAN;
    if (n1 <= 0 || x <= 0)
        return;
    double p1 = (double)x1 / (double)n1, pa = (double)x / (double)n;
    *ratio = p1 / pa;
    if (x1 <= 0)
        return;
    int64_t n0 = n - n1, x0 = x - x1;
    double p0 = n0 > 0 ? (double)x0 / (double)n0 : 0.0;
    /* Var log(p1 / pa) = Var log p1 - 2 Cov(log p1, log pa) + Var log pa,
     * where pa = (n1 p1 + n0 p0) / n and the two parts are independent. */
    double v = (1.0 - p1) / ((double)n1 * p1) - 2.0 * (1.0 - p1) / ((double)n * pa) +
               ((double)n1 * p1 * (1.0 - p1) + (double)n0 * p0 * (1.0 - p0)) /
                   ((double)x * (double)x);
    double half = z * sqrt(v > 0.0 ? v : 0.0);
    *lower = *ratio * exp(-half);
    *upper = *ratio * exp(half);
}

/* One row being written. */
typedef struct row {
    const ristra__audit_table *t;
    const char *group;
    int64_t group_index;    /* in t->fig */
    int cut;                /* -1: a figure of the group, not of a cut-off */
} row;

static int keep_row(const row *r, const char *measure, double estimate, double lower,
                    double upper, int64_t numerator, int64_t denominator)
{
    ristra__audit_figures *f = r->t->fig;
    if (f->n_rows == f->row_cap) {
        int64_t cap = f->row_cap ? 2 * f->row_cap : 1024;
        ristra__audit_row *grown = realloc(f->row, (size_t)cap * sizeof *grown);
        if (!grown)
            return ristra__oom();
        f->row = grown, f->row_cap = cap;
    }
    f->row[f->n_rows++] = (ristra__audit_row){ r->group_index, r->cut, measure, estimate, lower,
                                               upper, numerator, denominator };
    f->group[r->group_index].n_rows++;
    return RISTRA_OK;
}

static int keep_group(ristra__audit_figures *f, const char *grouping, const char *name)
{
    if (f->n_groups == f->group_cap) {
        int64_t cap = f->group_cap ? 2 * f->group_cap : 64;
        ristra__audit_group *g = realloc(f->group, (size_t)cap * sizeof *g);
        if (!g)
            return ristra__oom();
        f->group = g, f->group_cap = cap;
    }
    ristra__audit_group *g = &f->group[f->n_groups];
    memset(g, 0, sizeof *g);
    g->grouping = grouping;
    g->first_row = f->n_rows;
    if (!(g->name = strdup(name)))
        return ristra__oom();
    f->n_groups++;
    return RISTRA_OK;
}

void ristra__audit_figures_free(ristra__audit_figures *f)
{
    for (int64_t j = 0; j < f->n_groups; j++)
        free(f->group[j].name), free(f->group[j].owns_bins ? f->group[j].bins : NULL);
    free(f->group), free(f->row);
    memset(f, 0, sizeof *f);
}

static char *put(char *s, const char *text)
{
    size_t len = strlen(text);
    memcpy(s, text, len);
    return s + len;
}

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static char *put_field(char *s, const char *text, const char *end)
{
    if (!strpbrk(text, ",\"\r\n"))
        return (size_t)(end - s) > strlen(text) ? put(s, text) : s;
    *s++ = '"';
    for (; *text && end - s > 3; text++) {
        if (*text == '"')
            *s++ = '"';
        *s++ = *text;
    }
    *s++ = '"';
    return s;
}

static char *put_number(char *s, double x)
{
    if (!isfinite(x))
        return s;
    return s + ristra__format_double(s, x);
}

static char *put_count(char *s, int64_t v)
{
    return v < 0 ? s : s + ristra__format_int64(s, v);
}

static int emit(const row *r, const char *measure, double estimate, double lower, double upper,
                int64_t numerator, int64_t denominator)
{
    int rc = keep_row(r, measure, estimate, lower, upper, numerator, denominator);
    if (rc || !r->t->out)
        return rc;
    char line[1024], *s = line, *const end = line + sizeof line - 6 * 32;
    s = put_field(s, r->t->grouping->name, end), *s++ = ',';
    s = put_field(s, r->group, end), *s++ = ',';
    if (r->cut >= 0) {
        s = put_number(s, r->t->tier_cut[r->cut]), *s++ = ',';
        s = put_field(s, r->t->tier_names[r->cut], end);
    } else {
        *s++ = ',';
    }
    *s++ = ',';
    s = put(s, measure), *s++ = ',';
    s = put_number(s, estimate), *s++ = ',';
    s = put_number(s, lower), *s++ = ',';
    s = put_number(s, upper), *s++ = ',';
    s = put_count(s, numerator), *s++ = ',';
    s = put_count(s, denominator), *s++ = '\n';
    return ristra__output_write(r->t->out, line, (size_t)(s - line));
}

static int emit_proportion(const row *r, const char *measure, int64_t x, int64_t n)
{
    double lower, upper;
    ristra__wilson(&lower, &upper, x, n, r->t->z);
    return emit(r, measure, n > 0 ? (double)x / (double)n : NAN, lower, upper, x, n);
}

static int emit_ratio(const row *r, const char *measure, int64_t x1, int64_t n1, int64_t x,
                      int64_t n)
{
    double ratio, lower, upper;
    ristra__ratio_to_whole(&ratio, &lower, &upper, x1, n1, x, n, r->t->z);
    return emit(r, measure, ratio, lower, upper, -1, -1);
}

/* The figures of group g at cut-off k. */
static int emit_cut(const row *r, const ristra__group_counts *g, int k)
{
    const ristra__cut_counts *c = &g->cut[k], *a = &r->t->area->cut[k];
    int rc = emit_proportion(r, "share_selected", c->selected, g->n);
    if (rc || !r->t->fit)
        return rc;
    int64_t tp = c->true_positive, fp = c->selected_known - tp, fn = g->events - tp;
    int64_t tn = g->known - g->events - fp;
    const ristra__group_counts *all = r->t->area;
    if (!rc) rc = emit_proportion(r, "sensitivity", tp, g->events);
    if (!rc) rc = emit_proportion(r, "specificity", tn, tn + fp);
    if (!rc) rc = emit_proportion(r, "ppv", tp, tp + fp);
    if (!rc) rc = emit_proportion(r, "false_omission_rate", fn, fn + tn);
    if (!rc) rc = emit_proportion(r, "false_discovery_rate", fp, tp + fp);
    if (!rc) rc = emit_proportion(r, "false_negative_rate", fn, g->events);
    if (!rc)
        rc = emit_ratio(r, "demographic_parity_ratio", c->selected, g->n, a->selected, all->n);
    if (!rc)
        rc = emit_ratio(r, "equal_opportunity_ratio", tp, g->events, a->true_positive,
                        all->events);
    return rc;
}

/* The figures of group number j that do not depend on a cut-off. */
static int emit_group(const row *r, const ristra__group_counts *g, int64_t j)
{
    int rc = emit(r, "list_size", (double)g->n, NAN, NAN, -1, -1);
    if (rc || !r->t->fit)
        return rc;
    const ristra__group_fit *s = &r->t->fit[j];
    double nan = NAN;
    int none = s->n == 0;
    rc = emit_proportion(r, "observed_rate", g->events, g->known);
    if (!rc) rc = emit(r, "expected", g->expected_known, nan, nan, -1, -1);
    if (!rc) rc = emit(r, "observed_expected", none ? nan : s->oe, nan, nan, -1, -1);
    if (!rc)
        rc = emit(r, "calibration_in_the_large", none ? nan : s->citl, nan, nan, -1, -1);
    if (!rc) rc = emit(r, "calibration_slope", none ? nan : s->slope, nan, nan, -1, -1);
    if (!rc)
        rc = emit(r, "auroc", none ? nan : s->auroc, none ? nan : s->auroc_lower,
                  none ? nan : s->auroc_upper, -1, -1);
    return rc;
}

int ristra__audit_write_table(const ristra__audit_table *t, int64_t *first_group)
{
    *first_group = t->fig->n_groups;
    for (int64_t j = 0; j < t->n_groups; j++) {
        char name[64];
        const char *group = t->group_names ? t->group_names[j] : name;
        if (!t->group_names)
            ristra_group_name(name, sizeof name, t->grouping->kind, t->labels[j]);
        row r = { t, group, t->fig->n_groups, -1 };
        int rc = keep_group(t->fig, t->grouping->name, group);
        if (!rc)
            rc = emit_group(&r, &t->counts[j], j);
        for (int k = 0; k < t->n_tiers && !rc; k++) {
            r.cut = k;
            rc = emit_cut(&r, &t->counts[j], k);
        }
        if (rc)
            return rc;
    }
    return RISTRA_OK;
}
