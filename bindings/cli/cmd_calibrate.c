/* ristra calibrate: a model's calibration block refitted on local outcomes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/calibrate.h>
#include <ristra/evaluate.h>
#include <ristra/population.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra calibrate --model MODEL --input FILE --outcome COL\n"
    "                        --method intercept|logistic --output MODEL2 [options]\n"
    "\n"
    "Refits the model's calibration block on the patients of a population file\n"
    "with a known outcome, on the logit scale, and writes the recalibrated model\n"
    "(gzip when MODEL2 ends in .gz; replaced only once complete). Its metadata\n"
    "records the method, the population, the number of patients and events, and\n"
    "the date. Prints the evaluation on the same patients before and after.\n"
    "\n"
    "  --method intercept     shift the log-odds so that expected = observed\n"
    "                         (R: glm(y ~ 1 + offset(logit(p)), binomial))\n"
    "  --method logistic      new intercept and slope on the log-odds\n"
    "                         (R: glm(y ~ logit(p), binomial))\n"
    "  --population-name TEXT the population, in words (default: FILE and COL)\n"
    "  --date DATE            YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ recorded as the date\n"
    "                         (default: now, UTC)\n"
    "  --model-version TEXT   the new model's version (default: unchanged)\n"
    "  --threads N            threads; 0 = one per CPU (default)\n"
    "  --id-kind K            nhs (default) or pseudonym (see ristra pseudonymise)\n"
    "  --id-column COL        identifier column (default nhs_number, or pseudonym)\n"
    "  --practice-column COL  practice column (default practice)\n";

typedef struct calibrate_args {
    const char *model, *input, *outcome, *method, *output, *population, *date, *version;
    const char *threads, *id_kind, *id_column, *practice_column;
    int method_code, n_threads;
} calibrate_args;

static int parse_args(calibrate_args *a, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    cli_option opts[] = {
        { "model", &a->model, NULL },
        { "input", &a->input, NULL },
        { "outcome", &a->outcome, NULL },
        { "method", &a->method, NULL },
        { "output", &a->output, NULL },
        { "population-name", &a->population, NULL },
        { "date", &a->date, NULL },
        { "model-version", &a->version, NULL },
        { "threads", &a->threads, NULL },
        { "id-kind", &a->id_kind, NULL },
        { "id-column", &a->id_column, NULL },
        { "practice-column", &a->practice_column, NULL },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("calibrate", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc;
    if (!a->model || !a->input || !a->outcome || !a->method || !a->output)
        return cli_usage_error("calibrate", USAGE,
                               "--model, --input, --outcome, --method and --output are required");
    if (!strcmp(a->method, "intercept"))
        a->method_code = RISTRA_RECALIBRATE_INTERCEPT;
    else if (!strcmp(a->method, "logistic"))
        a->method_code = RISTRA_RECALIBRATE_LOGISTIC;
    else
        return cli_usage_error("calibrate", USAGE,
                               "--method must be intercept or logistic, got \"%s\"", a->method);
    a->n_threads = 0;
    return a->threads ? cli_parse_threads("calibrate", a->threads, &a->n_threads) : CLI_OK;
}

static int evaluate(ristra_group_summary *out, const double *risk, const uint8_t *y, int64_t n,
                    int n_threads)
{
    ristra_evaluate_options o = RISTRA_EVALUATE_OPTIONS_INIT;
    o.n_threads = n_threads;
    ristra_evaluation *e = NULL;
    int rc = ristra_evaluate(&e, risk, y, n, NULL, &o);
    if (!rc)
        rc = ristra_evaluation_summary(out, e, RISTRA_EVALUATION_OVERALL);
    ristra_evaluation_free(e);
    return rc;
}

static void print_block(const char *when, const ristra_model *m)
{
    ristra_calibration c = RISTRA_CALIBRATION_INIT;
    ristra_model_calibration(&c, m);
    if (c.present)
        printf("calibration block %-7s intercept %.10g, slope %.10g\n", when, c.intercept,
               c.slope);
    else
        printf("calibration block %-7s none\n", when);
}

static void print_comparison(const ristra_model *before, const ristra_model *after,
                             const ristra_group_summary *b, const ristra_group_summary *a)
{
    printf("\n");
    print_block("before:", before);
    print_block("after:", after);
    printf("\n%-26s  %16s  %16s\n", "", "before", "after");
    struct {
        const char *name;
        double before, after;
    } rows[] = {
        { "AUROC", b->auroc, a->auroc },
        { "expected events", b->expected, a->expected },
        { "observed / expected", b->oe_ratio, a->oe_ratio },
        { "calibration-in-the-large", b->calibration_in_the_large, a->calibration_in_the_large },
        { "calibration intercept", b->calibration_intercept, a->calibration_intercept },
        { "calibration slope", b->calibration_slope, a->calibration_slope },
        { "  (its intercept)", b->calibration_slope_intercept, a->calibration_slope_intercept },
        { "Brier score", b->brier, a->brier },
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++)
        printf("%-26s  %16.8g  %16.8g\n", rows[i].name, rows[i].before, rows[i].after);
    printf("(on the same %lld patients, %lld events)\n", (long long)b->n, (long long)b->events);
}

/* Recalibrates, rescores the same rows, prints, saves. */
static int recalibrate(const calibrate_args *a, const ristra_model *model,
                       const ristra_collected *rows)
{
    const int64_t n = ristra_collected_n_rows(rows), n_cols = ristra_collected_n_cols(rows);
    const uint8_t *outcome = ristra_collected_outcome(rows);
    char description[1024];
    if (!a->population)
        snprintf(description, sizeof description, "%s (outcome %s)", a->input, a->outcome);
    ristra_recalibrate_options ro = RISTRA_RECALIBRATE_OPTIONS_INIT;
    ro.population_description = a->population ? a->population : description;
    ro.date = a->date;
    ro.model_version = a->version;
    ristra_model *out = NULL;
    int rc = ristra_model_recalibrate(&out, model, ristra_collected_margin(rows), outcome, n,
                                      a->method_code, &ro);
    if (rc)
        return cli_fail("calibrate", rc, "cannot recalibrate %s", a->model);
    double *risk = malloc((size_t)n * sizeof *risk);
    ristra_score_options so = RISTRA_SCORE_OPTIONS_INIT;
    so.n_threads = a->n_threads;
    ristra_group_summary before = RISTRA_GROUP_SUMMARY_INIT, after = RISTRA_GROUP_SUMMARY_INIT;
    rc = risk ? RISTRA_OK : RISTRA_ENOMEM;
    if (!rc)
        rc = ristra_model_score(risk, NULL, NULL, out, ristra_collected_values(rows), RISTRA_FLOAT64,
                                n, n_cols, n_cols, 1, &so);
    if (!rc)
        rc = evaluate(&before, ristra_collected_risk(rows), outcome, n, a->n_threads);
    if (!rc)
        rc = evaluate(&after, risk, outcome, n, a->n_threads);
    free(risk);
    if (rc) {
        ristra_model_free(out);
        return cli_fail("calibrate", rc, "cannot evaluate");
    }
    print_comparison(model, out, &before, &after);
    ristra_save_options save = RISTRA_SAVE_OPTIONS_INIT;
    save.indent = 1;
    rc = ristra_model_save(out, a->output, &save);
    ristra_model_free(out);
    if (rc)
        return cli_fail("calibrate", rc, "cannot write %s", a->output);
    printf("\nwrote %s (%s recalibration)\n", cli_esc(a->output), a->method);
    return CLI_OK;
}

static int run(int argc, char **argv)
{
    calibrate_args a;
    memset(&a, 0, sizeof a);
    int rc = parse_args(&a, argc, argv);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    ristra_model *model = NULL;
    rc = ristra_model_load(&model, a.model);
    if (rc)
        return cli_fail("calibrate", rc, "cannot load the model");
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    if ((rc = cli_population_ids("calibrate", &po, a.id_kind, a.id_column, a.practice_column))) {
        ristra_model_free(model);
        return rc;
    }
    po.outcome_column = a.outcome;
    po.outcome_required = 1;
    po.n_threads = a.n_threads;
    ristra_collected *rows = NULL;
    rc = cli_collect(&rows, "calibrate", a.input, model, &po, 1, 0, a.n_threads);
    if (rc == CLI_OK) {
        rc = ristra_collected_n_rows(rows)
                 ? recalibrate(&a, model, rows)
                 : cli_fail("calibrate", 0, "%s: no patient could be scored with a known "
                            "outcome", a.input);
        ristra_collected_free(rows);
    }
    ristra_model_free(model);
    return rc;
}

const cli_command cli_cmd_calibrate = { "calibrate",
                                        "recalibrate a model on local outcomes", run };
