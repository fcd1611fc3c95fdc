/* No silent mis-scoring (issue 12): every way a model, a row or an import
 * could give a plausible wrong number with status OK is refused here. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "test_util.h"

static const char HEAD[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"%s\","
    " \"metadata\": {\"name\": \"t\", \"version\": \"1\", \"outcome\": \"o\","
    "  \"horizon_days\": 365, \"intended_use\": \"tests\", \"training_population\": {}},"
    " \"link\": \"logit\", ";

/* A model from a kind and the rest of its JSON text (features, parameters). */
static ristra_model *model_from(const char *kind, const char *rest)
{
    char text[8192];
    int n = snprintf(text, sizeof text, HEAD, kind);
    snprintf(text + n, sizeof text - (size_t)n, "%s}", rest);
    ristra_model *m = NULL;
    int rc = ristra_model_load_buffer(&m, text, strlen(text), "test");
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    return m;
}

/* ------------------------------------------------ non-finite margins */

Test(non_finite_margin, an_overflowing_tree_sum_is_an_error_status_not_a_risk)
{
    /* each leaf is a finite float32; their float32 sum is +inf */
    ristra_model *m = model_from(
        "gbdt",
        "\"features\": [{\"name\": \"a\", \"missing\": {\"policy\": \"native\"}}],"
        " \"gbdt\": {\"semantics\": \"xgboost\", \"base_margin\": 0, \"trees\": ["
        "  {\"left\": [-1], \"right\": [-1], \"feature\": [-1], \"value\": [3e38], \"default_left\": [0]},"
        "  {\"left\": [-1], \"right\": [-1], \"feature\": [-1], \"value\": [3e38], \"default_left\": [0]}]}");
    double x[2] = { 1.0, NAN }, p[2], mg[2];
    int32_t st[2];
    cr_assert_eq(ristra_model_score(p, mg, st, m, x, RISTRA_FLOAT64, 2, 1, 1, 1, NULL), RISTRA_OK);
    for (int r = 0; r < 2; r++) {
        cr_assert_eq(st[r], RISTRA_ROW_NOT_FINITE, "row %d: status %d, risk %g", r, st[r], p[r]);
        cr_assert(isnan(p[r]) && isnan(mg[r]));
    }
    cr_assert_str_eq(ristra_row_status_string(RISTRA_ROW_NOT_FINITE), "margin not finite");
    ristra_model_free(m);
}

Test(non_finite_margin, a_logistic_margin_that_overflows_is_an_error_status)
{
    ristra_model *m = model_from(
        "logistic",
        "\"features\": [{\"name\": \"a\", \"missing\": {\"policy\": \"reject\"}}],"
        " \"logistic\": {\"intercept\": 0, \"coefficients\": [1e300]}");
    double x[3] = { 1e300, -1e300, 1.0 }, p[3];
    int32_t st[3];
    cr_assert_eq(ristra_model_score(p, NULL, st, m, x, RISTRA_FLOAT64, 3, 1, 1, 1, NULL), RISTRA_OK);
    cr_assert_eq(st[0], RISTRA_ROW_NOT_FINITE);
    cr_assert_eq(st[1], RISTRA_ROW_NOT_FINITE);
    cr_assert(isnan(p[0]) && isnan(p[1]));
    cr_assert_eq(st[2], RISTRA_ROW_OK);
    cr_assert_eq(p[2], 1.0);
    ristra_model_free(m);
}
