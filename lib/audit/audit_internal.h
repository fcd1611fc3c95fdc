/* The subgroup audit inside ristra_score_file(): the grouping values of
 * each scored patient are kept as the blocks go by (audit.c); once the
 * list is stratified, the figures are computed at the tiers it applied
 * (audit_measures.c) and written as tidy CSV (audit_write.c). */
#ifndef RISTRA_AUDIT_INTERNAL_H
#define RISTRA_AUDIT_INTERNAL_H

#include "ristra/audit.h"
#include "ristra/batch.h"
#include "ristra/evaluate.h"
#include "../io/output_internal.h"
#include "../stratify/stratify_internal.h"

typedef struct ristra__audit ristra__audit;

/* Checks the options and opens path (temporary until committed, created
 * with file_mode as the run's other outputs: ristra__output_open_mode()).
 * gzip_level as ristra__output_open(). path NULL: no CSV, the figures are
 * only kept in memory (for the report). */
int ristra__audit_open(ristra__audit **out, const ristra_audit_options *opts, const char *path,
                       int gzip_level, int file_mode);

/* The numeric columns the reader must read (as its extra columns, in this
 * order) for the groupings. */
const char *const *ristra__audit_columns(const ristra__audit *a, int64_t *n_out);

/* Keeps the next scored patient's grouping values: extra holds the
 * values of ristra__audit_columns(), in order. */
int ristra__audit_keep(ristra__audit *a, const double *extra);

/* Computes every figure at the tiers st applied to the patients kept
 * (in the same order as scored's) and writes the CSV, not yet committed. */
int ristra__audit_finish(ristra__audit *a, const ristra__stratification *st,
                         const ristra__scored *scored, const char *const *tier_names);

/* The output, for the caller to finish and commit with its others; the
 * audit no longer owns it. */
ristra__output *ristra__audit_take_output(ristra__audit *a);

void ristra__audit_free(ristra__audit *a);

/* ------------------------------------------------------------ the figures kept
 * Every row of the CSV is also kept in memory, so that the report
 * (lib/report) shows exactly the figures the CSV holds. */

typedef struct ristra__audit_row {
    int64_t group;              /* index into ristra__audit_figures.group */
    int cut;                    /* -1: a figure of the group, not of a cut-off */
    const char *measure;        /* a string literal: "ppv", "list_size", ... */
    double estimate, lower, upper;
    int64_t numerator, denominator; /* -1: none */
} ristra__audit_row;

/* Upper edges of the risk bands of the report's risk distribution. */
enum { RISTRA__RISK_BANDS = 8 };
extern const double ristra__risk_band_upper[RISTRA__RISK_BANDS];

typedef struct ristra__audit_group {
    const char *grouping;       /* "area", "practice", "age_band", a column */
    char *name;                 /* "all", a practice code, "65-74", ... */
    int64_t first_row, n_rows;  /* its rows, consecutive */
    /* area and practices only (n_bins 0 otherwise): calibration by decile of
     * risk among the known and patients by risk band */
    int64_t n_bins;
    ristra_calibration_bin *bins;   /* into a block the grouping's first group owns */
    int owns_bins;
    int64_t band[RISTRA__RISK_BANDS];
} ristra__audit_group;

typedef struct ristra__audit_figures {
    ristra__audit_row *row;
    int64_t n_rows, row_cap;
    ristra__audit_group *group;
    int64_t n_groups, group_cap;
    int n_tiers;
    double tier_cut[RISTRA_MAX_TIERS];
    const char *tier_name[RISTRA_MAX_TIERS];  /* valid while the caller's names are */
    int has_outcome;
} ristra__audit_figures;

/* After ristra__audit_finish(): the figures, owned by the audit. */
const ristra__audit_figures *ristra__audit_figures_of(const ristra__audit *a);

/* ------------------------------------------------------------ shared inside the module */

/* One grouping of the patients, as its rows name it. */
typedef struct ristra__grouping {
    const char *name;           /* "area", "practice", "age_band", a column */
    int kind;                   /* a ristra_grouping; 0 for area and practice */
} ristra__grouping;

/* Counts of one group at one cut-off: everyone, and those with a known outcome. */
typedef struct ristra__cut_counts {
    int64_t selected;           /* in this tier or a tighter one */
    int64_t selected_known;     /* of whom with a known outcome */
    int64_t true_positive;      /* of whom with outcome 1 */
} ristra__cut_counts;

typedef struct ristra__group_counts {
    int64_t n, known, events;
    double expected_known;      /* sum of risks among the known */
    ristra__cut_counts cut[RISTRA_MAX_TIERS];
} ristra__group_counts;

/* The patients with a known outcome in the stratification's order
 * (audit_measures.c), and room to lay out one grouping at a time. */
typedef struct ristra__known {
    int64_t m;                  /* patients with a known outcome */
    uint32_t *patient;          /* m scored patients: highest risk first, ties in input order */
    uint8_t *y;                 /* m: the outcome of each */
    uint32_t *run;              /* m: the run of equal risk of each */
    int64_t n_runs;
    double *run_risk, *run_x;   /* n_runs: the risk and the log-odds of each run */
    /* one grouping: its patients group by group, and its groups' runs */
    uint32_t *g_run;            /* m: run, in group order */
    uint8_t *g_y;               /* m: outcome, plus 2 on the first patient of a group's run */
    double *r_x;                /* a group's run: its log-odds */
    uint32_t *r_start, *r_pos;  /* a group's run: its first patient (in g_), its events */
} ristra__known;

/* Reads the known patients off st's ranks (scored as st's). */
int ristra__known_build(ristra__known *k, const ristra__scored *sc,
                        const ristra__stratification *st);
void ristra__known_free(ristra__known *k);

/* The figures of one group among its patients with a known outcome
 * (those of ristra_evaluate(): n 0 when there is none). */
typedef struct ristra__group_fit {
    int64_t n, events;
    double oe, citl, slope, auroc, auroc_lower, auroc_upper;
} ristra__group_fit;

/* Each group's figures, number[i] (i a scored patient) being the group
 * of patient i in 0 .. n_groups - 1, or number NULL for one group of
 * everyone, whose counts (counts[g].known) are already made; bins
 * (n_groups x n_bins, or NULL) receive each group's calibration bins.
 * Uses k's room for one grouping. */
int ristra__fit_groups(ristra__group_fit *fit, ristra_calibration_bin *bins, int64_t n_bins,
                       ristra__known *k, const uint32_t *number,
                       const ristra__group_counts *counts, int64_t n_groups,
                       double confidence_level);

/* One group's patients with a known outcome, highest risk first, as runs
 * of equal risk: run j holds patients start[j] .. start[j + 1] - 1 of y,
 * pos[j] of them with outcome 1, all of log-odds x[j]. y: the outcome in
 * bit 0, and 2 on the first patient of each run. */
typedef struct ristra__audit_runs {
    int64_t n, n_runs;
    const double *x;
    const uint32_t *start;      /* n_runs + 1 */
    const uint32_t *pos;
    const uint8_t *y;
} ristra__audit_runs;

/* ristra__fit_calibration_slope() of the group, bit for bit
 * (audit_slope.c). */
void ristra__audit_fit_slope(double *a_out, double *b_out, const ristra__audit_runs *r);

/* Everything one grouping needs to write its rows. */
typedef struct ristra__audit_table {
    ristra__output *out;                /* NULL: rows kept, no CSV */
    ristra__audit_figures *fig;
    const ristra__grouping *grouping;
    int64_t n_groups;
    const int32_t *labels;              /* n_groups, ascending */
    const char *const *group_names;     /* n_groups, or NULL to name from labels */
    const ristra__group_counts *counts; /* n_groups */
    const ristra__group_counts *area;   /* the whole population */
    const ristra__group_fit *fit;       /* n_groups; NULL without outcomes */
    int n_tiers;
    const double *tier_cut;
    const char *const *tier_names;
    double z;                           /* the normal quantile of the level */
} ristra__audit_table;

int ristra__audit_write_header(ristra__output *o);
/* Keeps (and writes) the rows of every group of t; *first_group: the
 * index in t->fig of its first group. */
int ristra__audit_write_table(const ristra__audit_table *t, int64_t *first_group);
void ristra__audit_figures_free(ristra__audit_figures *f);

/* The ratio of the proportion x1 / n1 of a group to X / N of the whole
 * population it is part of, with the delta-method interval on the log
 * scale that accounts for the group being inside the whole. */
void ristra__ratio_to_whole(double *ratio, double *lower, double *upper, int64_t x1, int64_t n1,
                            int64_t x, int64_t n, double z);

#endif
