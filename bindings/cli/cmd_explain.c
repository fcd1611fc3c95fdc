/* ristra explain: every patient's contributions (over ristra_score_file()
 * with a contributions file), or one patient's, typed on the command line
 * (the what-if calculator, over ristra_population_read_values() and
 * ristra_model_explain()). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "cli.h"

static const char USAGE[] =
    "usage: ristra explain --model M --input F --output C [--rejects R] [--threads N]\n"
    "                      [--id-kind K] [--id-column C] [--practice-column C]\n"
    "                      [--manifest PATH]\n"
    "       ristra explain --model M --values name=value,name=value,...\n"
    "\n"
    "Splits each patient's log-odds into one contribution per feature and a bias\n"
    "(exact TreeSHAP for gbdt models, as XGBoost's pred_contribs; coefficient x\n"
    "(value - training mean) for logistic ones); every row sums to the log-odds\n"
    "of the patient's risk.\n"
    "\n"
    "With --input, writes C (CSV, gzip when the name ends in .gz): nhs_number,\n"
    "practice, one column per feature and bias, one row per patient that can be\n"
    "scored, in file order. Rows that cannot go to R, as with `ristra score`;\n"
    "nothing is written unless the whole run succeeds. The run's manifest\n"
    "(docs/score-output.md, \"The run record\") goes to C.manifest.json.\n"
    "\n"
    "With --values, explains one patient: features not given are missing.\n"
    "Prints the probability, the log-odds, and each feature's value (or what\n"
    "its missing-value policy did) with its contribution, largest first.\n"
    "\n"
    "  --model M              the model (ristra's native format)\n"
    "  --input F              the population file\n"
    "  --output C             the contributions to write\n"
    "  --rejects R            the rejected rows (CSV)\n"
    "  --threads N            threads (default 0: one per CPU)\n"
    "  --id-kind K            nhs (default) or pseudonym (see ristra pseudonymise)\n"
    "  --id-column C          identifier column (default nhs_number, or pseudonym)\n"
    "  --practice-column C    practice column (default practice)\n"
    "  --manifest PATH        the run's manifest (default C.manifest.json; \"\" for none)\n"
    "  --values LIST          name=value pairs of one patient\n";

/* ------------------------------------------------------------ one patient */

typedef struct whatif {
    const ristra_model *model;
    int64_t nf;
} whatif;

/* "age=82,copd=1" -> names and values, pointing into text. */
static int split_values(char *text, const char ***names, const char ***values, int64_t *n)
{
    const char **items = cli_split_list(text, n);
    *names = items;
    *values = items ? malloc((size_t)(*n > 0 ? *n : 1) * sizeof **values) : NULL;
    if (!*values)
        return cli_fail("explain", RISTRA_ENOMEM, "out of memory");
    for (int64_t i = 0; i < *n; i++) {
        char *eq = strchr(items[i], '=');
        if (!eq)
            return cli_usage_error("explain", USAGE, "--values: \"%s\" is not name=value",
                                   items[i]);
        *eq = '\0';
        (*values)[i] = eq + 1;
    }
    return CLI_OK;
}

/* The row as the library's reader reads it (ristra_population_read_values). */
static int read_row(double *x, const whatif *w, const char *const *names,
                    const char *const *values, int64_t n)
{
    int32_t status;
    char reason[1024];
    int rc = ristra_population_read_values(x, &status, reason, sizeof reason, w->model, names,
                                           values, n);
    if (rc == RISTRA_ENOTFOUND || rc == RISTRA_EINVAL)
        return cli_usage_error("explain", USAGE, "--values: %s (`ristra inspect` lists the "
                               "features)", ristra_last_error());
    if (rc)
        return cli_fail("explain", rc, "cannot read --values");
    if (status == RISTRA_ROW_OK)
        return CLI_OK;
    fprintf(stderr, "ristra explain: --values: %s\n", cli_esc(reason));
    return CLI_FAILED;
}

typedef struct line {
    int64_t j;
    double contribution;
} line;

static int by_size(const void *a, const void *b)
{
    double x = fabs(((const line *)a)->contribution), y = fabs(((const line *)b)->contribution);
    return (x < y) - (x > y);
}

static void print_value(const ristra_feature_info *f, double v)
{
    if (!isnan(v))
        printf("%.10g%s%s", v, *f->unit ? " " : "", cli_esc(f->unit));
    else if (f->missing_policy == RISTRA_MISSING_IMPUTE)
        printf("missing (imputed as %.10g)", f->impute_value);
    else
        printf("missing (left missing: the trees' default branch)");
}

static int print_explanation(const whatif *w, const double *x)
{
    const int64_t nf = w->nf;
    double *c = malloc((size_t)(nf + 1) * sizeof *c), prob;
    line *lines = malloc((size_t)(nf > 0 ? nf : 1) * sizeof *lines);
    int rc = c && lines ? RISTRA_OK : RISTRA_ENOMEM;
    if (!rc)
        rc = ristra_model_explain(c, NULL, w->model, x, RISTRA_FLOAT64, 1, nf, nf, 1, NULL);
    if (!rc)
        rc = ristra_model_score(&prob, NULL, NULL, w->model, x, RISTRA_FLOAT64, 1, nf, nf, 1, NULL);
    if (rc) {
        free(c);
        free(lines);
        return cli_fail("explain", rc, "cannot explain");
    }
    double logit = c[nf];
    for (int64_t j = 0; j < nf; j++) {
        lines[j].j = j;
        lines[j].contribution = c[j];
        logit += c[j];
    }
    qsort(lines, (size_t)nf, sizeof *lines, by_size);
    printf("probability  %.6f\nlog-odds     %+.6f  (bias %+.6f plus the contributions)\n\n",
           prob, logit, c[nf]);
    printf("%-28s %12s  value\n", "feature", "contribution");
    for (int64_t k = 0; k < nf; k++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        ristra_model_feature(&f, w->model, lines[k].j);
        printf("%-28s %+12.6f  ", cli_esc(f.name), lines[k].contribution);
        print_value(&f, x[lines[k].j]);
        printf("\n");
    }
    free(c);
    free(lines);
    return CLI_OK;
}

static int run_values(const ristra_model *model, const char *values)
{
    whatif w = { model, ristra_model_n_features(model) };
    char *text = strdup(values);
    double *x = malloc((size_t)(w.nf > 0 ? w.nf : 1) * sizeof *x);
    const char **names = NULL, **given = NULL;
    int64_t n = 0;
    int rc = text && x ? CLI_OK : cli_fail("explain", RISTRA_ENOMEM, "out of memory");
    if (!rc)
        rc = split_values(text, &names, &given, &n);
    if (!rc)
        rc = read_row(x, &w, names, given, n);
    if (!rc)
        rc = print_explanation(&w, x);
    free(text);
    free(names);
    free(given);
    free(x);
    return rc;
}

/* ------------------------------------------------------------ a whole file */

static int run_file(const ristra_model *model, const char *input, const char *output,
                    ristra_score_file_options *o)
{
    o->contributions_path = output;
    int rc = ristra_score_file(NULL, model, input, NULL, o);
    if (rc == RISTRA_EINVAL)
        return cli_usage_error("explain", USAGE, "%s", ristra_last_error());
    if (rc)
        return cli_fail("explain", rc, "nothing written");
    return CLI_OK;
}

static int run(int argc, char **argv)
{
    ristra_score_file_options o = RISTRA_SCORE_FILE_OPTIONS_INIT;
    const char *model_path = NULL, *input = NULL, *output = NULL, *values = NULL;
    const char *threads = NULL, *id = NULL, *id_kind = NULL, *practice = NULL, *pos[1];
    int npos;
    cli_option opts[] = {
        { "model", &model_path, NULL },   { "input", &input, NULL },
        { "output", &output, NULL },      { "rejects", &o.rejects_path, NULL },
        { "threads", &threads, NULL },    { "id-column", &id, NULL },
        { "id-kind", &id_kind, NULL },
        { "practice-column", &practice, NULL }, { "values", &values, NULL },
        { "manifest", &o.manifest_path, NULL },
        { NULL, NULL, NULL },
    };
    int rc = cli_parse("explain", USAGE, argc, argv, opts, pos, 0, &npos);
    if (rc)
        return rc < 0 ? CLI_OK : rc;
    if (!model_path || (!values == !(input && output)) || (values && (input || output)))
        return cli_usage_error("explain", USAGE,
                               "give --model and either --input and --output, or --values");
    ristra_population_options pop;
    ristra_population_options_init(&pop, RISTRA_POPULATION_OPTIONS_VERSION);
    pop.outcome_column = NULL;
    if ((rc = cli_population_ids("explain", &pop, id_kind, id, practice)))
        return rc;
    o.population = &pop;
    if (threads && (rc = cli_parse_threads("explain", threads, &o.n_threads)))
        return rc;
    ristra_model *model = NULL;
    if ((rc = ristra_model_load(&model, model_path)))
        return cli_fail("explain", rc, "cannot load the model");
    if ((rc = ristra_model_explainable(model)))
        rc = cli_fail("explain", rc, "cannot explain with %s", model_path);
    else
        rc = values ? run_values(model, values) : run_file(model, input, output, &o);
    ristra_model_free(model);
    return rc;
}

const cli_command cli_cmd_explain = { "explain",
                                      "explain risks: each feature's contribution, per patient",
                                      run };
