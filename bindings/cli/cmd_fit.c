/* ristra fit: a logistic regression fitted to a population file, written
 * as a native model. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/fit.h>
#include <ristra/population.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra fit --input FILE --outcome COL --features A,B,C --output MODEL [options]\n"
    "\n"
    "Fits a logistic regression of the 0/1 outcome column on the feature columns\n"
    "by maximum likelihood, as R's glm(family = binomial()) does, and writes it as\n"
    "a native model (gzip when MODEL ends in .gz). Rows the reader rejects (bad NHS\n"
    "number or practice code, a value that is not a number, ...) and rows with a\n"
    "missing feature, weight or outcome are left out and counted. Prints the\n"
    "coefficients with their standard errors, as R's summary() does.\n"
    "\n"
    "  --input FILE          population file (CSV, plain or gzip)\n"
    "  --outcome COL         outcome column, 0 or 1\n"
    "  --features A,B,C      feature columns, in the model's order\n"
    "  --output MODEL        model file to write (replaced only once complete)\n"
    "  --weights COL         case weights column (>= 0; default: every row 1)\n"
    "  --l2 LAMBDA           L2 penalty on the coefficients, not the intercept (default 0)\n"
    "  --no-intercept        fit without an intercept\n"
    "  --max-iter N          IRLS iterations allowed (default 25)\n"
    "  --threads N           threads; 0 = one per CPU (default); the fit is the same\n"
    "  --name TEXT           the model's name (default: \"logistic model of COL\")\n"
    "  --model-version TEXT  the model's version (default 1.0.0)\n"
    "  --outcome-name TEXT   what the model predicts, in words (default: COL)\n"
    "  --horizon-days N      the prediction window in days (default 365)\n"
    "  --intended-use TEXT   who may use it for what (default: says it is not\n"
    "                        validated for clinical use)\n"
    "  --population TEXT     the training population, in words (default: FILE)\n"
    "  --fitted-date DATE    YYYY-MM-DD recorded as the fitting date (default: today)\n"
    "  --impute              scored patients' missing values take the training mean\n"
    "                        (default: such patients are rejected)\n"
    "  --no-training-range   do not bound each feature to its training range\n"
    "  --id-kind K           nhs (default) or pseudonym (see ristra pseudonymise)\n"
    "  --id-column COL       identifier column (default nhs_number, or pseudonym)\n"
    "  --practice-column COL practice column (default practice)\n";

static const char DEFAULT_USE[] =
    "Fitted with ristra fit; not validated: NOT FOR CLINICAL USE until validated";

typedef struct fit_args {
    const char *input, *outcome, *features, *output, *weights;
    const char *l2, *max_iter, *threads, *horizon;
    const char *name, *model_version, *outcome_name, *intended_use, *population, *date;
    const char *id_kind, *id_column, *practice_column;
    int no_intercept, impute, no_range;
} fit_args;

static int parse_args(fit_args *a, ristra_fit_options *fo, ristra_fit_model_options *mo,
                      int *n_threads, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    cli_option opts[] = {
        { "input", &a->input, NULL },
        { "outcome", &a->outcome, NULL },
        { "features", &a->features, NULL },
        { "output", &a->output, NULL },
        { "weights", &a->weights, NULL },
        { "l2", &a->l2, NULL },
        { "no-intercept", NULL, &a->no_intercept },
        { "max-iter", &a->max_iter, NULL },
        { "threads", &a->threads, NULL },
        { "name", &a->name, NULL },
        { "model-version", &a->model_version, NULL },
        { "outcome-name", &a->outcome_name, NULL },
        { "horizon-days", &a->horizon, NULL },
        { "intended-use", &a->intended_use, NULL },
        { "population", &a->population, NULL },
        { "fitted-date", &a->date, NULL },
        { "impute", NULL, &a->impute },
        { "no-training-range", NULL, &a->no_range },
        { "id-kind", &a->id_kind, NULL },
        { "id-column", &a->id_column, NULL },
        { "practice-column", &a->practice_column, NULL },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("fit", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc;
    if (!a->input || !a->outcome || !a->features || !a->output)
        return cli_usage_error("fit", USAGE,
                               "--input, --outcome, --features and --output are required");
    int64_t v;
    if (a->l2 && (rc = cli_parse_double("fit", "--l2", a->l2, &fo->l2)))
        return rc;
    if (a->max_iter) {
        if ((rc = cli_parse_int64("fit", "--max-iter", a->max_iter, &v)))
            return rc;
        if (v < 1 || v > 100000)
            return cli_usage_error("fit", USAGE, "--max-iter must be 1..100000, got %s",
                                   a->max_iter);
        fo->max_iter = (int)v;
    }
    *n_threads = 0;
    if (a->threads && (rc = cli_parse_threads("fit", a->threads, n_threads)))
        return rc;
    fo->n_threads = *n_threads;
    fo->intercept = !a->no_intercept;
    mo->horizon_days = 365;
    if (a->horizon) {
        if ((rc = cli_parse_int64("fit", "--horizon-days", a->horizon, &mo->horizon_days)))
            return rc;
        if (mo->horizon_days <= 0)
            return cli_usage_error("fit", USAGE, "--horizon-days must be > 0, got %s", a->horizon);
    }
    mo->model_version = a->model_version;
    mo->outcome = a->outcome_name ? a->outcome_name : a->outcome;
    mo->intended_use = a->intended_use ? a->intended_use : DEFAULT_USE;
    mo->population_description = a->population ? a->population : a->input;
    mo->fitted_date = a->date;
    mo->missing_policy = a->impute ? RISTRA_MISSING_IMPUTE : RISTRA_MISSING_REJECT;
    mo->training_range = !a->no_range;
    return CLI_OK;
}

/* R's summary.glm table: estimate, standard error, z and two-sided p (the
 * Wald tests are the library's: ristra_fit_wald()). */
static void print_coefficients(const ristra_fit *fit, const char *const *names, int64_t p)
{
    ristra_fit_summary s = RISTRA_FIT_SUMMARY_INIT;
    ristra_fit_describe(&s, fit);
    size_t n = (size_t)p + 1;
    double *coef = malloc(n * sizeof *coef), *se = malloc(n * sizeof *se);
    double *z = malloc(n * sizeof *z), *pv = malloc(n * sizeof *pv);
    if (!coef || !se || !z || !pv || ristra_fit_coefficients(coef, se, fit) != RISTRA_OK ||
        ristra_fit_wald(z, pv, fit) != RISTRA_OK) {
        free(coef), free(se), free(z), free(pv);
        return;
    }
    int width = 11;
    for (int64_t j = 0; j < p; j++)
        width = (int)strlen(names[j]) > width ? (int)strlen(names[j]) : width;
    printf("\nCoefficients:\n%-*s  %15s  %15s  %9s  %9s\n", width, "", "Estimate", "Std. Error",
           "z value", "Pr(>|z|)");
    for (int64_t j = s.has_intercept ? -1 : 0, t = 0; j < p; j++, t++) {
        double est = j < 0 ? s.intercept : coef[j], err = j < 0 ? s.intercept_se : se[j];
        char pbuf[16];
        if (pv[t] < 2e-16)
            snprintf(pbuf, sizeof pbuf, "< 2e-16");
        else
            snprintf(pbuf, sizeof pbuf, "%.3g", pv[t]);
        printf("%-*s  %15.8g  %15.8g  %9.3f  %9s\n", width,
               j < 0 ? "(Intercept)" : cli_esc(names[j]), est, err, z[t], pbuf);
    }
    printf("\n    Null deviance: %.10g on %lld degrees of freedom\n", s.null_deviance,
           (long long)s.df_null);
    printf("Residual deviance: %.10g on %lld degrees of freedom\n", s.deviance,
           (long long)s.df_residual);
    printf("AIC: %.10g\n", s.aic);
    if (s.l2 > 0)
        printf("L2 penalty: %g (on the coefficients, not the intercept)\n", s.l2);
    printf("\nNumber of Fisher Scoring iterations: %d\n", s.iterations);
    free(coef), free(se), free(z), free(pv);
}

static int fit_and_save(const fit_args *a, const ristra_collected *rows, const char *const *names,
                        const ristra_fit_options *fo, const ristra_fit_model_options *mo)
{
    int64_t n = ristra_collected_n_rows(rows), n_cols = ristra_collected_n_cols(rows);
    double *y = malloc((size_t)n * sizeof *y);
    if (!y)
        return cli_fail("fit", 0, "out of memory");
    for (int64_t i = 0; i < n; i++)
        y[i] = ristra_collected_outcome(rows)[i];
    ristra_fit *fit = NULL;
    /* with --weights the one extra column is the weights, n x 1 */
    int rc = ristra_fit_logistic(&fit, ristra_collected_values(rows), n, n_cols, n_cols, y,
                                 a->weights ? ristra_collected_extra(rows) : NULL, fo);
    free(y);
    if (rc)
        return cli_fail("fit", rc, "cannot fit %s", a->input);
    print_coefficients(fit, names, n_cols);
    ristra_model *model = NULL;
    rc = ristra_fit_to_model(&model, fit, mo);
    ristra_fit_free(fit);
    if (rc)
        return cli_fail("fit", rc, "cannot make the model");
    ristra_save_options so = RISTRA_SAVE_OPTIONS_INIT;
    so.indent = 1;
    rc = ristra_model_save(model, a->output, &so);
    ristra_model_free(model);
    if (rc)
        return cli_fail("fit", rc, "cannot write %s", a->output);
    printf("\nwrote %s: logistic, %lld features\n", cli_esc(a->output), (long long)n_cols);
    return CLI_OK;
}

static int run(int argc, char **argv)
{
    fit_args a;
    memset(&a, 0, sizeof a);
    ristra_fit_options fo = RISTRA_FIT_OPTIONS_INIT;
    ristra_fit_model_options mo = RISTRA_FIT_MODEL_OPTIONS_INIT;
    int n_threads = 0;
    int rc = parse_args(&a, &fo, &mo, &n_threads, argc, argv);
    if (rc)
        return rc < 0 ? CLI_OK : rc;

    char *copy = strdup(a.features);
    int64_t p = 0;
    const char **names = copy ? cli_split_list(copy, &p) : NULL;
    if (!names) {
        free(copy);
        return cli_fail("fit", 0, "out of memory");
    }
    for (int64_t j = 0; j < p; j++)
        if (!names[j][0]) {
            free(names), free(copy);
            return cli_usage_error("fit", USAGE, "--features has an empty name (\"%s\")",
                                   a.features);
        }
    char name_buf[256];
    if (!a.name)
        snprintf(name_buf, sizeof name_buf, "logistic model of %s", a.outcome);
    mo.name = a.name ? a.name : name_buf;
    fo.feature_names = names;

    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    if ((rc = cli_population_ids("fit", &po, a.id_kind, a.id_column, a.practice_column)))
        return rc;
    po.outcome_column = a.outcome;
    po.outcome_required = 1;
    po.columns = names;
    po.n_columns = p;
    po.extra_columns = a.weights ? &a.weights : NULL; /* the weights may be a feature too */
    po.n_extra = a.weights ? 1 : 0;
    po.n_threads = n_threads;
    ristra_collected *rows = NULL;
    rc = cli_collect(&rows, "fit", a.input, NULL, &po, 1, a.weights ? 1 : 0, n_threads);
    if (rc == CLI_OK) {
        rc = ristra_collected_n_rows(rows)
                 ? fit_and_save(&a, rows, names, &fo, &mo)
                 : cli_fail("fit", 0, "%s: no row can be used for fitting", a.input);
        ristra_collected_free(rows);
    }
    free(names), free(copy);
    return rc;
}

const cli_command cli_cmd_fit = { "fit", "fit a logistic model to a population file", run };
