/* ristra_population_read_values(): one patient typed as name=value pairs
 * (the what-if calculator of `ristra explain --values`, and the bindings'),
 * read exactly as a row of a population file: the values go through the
 * reader's number, range and missing-value checks with its reject words,
 * then the model's own row check (too few features present). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/population.h"
#include "ristra/score.h"
#include "../common/error_internal.h"
#include "../common/text_internal.h"

static const char FN[] = "ristra_population_read_values";

/* A test NHS number with a valid check digit and a well-formed ODS code:
 * the row needs both to reach the feature checks. */
static const char ID[] = "9434765919", PRACTICE[] = "A81001";

/* One CSV field, quoted, so that whatever was typed reaches the number
 * check as it is. */
static int put_field(ristra__text *t, const char *s, char end)
{
    ristra__text_put(t, "\"");
    for (const char *p = s; *p; p++)
        if (*p == '"')
            ristra__text_put(t, "\"\"");
        else
            ristra__text_put(t, "%c", *p);
    ristra__text_put(t, "\"%c", end);
    return t->failed ? ristra__oom() : RISTRA_OK;
}

/* The header and the one row, as a population file. */
static int as_csv(ristra__text *t, const ristra_model *model, const char *const *given,
                  int64_t nf)
{
    int rc = put_field(t, "nhs_number", ',');
    if (!rc)
        rc = put_field(t, "practice", nf ? ',' : '\n');
    for (int64_t j = 0; !rc && j < nf; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        rc = ristra_model_feature(&f, model, j);
        if (!rc)
            rc = put_field(t, f.name, j + 1 < nf ? ',' : '\n');
    }
    if (!rc)
        rc = put_field(t, ID, ',');
    if (!rc)
        rc = put_field(t, PRACTICE, nf ? ',' : '\n');
    for (int64_t j = 0; !rc && j < nf; j++)
        rc = put_field(t, given[j] ? given[j] : "", j + 1 < nf ? ',' : '\n');
    return rc;
}

/* Each feature's given text, by name; unknown names and repeats refused. */
static int match_names(const char **given, const ristra_model *model, const char *const *names,
                       const char *const *values, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (!names[i] || !values[i])
            return ristra__error(RISTRA_EINVAL, "%s: names[%lld] or values[%lld] is NULL", FN,
                                 (long long)i, (long long)i);
        int64_t j = ristra_model_feature_index(model, names[i]);
        if (j < 0)
            return ristra__error(RISTRA_ENOTFOUND, "%s: the model has no feature \"%s\"", FN,
                                 names[i]);
        if (given[j])
            return ristra__error(RISTRA_EINVAL, "%s: \"%s\" is given twice", FN, names[i]);
        given[j] = values[i];
    }
    return RISTRA_OK;
}

/* The model's own check of a row the reader passed (too few present). */
static void check_row(int32_t *status, char *reason, size_t size, const ristra_model *model,
                      const double *x, int64_t nf)
{
    ristra_row_check check = RISTRA_ROW_CHECK_INIT;
    if (ristra_model_check_row(&check, model, x, RISTRA_FLOAT64, nf) != RISTRA_OK)
        check.status = RISTRA_ROW_MISSING;
    *status = check.status;
    if (check.status == RISTRA_ROW_INSUFFICIENT_DATA)
        snprintf(reason, size, "%s: %lld of the model's %lld features given, it needs at least "
                 "%lld", ristra_row_status_string(check.status), (long long)check.n_present,
                 (long long)nf, (long long)check.n_needed);
    else if (check.status != RISTRA_ROW_OK)
        snprintf(reason, size, "%s", ristra_row_status_string(check.status));
}

int ristra_population_read_values(double *x_out, int32_t *status_out, char *reason,
                                  size_t reason_size, const ristra_model *model,
                                  const char *const *names, const char *const *values,
                                  int64_t n)
{
    if (!x_out || !status_out || !model || (n > 0 && (!names || !values)) || n < 0 ||
        (!reason && reason_size))
        return ristra__error(RISTRA_EINVAL, "%s: a NULL argument or a negative n", FN);
    char none[1];
    if (!reason || !reason_size)
        reason = none, reason_size = sizeof none;
    reason[0] = '\0';
    int64_t nf = ristra_model_n_features(model);
    const char **given = calloc((size_t)(nf > 0 ? nf : 1), sizeof *given);
    if (!given)
        return ristra__oom();
    int rc = match_names(given, model, names, values, n);
    ristra__text csv = { NULL, 0, 0, 0 };
    if (!rc)
        rc = as_csv(&csv, model, given, nf);
    free(given);
    ristra_population *pop = NULL;
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    if (!rc)
        rc = ristra_population_open_buffer(&pop, csv.p, csv.len, "the values", model, NULL);
    if (!rc)
        rc = ristra_population_read(&b, pop);
    if (!rc && b.n_rows != 1)
        rc = ristra__error(RISTRA_ERROR, "%s: the values did not make one row", FN);
    if (!rc && b.status[0] != RISTRA_ROW_OK) {
        ristra_population_reject why = RISTRA_POPULATION_REJECT_INIT;
        ristra_population_reject_info(&why, pop, 0);
        *status_out = b.status[0];
        snprintf(reason, reason_size, "%s", why.reason ? why.reason : "rejected");
    } else if (!rc) {
        memcpy(x_out, b.values, (size_t)nf * sizeof *x_out);
        check_row(status_out, reason, reason_size, model, x_out, nf);
    }
    ristra_population_close(pop);
    free(csv.p);
    return rc;
}
