/* Inside the report: one page being drawn (report_page.c) and its figure
 * cells (report_cells.c). */
#ifndef RISTRA_REPORT_PAGE_INTERNAL_H
#define RISTRA_REPORT_PAGE_INTERNAL_H

#include "../common/text_internal.h"
#include "report_internal.h"

typedef struct ristra__report_page {
    ristra__text t;
    const ristra__report_input *in;
    const char *title;
    const char *model_name, *model_version, *intended_use; /* NULL: not in the metadata */
    int suppress;
    int suppress_area;          /* the area's rows keep the area page's rule */
} ristra__report_page;

void ristra__report_area_page(ristra__report_page *p);
void ristra__report_practice_page(ristra__report_page *p, int32_t practice);

/* The index of a group in the figures, or -1. */
int64_t ristra__report_group(const ristra__audit_figures *f, const char *grouping,
                             const char *name);
/* A count as the page shows it (suppressed or not), escaped. */
void ristra__report_count(ristra__report_page *p, int64_t n);
/* A <td> holding one figure of the audit: group's measure at cut (-1:
 * the group's own); numerator 1: the count the measure is built on
 * rather than the measure. */
void ristra__report_cell(ristra__report_page *p, int64_t group, int cut, const char *measure,
                         int numerator);
/* Whether the page shows a figure built on x of n (suppression). */
int ristra__report_shows(const ristra__report_page *p, int64_t x, int64_t n);

#endif
