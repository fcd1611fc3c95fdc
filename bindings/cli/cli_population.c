#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_population.h"

void cli_rows_free(cli_rows *r)
{
    free(r->values);
    free(r->extra);
    free(r->outcome);
    free(r->risk);
    free(r->margin);
    free(r->practice);
    for (int32_t i = 0; i < r->n_practices; i++)
        free(r->practice_codes[i]);
    free(r->practice_codes);
    free(r->missing_by_column);
    memset(r, 0, sizeof *r);
}

static int grow(void **p, int64_t count, size_t size)
{
    if (count == 0)
        return 0;
    void *q = realloc(*p, (size_t)count * size);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

/* Room for `need` kept rows. */
static int reserve(cli_rows *r, int64_t *capacity, int64_t need, int keep_values, int scored)
{
    if (need <= *capacity)
        return 0;
    int64_t cap = *capacity ? *capacity : 65536;
    while (cap < need)
        cap *= 2;
    if (grow((void **)&r->outcome, cap, 1) || grow((void **)&r->practice, cap, sizeof(int32_t))
        || (keep_values && grow((void **)&r->values, cap * r->n_cols, sizeof(double)))
        || (r->n_extra && grow((void **)&r->extra, cap * r->n_extra, sizeof(double)))
        || (scored && (grow((void **)&r->risk, cap, sizeof(double))
                       || grow((void **)&r->margin, cap, sizeof(double)))))
        return -1;
    *capacity = cap;
    return 0;
}

static void keep_example(cli_rows *r, const ristra_population *pop, int64_t row, int32_t status)
{
    if (r->n_examples >= CLI_N_EXAMPLES)
        return;
    ristra_population_reject info = RISTRA_POPULATION_REJECT_INIT;
    char *slot = r->examples[r->n_examples++];
    int known = ristra_population_reject_info(&info, pop, row) == RISTRA_OK;
    /* a row the scorer rejected has no reason from the reader */
    snprintf(slot, sizeof r->examples[0], "line %lld: %s", (long long)(known ? info.line : 0),
             known && info.reason && info.reason[0] ? info.reason
                                                    : ristra_row_status_string(status));
}

/* Sorts one block's rows into kept and left out. status[] is the reader's
 * status, or the scorer's when the reader accepted the row. */
static int take_block(cli_rows *r, const ristra_population_block *b, const ristra_population *pop,
                      const int32_t *status, const double *risk, const double *margin,
                      int keep_values, int64_t n_required_extra, int64_t *capacity)
{
    if (reserve(r, capacity, r->n + b->n_rows, keep_values, risk != NULL))
        return -1;
    for (int64_t i = 0; i < b->n_rows; i++) {
        int32_t st = status[i];
        if (st != RISTRA_ROW_OK) {
            r->rejected[st >= 0 && st < CLI_N_STATUS ? st : 0]++;
            keep_example(r, pop, i, st);
            continue;
        }
        const double *v = b->values + i * b->n_cols;
        if (!risk) {
            int missing = 0;
            for (int64_t j = 0; j < b->n_cols; j++)
                if (isnan(v[j])) {
                    r->missing_by_column[j]++;
                    missing = 1;
                }
            if (missing) {
                r->missing_values++;
                continue;
            }
        }
        const double *e = b->extra ? b->extra + i * r->n_extra : NULL;
        int missing_extra = 0;
        for (int64_t j = 0; j < n_required_extra; j++)
            missing_extra |= isnan(e[j]);
        if (missing_extra) {
            r->missing_required_extra++;
            continue;
        }
        double y = b->outcome ? b->outcome[i] : NAN;
        if (!(y == 0.0 || y == 1.0)) {
            r->no_outcome++;
            continue;
        }
        int64_t k = r->n++;
        r->outcome[k] = (uint8_t)y;
        r->practice[k] = b->practice[i];
        if (keep_values)
            memcpy(r->values + k * r->n_cols, v, (size_t)r->n_cols * sizeof *v);
        if (r->n_extra)
            memcpy(r->extra + k * r->n_extra, e, (size_t)r->n_extra * sizeof *e);
        if (risk) {
            r->risk[k] = risk[i];
            r->margin[k] = margin[i];
        }
    }
    return 0;
}

static int copy_practices(cli_rows *r, const ristra_population *pop)
{
    int32_t n = ristra_population_n_practices(pop);
    if (n <= 0)
        return 0;
    r->practice_codes = calloc((size_t)n, sizeof *r->practice_codes);
    if (!r->practice_codes)
        return -1;
    r->n_practices = n;
    for (int32_t i = 0; i < n; i++) {
        const char *code = ristra_population_practice(pop, i);
        r->practice_codes[i] = strdup(code ? code : "?");
        if (!r->practice_codes[i])
            return -1;
    }
    return 0;
}

int cli_read_population(cli_rows *r, const char *command, const char *path,
                        const ristra_model *model, const ristra_population_options *opts,
                        int keep_values, int64_t n_required_extra,
                        int n_threads)
{
    memset(r, 0, sizeof *r);
    ristra_population *pop = NULL;
    int rc = ristra_population_open(&pop, path, model, opts);
    if (rc)
        return cli_fail(command, rc, "cannot read %s", path);
    r->n_cols = model ? ristra_model_n_features(model) : opts->n_columns;
    r->n_extra = opts->n_extra;
    r->missing_by_column = calloc((size_t)(r->n_cols > 0 ? r->n_cols : 1), sizeof(int64_t));
    double *risk = NULL, *margin = NULL;
    int32_t *status = NULL;
    int64_t capacity = 0, block_capacity = 0;
    ristra_score_options so = RISTRA_SCORE_OPTIONS_INIT;
    so.n_threads = n_threads;
    int failed = !r->missing_by_column;
    while (!failed) {
        ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
        rc = ristra_population_read(&b, pop);
        if (rc) {
            cli_fail(command, rc, "cannot read %s", path);
            break;
        }
        if (b.n_rows == 0)
            break;
        r->n_read += b.n_rows;
        const int32_t *row_status = b.status;
        if (model) {
            if (b.n_rows > block_capacity) {
                free(risk), free(margin), free(status);
                risk = malloc((size_t)b.n_rows * sizeof *risk);
                margin = malloc((size_t)b.n_rows * sizeof *margin);
                status = malloc((size_t)b.n_rows * sizeof *status);
                block_capacity = risk && margin && status ? b.n_rows : 0;
                if (!block_capacity) {
                    failed = 1;
                    break;
                }
            }
            rc = ristra_model_score(risk, margin, status, model, b.values, RISTRA_FLOAT64,
                                    b.n_rows, b.n_cols, b.n_cols, 1, &so);
            if (rc) {
                cli_fail(command, rc, "cannot score %s", path);
                break;
            }
            for (int64_t i = 0; i < b.n_rows; i++)
                if (b.status[i] != RISTRA_ROW_OK)
                    status[i] = b.status[i];
            row_status = status;
        }
        if (take_block(r, &b, pop, row_status, model ? risk : NULL, margin, keep_values,
                       n_required_extra, &capacity)) {
            failed = 1;
            break;
        }
    }
    if (!failed && !rc && copy_practices(r, pop))
        failed = 1;
    free(risk), free(margin), free(status);
    ristra_population_close(pop);
    if (failed)
        cli_fail(command, 0, "out of memory reading %s", path);
    if (failed || rc) {
        cli_rows_free(r);
        return CLI_FAILED;
    }
    return CLI_OK;
}

void cli_report_rows(FILE *f, const cli_rows *r, const char *path,
                     const ristra_population_options *opts)
{
    int64_t rejected = 0;
    for (int s = 0; s < CLI_N_STATUS; s++)
        rejected += r->rejected[s];
    fprintf(f, "%s: %lld rows read, %lld used", path, (long long)r->n_read, (long long)r->n);
    int64_t left = r->n_read - r->n;
    if (left == 0) {
        fprintf(f, "\n");
        return;
    }
    fprintf(f, ", %lld left out:\n", (long long)left);
    if (rejected) {
        fprintf(f, "  %lld rejected:", (long long)rejected);
        const char *sep = " ";
        for (int s = 0; s < CLI_N_STATUS; s++)
            if (r->rejected[s]) {
                fprintf(f, "%s%lld %s", sep, (long long)r->rejected[s],
                        ristra_row_status_string(s));
                sep = ", ";
            }
        fprintf(f, "\n");
        for (int i = 0; i < r->n_examples; i++)
            fprintf(f, "      e.g. %s\n", r->examples[i]);
    }
    if (r->missing_values) {
        fprintf(f, "  %lld with a missing value:", (long long)r->missing_values);
        const char *sep = " ";
        for (int64_t j = 0; opts->columns && j < r->n_cols; j++)
            if (r->missing_by_column[j]) {
                fprintf(f, "%s%s %lld", sep, opts->columns[j], (long long)r->missing_by_column[j]);
                sep = ", ";
            }
        fprintf(f, "\n");
    }
    if (r->missing_required_extra) {
        fprintf(f, "  %lld with no %s\n", (long long)r->missing_required_extra,
                opts->n_extra ? opts->extra_columns[0] : "value");
    }
    if (r->no_outcome)
        fprintf(f, "  %lld with no outcome (%s empty)\n", (long long)r->no_outcome,
                opts->outcome_column ? opts->outcome_column : "outcome");
}
