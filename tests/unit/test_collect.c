/* A whole population file collected in memory and grouped; one value
 * checked in the reader's words. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "schema/schema_internal.h"
#include "test_util.h"

/* age: reject when missing, [0, 120]; imd_decile: impute 5, [1, 10]. */
static const char MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"logistic\","
    " \"metadata\": {\"name\": \"t\", \"version\": \"1\", \"outcome\": \"o\", \"horizon_days\": 365,"
    "  \"intended_use\": \"tests\", \"training_population\": {}},"
    " \"features\": ["
    "  {\"name\": \"age\", \"valid_range\": [0, 120], \"missing\": {\"policy\": \"reject\"}},"
    "  {\"name\": \"imd_decile\", \"valid_range\": [1, 10], \"missing\": {\"policy\": \"impute\", \"value\": 5}}"
    " ], \"link\": \"logit\", \"logistic\": {\"intercept\": -3, \"coefficients\": [0.03, -0.1]}}";

/* Lines 2-8: two good rows at B..., one with no outcome, one at A...,
 * an age out of range, a bad NHS number, a repeated NHS number. */
static const char CSV[] = "nhs_number,practice,age,imd_decile,y\n"
                          "9434765919,B81001,70,3,1\n"
                          "4010232137,B81001,17,,0\n"
                          "9990000018,B81001,90,10,\n"
                          "9990000026,A81002,45,1,0\n"
                          "9990000034,A81002,130,2,1\n"
                          "1234567890,A81002,50,2,1\n"
                          "9434765919,C81003,60,2,0\n";

static ristra_model *model;
static char *dir, *path;

static void setup(void)
{
    cr_assert_eq(ristra_model_load_buffer(&model, MODEL, sizeof MODEL - 1, "model"), RISTRA_OK,
                 "%s", ristra_last_error());
    dir = rt_tmpdir();
    path = rt_join(dir, "pop.csv");
    cr_assert_eq(rt_write_file(path, CSV, sizeof CSV - 1), 0);
}

static void teardown(void)
{
    ristra_model_free(model);
    rt_rmtree(dir);
    free(dir);
    free(path);
}

TestSuite(collect, .init = setup, .fini = teardown);

static ristra_collected *collect(int keep_unknown)
{
    static const char *const extra[] = { "age", "imd_decile" };
    ristra_population_options po = RISTRA_POPULATION_OPTIONS_INIT;
    po.outcome_column = "y";
    po.outcome_required = 1;
    po.extra_columns = extra;
    po.n_extra = 2;
    ristra_collect_options co = RISTRA_COLLECT_OPTIONS_INIT;
    co.population = &po;
    co.keep_values = 1;
    co.keep_unknown_outcome = keep_unknown;
    ristra_collected *c = NULL;
    cr_assert_eq(ristra_population_collect(&c, path, model, &co), RISTRA_OK, "%s",
                 ristra_last_error());
    return c;
}

Test(collect, keeps_scored_rows_with_outcomes_and_counts_the_rest_by_reason)
{
    ristra_collected *c = collect(0);
    cr_assert_eq(ristra_collected_n_read(c), 7);
    cr_assert_eq(ristra_collected_n_rows(c), 3);
    cr_assert_eq(ristra_collected_n_left_out(c, RISTRA_LEFT_OUT_NO_OUTCOME), 1);
    cr_assert_eq(ristra_collected_n_rejected(c, RISTRA_ROW_OUT_OF_RANGE), 1);
    cr_assert_eq(ristra_collected_n_rejected(c, RISTRA_ROW_BAD_NHS_NUMBER), 1);
    cr_assert_eq(ristra_collected_n_rejected(c, RISTRA_ROW_DUPLICATE), 1);
    cr_assert_eq(ristra_collected_n_examples(c), 3);
    cr_assert(strstr(ristra_collected_example(c, 0), "line 6: ") != NULL, "%s",
              ristra_collected_example(c, 0));
    const uint8_t *y = ristra_collected_outcome(c);
    cr_assert(y[0] == 1 && y[1] == 0 && y[2] == 0);
    /* the risks are the scorer's for the same values */
    const double *v = ristra_collected_values(c);
    double risk[3], margin[3];
    cr_assert_eq(ristra_model_score(risk, margin, NULL, model, v, RISTRA_FLOAT64, 3, 2, 2, 1, NULL),
                 RISTRA_OK);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(ristra_collected_risk(c)[i], risk[i]);
        cr_assert_eq(ristra_collected_margin(c)[i], margin[i]);
    }
    ristra_collected_free(c);
}

Test(collect, an_unknown_outcome_is_kept_when_asked_with_the_published_value)
{
    ristra_collected *c = collect(1);
    cr_assert_eq(ristra_collected_n_rows(c), 4);
    cr_assert_eq(ristra_collected_outcome(c)[2], RISTRA_OUTCOME_UNKNOWN);
    cr_assert_eq(ristra_collected_n_left_out(c, RISTRA_LEFT_OUT_NO_OUTCOME), 0);
    ristra_collected_free(c);
}

Test(collect, practices_are_ranked_in_code_order)
{
    ristra_collected *c = collect(0);
    cr_assert_eq(ristra_collected_n_practices(c), 3);
    cr_assert_str_eq(ristra_collected_practice_code(c, 0), "A81002");
    cr_assert_str_eq(ristra_collected_practice_code(c, 1), "B81001");
    cr_assert_str_eq(ristra_collected_practice_code(c, 2), "C81003");
    cr_assert_null(ristra_collected_practice_code(c, 3));
    const int32_t *g = ristra_collected_practice(c);
    cr_assert(g[0] == 1 && g[1] == 1 && g[2] == 0);
    ristra_collected_free(c);
}

Test(collect, groups_by_a_named_extra_column_and_refuses_an_unknown_one)
{
    ristra_collected *c = collect(0);
    int32_t g[3];
    cr_assert_eq(ristra_collected_group(g, c, RISTRA_GROUPING_AGE_BAND, "age"), RISTRA_OK);
    cr_assert(g[0] == 3 && g[1] == 0 && g[2] == 2, "%d %d %d", g[0], g[1], g[2]);
    cr_assert_eq(ristra_collected_group(g, c, RISTRA_GROUPING_DEPRIVATION_QUINTILE, "imd_decile"),
                 RISTRA_OK);
    cr_assert(g[0] == 2 && g[1] == RISTRA_GROUP_UNKNOWN && g[2] == 1, "%d %d %d", g[0], g[1],
              g[2]);
    cr_assert_eq(ristra_collected_group(g, c, RISTRA_GROUPING_SEX, "female"), RISTRA_ENOTFOUND);
    ristra_collected_free(c);
}

Test(schema, checks_one_named_value_in_the_readers_words)
{
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, MODEL, sizeof MODEL - 1, "model"), RISTRA_OK);
    char why[256];
    cr_assert_eq(ristra__schema_check_value(m, "age", 40, why, sizeof why), RISTRA_ROW_OK);
    cr_assert_str_eq(why, "");
    cr_assert_eq(ristra__schema_check_value(m, "age", 130, why, sizeof why),
                 RISTRA_ROW_OUT_OF_RANGE);
    cr_assert_str_eq(why, "field \"age\": 130 is outside the valid range [0, 120]");
    cr_assert_eq(ristra__schema_check_value(m, "age", NAN, why, sizeof why), RISTRA_ROW_MISSING);
    cr_assert_eq(ristra__schema_check_value(m, "imd_decile", NAN, NULL, 0), RISTRA_ROW_OK);
    cr_assert_eq(ristra__schema_check_value(m, "weight", 1, NULL, 0), RISTRA_ENOTFOUND);
    ristra_model_free(m);
}
