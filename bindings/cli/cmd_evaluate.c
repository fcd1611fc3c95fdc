/* ristra evaluate: a model's predicted risks against observed outcomes,
 * overall and by subgroup. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/evaluate.h>
#include <ristra/population.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra evaluate --model MODEL --input FILE --outcome COL [options]\n"
    "\n"
    "Scores every patient of a population file with the model and compares the\n"
    "risks with the observed outcomes (0/1): AUROC with its DeLong confidence\n"
    "interval, average precision, Brier score, calibration-in-the-large,\n"
    "calibration intercept and slope, observed/expected by risk bin, and the\n"
    "patients flagged, sensitivity and PPV at each tier cut-point; with --by,\n"
    "the same for each subgroup. Rows that cannot be scored or have no outcome\n"
    "are left out and counted. Definitions: README.md, \"Evaluating a model\".\n"
    "\n"
    "  --model MODEL          model file\n"
    "  --input FILE           population file (CSV, plain or gzip)\n"
    "  --outcome COL          outcome column, 0 or 1 (empty: left out)\n"
    "  --by GROUP             also by practice, age_band (0-17, 18-44, 45-64, 65-74,\n"
    "                         75-84, 85+), sex or deprivation (IMD decile)\n"
    "  --age-column COL       age in years, for --by age_band (default age)\n"
    "  --sex-column COL       1 = female, 0 = male, for --by sex (default female)\n"
    "  --deprivation-column COL  IMD decile 1-10, for --by deprivation\n"
    "                         (default imd_decile)\n"
    "  --tiers C1,C2,...      tier cut-points as fractions (0.02) or percentages\n"
    "                         (2%) of the list (default 0.5%,2%,5%,20%)\n"
    "  --bins N               calibration bins (default 10: deciles)\n"
    "  --flag-scope SCOPE     within (default: each group's own top C) or overall\n"
    "                         (each group's members among everyone's top C)\n"
    "  --level L              confidence level of the intervals (default 0.95)\n"
    "  --plot FILE.svg        calibration plot of all patients (SVG)\n"
    "  --output-csv FILE      the figures of every group, one row each, as CSV\n"
    "  --threads N            threads; 0 = one per CPU (default)\n"
    "  --id-kind K            nhs (default) or pseudonym (see ristra pseudonymise)\n"
    "  --id-column COL        identifier column (default nhs_number, or pseudonym)\n"
    "  --practice-column COL  practice column (default practice)\n";

enum group_by { BY_NONE, BY_PRACTICE, BY_AGE_BAND, BY_SEX, BY_DEPRIVATION };

/* The library's grouping (ristra/audit.h) of each --by; practices are ranked
 * by ristra_population_collect() itself. */
static const int GROUPING[] = { 0, 0, RISTRA_GROUPING_AGE_BAND, RISTRA_GROUPING_SEX,
                                RISTRA_GROUPING_DEPRIVATION_DECILE };

typedef struct eval_args {
    const char *model, *input, *outcome, *by, *age_column, *sex_column, *imd_column;
    const char *tiers, *bins, *scope, *level, *plot, *csv, *threads;
    const char *id_kind, *id_column, *practice_column;
    int group_by;
    int n_threads;
    double cut_points[RISTRA_EVALUATE_MAX_CUT_POINTS];   /* --tiers, for the options */
} eval_args;

/* "0.5%,2%,0.05" -> fractions, by the library's one reader of tier text. */
static int parse_tiers(ristra_evaluate_options *o, double *cut_points, const char *text)
{
    if (ristra_tiers_parse(cut_points, RISTRA_EVALUATE_MAX_CUT_POINTS, &o->n_cut_points, text))
        return cli_usage_error("evaluate", USAGE, "--tiers: %s", ristra_last_error());
    o->cut_points = cut_points;
    return CLI_OK;
}

static int parse_args(eval_args *a, ristra_evaluate_options *o, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    cli_option opts[] = {
        { "model", &a->model, NULL },
        { "input", &a->input, NULL },
        { "outcome", &a->outcome, NULL },
        { "by", &a->by, NULL },
        { "age-column", &a->age_column, NULL },
        { "sex-column", &a->sex_column, NULL },
        { "deprivation-column", &a->imd_column, NULL },
        { "tiers", &a->tiers, NULL },
        { "bins", &a->bins, NULL },
        { "flag-scope", &a->scope, NULL },
        { "level", &a->level, NULL },
        { "plot", &a->plot, NULL },
        { "output-csv", &a->csv, NULL },
        { "threads", &a->threads, NULL },
        { "id-kind", &a->id_kind, NULL },
        { "id-column", &a->id_column, NULL },
        { "practice-column", &a->practice_column, NULL },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("evaluate", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc;
    if (!a->model || !a->input || !a->outcome)
        return cli_usage_error("evaluate", USAGE, "--model, --input and --outcome are required");
    static const char *const by_names[] = { "", "practice", "age_band", "sex", "deprivation" };
    a->group_by = BY_NONE;
    for (int g = 1; a->by && g < 5; g++)
        if (!strcmp(a->by, by_names[g]))
            a->group_by = g;
    if (a->by && a->group_by == BY_NONE)
        return cli_usage_error("evaluate", USAGE,
                               "--by must be practice, age_band, sex or deprivation, got \"%s\"",
                               a->by);
    a->age_column = a->age_column ? a->age_column : "age";
    a->sex_column = a->sex_column ? a->sex_column : "female";
    a->imd_column = a->imd_column ? a->imd_column : "imd_decile";
    if (a->tiers && (rc = parse_tiers(o, a->cut_points, a->tiers)))
        return rc;
    int64_t v;
    if (a->bins) {
        if ((rc = cli_parse_int64("evaluate", "--bins", a->bins, &v)))
            return rc;
        if (v < 1 || v > RISTRA_EVALUATE_MAX_BINS)
            return cli_usage_error("evaluate", USAGE, "--bins must be 1..%d, got %s",
                                   RISTRA_EVALUATE_MAX_BINS, a->bins);
        o->n_bins = (int)v;
    }
    if (a->scope) {
        if (!strcmp(a->scope, "within"))
            o->flag_scope = RISTRA_FLAG_WITHIN_GROUP;
        else if (!strcmp(a->scope, "overall"))
            o->flag_scope = RISTRA_FLAG_OVERALL;
        else
            return cli_usage_error("evaluate", USAGE,
                                   "--flag-scope must be within or overall, got \"%s\"", a->scope);
    }
    if (a->level) {
        if ((rc = cli_parse_double("evaluate", "--level", a->level, &o->confidence_level)))
            return rc;
        if (!(o->confidence_level > 0 && o->confidence_level < 1))
            return cli_usage_error("evaluate", USAGE, "--level must lie in (0, 1), got %s",
                                   a->level);
    }
    a->n_threads = 0;
    if (a->threads && (rc = cli_parse_threads("evaluate", a->threads, &a->n_threads)))
        return rc;
    o->n_threads = a->n_threads;
    return CLI_OK;
}

/* ------------------------------------------------------------ groups */

typedef struct groups {
    int32_t *label;        /* one per patient, -1 for unknown; NULL without groups */
    const ristra_collected *rows;
    int group_by;
} groups;

/* Labels every patient: the rank of the practice's code, or the library's
 * grouping of the --by column. */
static int label_patients(groups *g, const char *column)
{
    int64_t n = ristra_collected_n_rows(g->rows);
    if (g->group_by == BY_PRACTICE) {
        memcpy(g->label, ristra_collected_practice(g->rows), (size_t)n * sizeof *g->label);
        return RISTRA_OK;
    }
    int rc = ristra_collected_group(g->label, g->rows, GROUPING[g->group_by], column);
    for (int64_t i = 0; !rc && i < n; i++)
        if (g->label[i] == RISTRA_GROUP_UNKNOWN)
            g->label[i] = -1;
    return rc;
}

/* The name of a group label, in buf. */
static const char *group_name(char *buf, size_t size, const groups *g, int32_t label)
{
    if (label < 0)
        return "unknown";
    if (g->group_by == BY_PRACTICE)
        return ristra_collected_practice_code(g->rows, label);
    return ristra_group_name(buf, size, GROUPING[g->group_by], label) < 0 ? "unknown" : buf;
}

/* ------------------------------------------------------------ printing */

static ristra_group_summary summary_of(const ristra_evaluation *e, int64_t g)
{
    ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
    ristra_evaluation_summary(&s, e, g);
    return s;
}

static void print_overall(const ristra_evaluation *e, const ristra_evaluate_options *o)
{
    ristra_group_summary s = summary_of(e, RISTRA_EVALUATION_OVERALL);
    printf("\nAll patients: %lld, events %lld (%.2f%%), expected %.1f (mean risk %.2f%%)\n",
           (long long)s.n, (long long)s.events, 100 * s.observed_rate, s.expected,
           100 * s.mean_risk);
    printf("  AUROC                     %.4f (%g%% CI %.4f to %.4f, DeLong)\n", s.auroc,
           100 * o->confidence_level, s.auroc_ci_lower, s.auroc_ci_upper);
    printf("  average precision         %.4f\n", s.average_precision);
    printf("  Brier score               %.5f\n", s.brier);
    printf("  observed / expected       %.4f\n", s.oe_ratio);
    printf("  calibration-in-the-large  %+.5f (observed rate - mean risk)\n",
           s.calibration_in_the_large);
    printf("  calibration intercept     %+.4f (slope fixed at 1)\n", s.calibration_intercept);
    printf("  calibration slope         %.4f (intercept %+.4f)\n", s.calibration_slope,
           s.calibration_slope_intercept);

    printf("\nCalibration by risk %s (lowest risks first):\n",
           o->n_bins == 10 ? "decile" : "bin");
    printf("  %4s  %9s  %8s  %10s  %10s  %8s  %21s\n", "bin", "patients", "events", "mean risk",
           "observed", "O/E", "observed 95% CI");
    for (int64_t b = 0; b < o->n_bins; b++) {
        ristra_calibration_bin c = RISTRA_CALIBRATION_BIN_INIT;
        ristra_evaluation_bin(&c, e, RISTRA_EVALUATION_OVERALL, b);
        printf("  %4lld  %9lld  %8lld  %10.5f  %10.5f  %8.3f  %10.5f-%-10.5f\n",
               (long long)b + 1, (long long)c.n, (long long)c.events, c.mean_risk,
               c.observed_rate, c.oe_ratio, c.observed_lower, c.observed_upper);
    }
    printf("\nTier cut-points:\n  %8s  %9s  %8s  %10s  %11s  %8s\n", "top", "flagged", "events",
           "threshold", "sensitivity", "PPV");
    for (int64_t k = 0; k < ristra_evaluation_n_cut_points(e); k++) {
        ristra_cut_point_summary c = RISTRA_CUT_POINT_SUMMARY_INIT;
        ristra_evaluation_cut_point(&c, e, RISTRA_EVALUATION_OVERALL, k);
        printf("  %7g%%  %9lld  %8lld  %10.5f  %11.4f  %8.4f\n", 100 * c.fraction,
               (long long)c.n_flagged, (long long)c.events_flagged, c.threshold, c.sensitivity,
               c.ppv);
    }
}

static void print_groups(const ristra_evaluation *e, const ristra_evaluate_options *o,
                         const groups *g, const char *by)
{
    int64_t ng = ristra_evaluation_n_groups(e);
    char buf[32];
    printf("\nBy %s:\n", cli_esc(by));
    printf("  %-10s  %8s  %7s  %24s  %7s  %8s  %9s  %7s  %7s\n", "group", "patients", "events",
           "AUROC (95% CI)", "AP", "Brier", "CITL", "slope", "O/E");
    for (int64_t k = 0; k < ng; k++) {
        ristra_group_summary s = summary_of(e, k);
        printf("  %-10s  %8lld  %7lld  %.4f (%.4f-%.4f)  %7.4f  %8.5f  %+9.5f  %7.4f  %7.4f\n",
               cli_esc(group_name(buf, sizeof buf, g, s.label)), (long long)s.n, (long long)s.events,
               s.auroc, s.auroc_ci_lower, s.auroc_ci_upper, s.average_precision, s.brier,
               s.calibration_in_the_large, s.calibration_slope, s.oe_ratio);
    }
    printf("\nObserved / expected by risk %s, by %s:\n  %-10s",
           o->n_bins == 10 ? "decile" : "bin", cli_esc(by), "group");
    for (int64_t b = 0; b < o->n_bins; b++)
        printf("  %6lld", (long long)b + 1);
    printf("\n");
    for (int64_t k = 0; k < ng; k++) {
        printf("  %-10s", cli_esc(group_name(buf, sizeof buf, g, summary_of(e, k).label)));
        for (int64_t b = 0; b < o->n_bins; b++) {
            ristra_calibration_bin c = RISTRA_CALIBRATION_BIN_INIT;
            ristra_evaluation_bin(&c, e, k, b);
            printf("  %6.3f", c.oe_ratio);
        }
        printf("\n");
    }
    printf("\nTier cut-points by %s (%s):\n  %-10s  %8s  %9s  %8s  %11s  %8s\n", cli_esc(by),
           o->flag_scope == RISTRA_FLAG_OVERALL ? "flagged from everyone's list"
                                                : "each group's own top",
           "group", "top", "flagged", "events", "sensitivity", "PPV");
    for (int64_t k = 0; k < ng; k++)
        for (int64_t c = 0; c < ristra_evaluation_n_cut_points(e); c++) {
            ristra_cut_point_summary p = RISTRA_CUT_POINT_SUMMARY_INIT;
            ristra_evaluation_cut_point(&p, e, k, c);
            printf("  %-10s  %7g%%  %9lld  %8lld  %11.4f  %8.4f\n",
                   cli_esc(group_name(buf, sizeof buf, g, summary_of(e, k).label)), 100 * p.fraction,
                   (long long)p.n_flagged, (long long)p.events_flagged, p.sensitivity, p.ppv);
        }
}

/* ------------------------------------------------------------ CSV */

/* The library writes the CSV; the front end names the groups. */
static int write_csv(const char *path, const ristra_evaluation *e, const groups *g,
                     const char *by)
{
    int64_t ng = ristra_evaluation_n_groups(e);
    char (*buf)[32] = malloc((size_t)(ng > 0 ? ng : 1) * sizeof *buf);
    const char **names = malloc((size_t)(ng > 0 ? ng : 1) * sizeof *names);
    int rc = buf && names ? RISTRA_OK : RISTRA_ENOMEM;
    for (int64_t k = 0; !rc && k < ng; k++)
        names[k] = group_name(buf[k], sizeof buf[k], g, summary_of(e, k).label);
    if (!rc)
        rc = ristra_evaluation_write_csv(e, path, by, names);
    free(buf);
    free(names);
    return rc ? cli_fail("evaluate", rc, "cannot write %s", path) : CLI_OK;
}

/* ------------------------------------------------------------ run */

static int evaluate(const eval_args *a, const ristra_model *model, ristra_evaluate_options *o)
{
    const char *column = a->group_by == BY_AGE_BAND ? a->age_column
                         : a->group_by == BY_SEX    ? a->sex_column
                         : a->group_by == BY_DEPRIVATION ? a->imd_column
                                                         : NULL;
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    int rc = cli_population_ids("evaluate", &po, a->id_kind, a->id_column, a->practice_column);
    if (rc)
        return rc;
    po.outcome_column = a->outcome;
    po.outcome_required = 1;
    po.extra_columns = column ? &column : NULL; /* it may be a feature as well */
    po.n_extra = column ? 1 : 0;
    po.n_threads = a->n_threads;
    ristra_collected *rows = NULL;
    rc = cli_collect(&rows, "evaluate", a->input, model, &po, 0, 0, a->n_threads);
    if (rc)
        return rc;
    int64_t n = ristra_collected_n_rows(rows);
    groups g = { NULL, rows, a->group_by };
    ristra_evaluation *e = NULL;
    if (!n) {
        rc = cli_fail("evaluate", 0, "%s: no patient could be scored with a known outcome",
                      a->input);
    } else if (g.group_by && !(g.label = malloc((size_t)n * sizeof *g.label))) {
        rc = cli_fail("evaluate", 0, "out of memory");
    } else {
        int ret = g.group_by ? label_patients(&g, column) : 0;
        if (!ret)
            ret = ristra_evaluate(&e, ristra_collected_risk(rows), ristra_collected_outcome(rows),
                                  n, g.label, o);
        if (ret)
            rc = cli_fail("evaluate", ret, "cannot evaluate");
    }
    if (e) {
        print_overall(e, o);
        if (a->group_by)
            print_groups(e, o, &g, a->by);
        if (a->plot) {
            char title[512];
            snprintf(title, sizeof title, "Calibration of %s on %s", a->model, a->input);
            int ret = ristra_evaluation_write_calibration_svg(e, RISTRA_EVALUATION_OVERALL,
                                                              a->plot, title);
            rc = ret ? cli_fail("evaluate", ret, "cannot write the plot") : rc;
            if (!ret)
                printf("\nwrote %s\n", cli_esc(a->plot));
        }
        if (a->csv && rc == CLI_OK) {
            rc = write_csv(a->csv, e, &g, a->group_by ? a->by : "all");
            if (rc == CLI_OK)
                printf("wrote %s\n", cli_esc(a->csv));
        }
    }
    free(g.label);
    ristra_evaluation_free(e);
    ristra_collected_free(rows);
    return rc;
}

static int run(int argc, char **argv)
{
    eval_args a;
    memset(&a, 0, sizeof a);
    ristra_evaluate_options o = RISTRA_EVALUATE_OPTIONS_INIT;
    int rc = parse_args(&a, &o, argc, argv);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    ristra_model *model = NULL;
    rc = ristra_model_load(&model, a.model);
    if (rc)
        return cli_fail("evaluate", rc, "cannot load the model");
    rc = evaluate(&a, model, &o);
    ristra_model_free(model);
    return rc;
}

const cli_command cli_cmd_evaluate = { "evaluate",
                                       "validate a model's risks against observed outcomes",
                                       run };
