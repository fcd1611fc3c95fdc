/* The report's figure cells: each one an audit row (the CSV's), formatted,
 * or suppressed when it is built on a count of 1 to 7 (docs/report.md). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_page_internal.h"
#include "svg_internal.h"

int64_t ristra__report_group(const ristra__audit_figures *f, const char *grouping,
                             const char *name)
{
    for (int64_t j = 0; j < f->n_groups; j++)
        if (strcmp(f->group[j].grouping, grouping) == 0 && strcmp(f->group[j].name, name) == 0)
            return j;
    return -1;
}

static const ristra__audit_row *find(const ristra__audit_figures *f, int64_t g, int cut,
                                     const char *measure)
{
    const ristra__audit_group *gr = &f->group[g];
    for (int64_t i = gr->first_row; i < gr->first_row + gr->n_rows; i++)
        if (f->row[i].cut == cut && strcmp(f->row[i].measure, measure) == 0)
            return &f->row[i];
    return NULL;
}

static int small(int64_t n) { return n >= 1 && n <= 7; }

int ristra__report_shows(const ristra__report_page *p, int64_t x, int64_t n)
{
    return !p->suppress || (!small(x) && !small(n - x));
}

void ristra__report_count(ristra__report_page *p, int64_t n)
{
    char text[32];
    if (p->suppress)
        ristra__suppressed_count_text(text, sizeof text, n);
    else
        snprintf(text, sizeof text, "%lld", (long long)n);
    ristra__svg_escape(&p->t, text);
}

/* The row whose counts decide whether a figure may be shown. */
static const ristra__audit_row *basis(const ristra__audit_figures *f, int64_t g, int cut,
                                      const char *m, const ristra__audit_row *row)
{
    if (strcmp(m, "demographic_parity_ratio") == 0)
        return find(f, g, cut, "share_selected");
    if (strcmp(m, "equal_opportunity_ratio") == 0)
        return find(f, g, cut, "sensitivity");
    if (cut < 0 && strcmp(m, "list_size") && strcmp(m, "observed_rate"))
        return find(f, g, -1, "observed_rate");
    return row;
}

static int shown(const ristra__report_page *p, int64_t g, int cut, const char *m,
                 const ristra__audit_row *row)
{
    if (!p->suppress)
        return 1;
    const ristra__audit_figures *f = p->in->fig;
    const ristra__audit_row *size = find(f, g, -1, "list_size");
    if (size && small((int64_t)size->estimate) && strcmp(m, "list_size"))
        return 0;
    const ristra__audit_row *b = basis(f, g, cut, m, row);
    if (!b || b->denominator < 0)
        return 1;
    return ristra__report_shows(p, b->numerator, b->denominator);
}

/* A number as the report shows it: a proportion as a percentage to one
 * decimal, AUROC to three, expected admissions to one, any other to two. */
static void put_number(ristra__text *t, const char *m, int pct, double v)
{
    if (pct)
        ristra__text_put(t, "%.1f", 100.0 * v);
    else if (strcmp(m, "auroc") == 0)
        ristra__text_put(t, "%.3f", v);
    else if (strcmp(m, "expected") == 0)
        ristra__text_put(t, "%.1f", v);
    else
        ristra__text_put(t, "%.2f", v);
}

static void put_value(ristra__text *t, const char *m, const ristra__audit_row *r)
{
    int pct = r->denominator >= 0;
    ristra__text_put(t, "<span class=\"est\">");
    put_number(t, m, pct, r->estimate);
    ristra__text_put(t, "%s</span>", pct ? "%" : "");
    if (isfinite(r->lower) && isfinite(r->upper)) {
        ristra__text_put(t, " <span class=\"ci\">(");
        put_number(t, m, pct, r->lower);
        ristra__text_put(t, "\xe2\x80\x93"); /* en dash */
        put_number(t, m, pct, r->upper);
        ristra__text_put(t, ")</span>");
    }
}

static void cell(ristra__report_page *p, int64_t g, int cut, const char *measure, int numerator);

void ristra__report_cell(ristra__report_page *p, int64_t g, int cut, const char *measure,
                         int numerator)
{
    int own = p->suppress;
    if (g >= 0 && strcmp(p->in->fig->group[g].grouping, "area") == 0)
        p->suppress = p->suppress_area;
    cell(p, g, cut, measure, numerator);
    p->suppress = own;
}

static void cell(ristra__report_page *p, int64_t g, int cut, const char *measure, int numerator)
{
    const ristra__audit_figures *f = p->in->fig;
    const ristra__audit_row *r = g >= 0 ? find(f, g, cut, measure) : NULL;
    ristra__text *t = &p->t;
    ristra__text_put(t, "<td data-measure=\"%s\"%s", measure,
                     numerator ? " data-field=\"numerator\"" : "");
    if (g >= 0) {
        ristra__text_put(t, " data-grouping=\"");
        ristra__svg_escape(t, f->group[g].grouping);
        ristra__text_put(t, "\" data-group=\"");
        ristra__svg_escape(t, f->group[g].name);
        ristra__text_put(t, "\" data-tier=\"");
        ristra__svg_escape(t, cut >= 0 ? f->tier_name[cut] : "");
        ristra__text_put(t, "\"");
    }
    if (!r || (numerator ? r->numerator < 0 : !isfinite(r->estimate))) {
        ristra__text_put(t, " class=\"na\">\xe2\x80\x93</td>");
        return;
    }
    if (numerator || strcmp(measure, "list_size") == 0) {
        ristra__text_put(t, ">");
        ristra__report_count(p, numerator ? r->numerator : (int64_t)r->estimate);
        ristra__text_put(t, "</td>");
        return;
    }
    if (!shown(p, g, cut, measure, r)) {
        ristra__text_put(t, " class=\"suppressed\" data-suppressed=\"1\">*</td>");
        return;
    }
    ristra__text_put(t, ">");
    put_value(t, measure, r);
    ristra__text_put(t, "</td>");
}
