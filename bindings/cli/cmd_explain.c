/* ristra explain: every patient's contributions (over ristra_score_file()
 * with a contributions file), or one patient's, typed on the command line
 * (the what-if calculator, over the population reader and
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

/* A test NHS number with a valid check digit and a well-formed ODS code:
 * the what-if row goes through the reader exactly as a file's row would. */
static const char ID[] = "9434765919", PRACTICE[] = "A81001";

typedef struct whatif {
    const ristra_model *model;
    int64_t nf;
    const char **given;      /* per feature: the text typed, or NULL */
} whatif;

static int append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = (*cap ? *cap * 2 : 256) + n;
        char *b = realloc(*buf, c);
        if (!b)
            return -1;
        *buf = b;
        *cap = c;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return 0;
}

/* One CSV field, quoted, so that whatever was typed reaches the reader's
 * number check as it is. */
static int append_field(char **buf, size_t *len, size_t *cap, const char *s, char end)
{
    int rc = append(buf, len, cap, "\"", 1);
    for (const char *p = s; !rc && *p; p++)
        rc = append(buf, len, cap, p, 1) || (*p == '"' && append(buf, len, cap, "\"", 1));
    char tail[2] = { '"', end };
    return rc || append(buf, len, cap, tail, 2);
}

/* The header and the one row, as a population file. */
static char *whatif_csv(const whatif *w, size_t *len)
{
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    int rc = append_field(&buf, len, &cap, "nhs_number", ',') ||
             append_field(&buf, len, &cap, "practice", ',');
    for (int64_t j = 0; !rc && j < w->nf; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        rc = ristra_model_feature(&f, w->model, j) ||
             append_field(&buf, len, &cap, f.name, j + 1 < w->nf ? ',' : '\n');
    }
    rc = rc || append_field(&buf, len, &cap, ID, ',') ||
         append_field(&buf, len, &cap, PRACTICE, w->nf ? ',' : '\n');
    for (int64_t j = 0; !rc && j < w->nf; j++)
        rc = append_field(&buf, len, &cap, w->given[j] ? w->given[j] : "",
                          j + 1 < w->nf ? ',' : '\n');
    if (rc) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* "age=82,copd=1" -> w->given; unknown names and repeats are usage errors. */
static int parse_values(whatif *w, char *text)
{
    int64_t n = 0;
    const char **items = cli_split_list(text, &n);
    if (!items)
        return cli_fail("explain", RISTRA_ENOMEM, "out of memory");
    int rc = CLI_OK;
    for (int64_t i = 0; i < n && !rc; i++) {
        char *eq = strchr(items[i], '=');
        if (!eq) {
            rc = cli_usage_error("explain", USAGE, "--values: \"%s\" is not name=value", items[i]);
            break;
        }
        *eq = '\0';
        int64_t j = ristra_model_feature_index(w->model, items[i]);
        if (j < 0)
            rc = cli_usage_error("explain", USAGE,
                                 "--values: the model has no feature \"%s\" (`ristra inspect` "
                                 "lists them)", items[i]);
        else if (w->given[j])
            rc = cli_usage_error("explain", USAGE, "--values: \"%s\" is given twice", items[i]);
        else
            w->given[j] = eq + 1;
    }
    free(items);
    return rc;
}

/* A row the reader passes that the model still does not score (too few
 * features present: RISTRA_ROW_INSUFFICIENT_DATA): says why, as ristra
 * score's rejects would. */
static int check_row(const whatif *w, const double *x)
{
    ristra_row_check check = RISTRA_ROW_CHECK_INIT;
    int rc = ristra_model_check_row(&check, w->model, x, RISTRA_FLOAT64, w->nf);
    if (rc)
        return cli_fail("explain", rc, "cannot check --values");
    if (check.status == RISTRA_ROW_OK)
        return CLI_OK;
    if (check.status == RISTRA_ROW_INSUFFICIENT_DATA)
        fprintf(stderr, "ristra explain: --values: %s: %lld of the model's %lld features given, "
                "it needs at least %lld\n", ristra_row_status_string(check.status),
                (long long)check.n_present, (long long)w->nf, (long long)check.n_needed);
    else
        fprintf(stderr, "ristra explain: --values: %s\n", ristra_row_status_string(check.status));
    return CLI_FAILED;
}

/* Reads the row back through the population reader: its number, range and
 * missing-value checks, and its words when the row is rejected. */
static int read_row(double *x, const whatif *w)
{
    size_t len = 0;
    char *csv = whatif_csv(w, &len);
    if (!csv)
        return cli_fail("explain", RISTRA_ENOMEM, "out of memory");
    ristra_population *pop = NULL;
    ristra_population_block b;
    int rc = ristra_population_open_buffer(&pop, csv, len, "--values", w->model, NULL);
    if (!rc)
        rc = ristra_population_read(&b, pop);
    if (rc) {
        rc = cli_fail("explain", rc, "cannot read --values");
    } else if (b.n_rows != 1 || b.status[0] != RISTRA_ROW_OK) {
        ristra_population_reject why = RISTRA_POPULATION_REJECT_INIT;
        ristra_population_reject_info(&why, pop, 0);
        fprintf(stderr, "ristra explain: --values: %s\n",
                cli_esc(why.reason ? why.reason : "rejected"));
        rc = CLI_FAILED;
    } else {
        memcpy(x, b.values, (size_t)w->nf * sizeof *x);
        rc = check_row(w, x);
    }
    ristra_population_close(pop);
    free(csv);
    return rc;
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
    whatif w = { model, ristra_model_n_features(model), NULL };
    char *text = strdup(values);
    w.given = calloc((size_t)(w.nf > 0 ? w.nf : 1), sizeof *w.given);
    double *x = malloc((size_t)(w.nf > 0 ? w.nf : 1) * sizeof *x);
    int rc = text && w.given && x ? CLI_OK : cli_fail("explain", RISTRA_ENOMEM, "out of memory");
    if (!rc)
        rc = parse_values(&w, text);
    if (!rc)
        rc = read_row(x, &w);
    if (!rc)
        rc = print_explanation(&w, x);
    free(text);
    free(w.given);
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
