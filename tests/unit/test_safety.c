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

/* ------------------------------------------------ missing data is a decision */

static const char POLICY_MODEL[] =
    "\"features\": ["
    " {\"name\": \"a\", \"missing\": {\"policy\": \"native\"}},"
    " {\"name\": \"b\", \"missing\": {\"policy\": \"native\"}, \"required\": true},"
    " {\"name\": \"c\", \"valid_range\": [0, 10], \"missing\": {\"policy\": \"native\"}}],"
    " \"min_present_features\": 2,"
    " \"gbdt\": {\"semantics\": \"xgboost\", \"base_margin\": 0.5, \"trees\": ["
    "  {\"left\": [1, -1, -1], \"right\": [2, -1, -1], \"feature\": [0, -1, -1],"
    "   \"value\": [1, 2.5, -1], \"default_left\": [1, 0, 0]}]}";

Test(missing_policy, too_few_features_present_is_insufficient_data_not_a_risk)
{
    ristra_model *m = model_from("gbdt", POLICY_MODEL);
    cr_assert_eq(ristra_model_min_present(m), 2);
    double x[4][3] = { { NAN, 1, NAN }, { 0, 1, NAN }, { NAN, NAN, NAN }, { 0, 1, 5 } };
    double p[4];
    int32_t st[4];
    cr_assert_eq(ristra_model_score(p, NULL, st, m, x, RISTRA_FLOAT64, 4, 3, 3, 1, NULL), RISTRA_OK);
    cr_assert_eq(st[0], RISTRA_ROW_INSUFFICIENT_DATA, "one of three present");
    cr_assert(isnan(p[0]));
    cr_assert_eq(st[1], RISTRA_ROW_OK);
    cr_assert_eq(st[2], RISTRA_ROW_MISSING, "the required feature comes first");
    cr_assert_eq(st[3], RISTRA_ROW_OK);
    cr_assert_str_eq(ristra_row_status_string(RISTRA_ROW_INSUFFICIENT_DATA),
                     "too few features present");

    ristra_row_check c = RISTRA_ROW_CHECK_INIT;
    cr_assert_eq(ristra_model_check_row(&c, m, x[0], RISTRA_FLOAT64, 3), RISTRA_OK);
    cr_assert_eq(c.status, RISTRA_ROW_INSUFFICIENT_DATA);
    cr_assert_eq(c.n_present, 1);
    cr_assert_eq(c.n_needed, 2);
    cr_assert_eq(c.feature, -1);
    cr_assert_eq(ristra_model_check_row(&c, m, x[2], RISTRA_FLOAT64, 3), RISTRA_OK);
    cr_assert_eq(c.status, RISTRA_ROW_MISSING);
    cr_assert_eq(c.feature, 1, "feature b is the one to fill in");
    cr_assert_eq(c.n_present, 0);
    float bad[3] = { 0, 1, 11 };
    cr_assert_eq(ristra_model_check_row(&c, m, bad, RISTRA_FLOAT32, 3), RISTRA_OK);
    cr_assert_eq(c.status, RISTRA_ROW_OUT_OF_RANGE);
    cr_assert_eq(c.feature, 2);
    cr_assert_eq(c.n_present, 3);
    ristra_row_check old = { 99, 0, 0, 0, 0 };
    cr_assert_eq(ristra_model_check_row(&old, m, bad, RISTRA_FLOAT32, 3), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_check_row(&c, m, bad, RISTRA_FLOAT32, 2), RISTRA_EINVAL);
    ristra_model_free(m);
}

Test(missing_policy, min_present_and_required_survive_save_and_load)
{
    ristra_model *m = model_from("gbdt", POLICY_MODEL);
    char *text = NULL;
    size_t n = 0;
    cr_assert_eq(ristra_model_save_buffer(&text, &n, m, NULL), RISTRA_OK);
    cr_assert(strstr(text, "\"min_present_features\":2") != NULL, "%s", text);
    cr_assert(strstr(text, "\"required\":true") != NULL);
    ristra_model *m2 = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m2, text, n, "saved"), RISTRA_OK);
    ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
    cr_assert_eq(ristra_model_feature(&f, m2, 1), RISTRA_OK);
    cr_assert_eq(f.required, 1);
    cr_assert_eq(ristra_model_feature(&f, m2, 0), RISTRA_OK);
    cr_assert_eq(f.required, 0);
    cr_assert_eq(ristra_model_min_present(m2), 2);
    ristra_free(text);
    ristra_model_free(m2);
    ristra_model_free(m);
}

/* The README's loop over ristra_population_read(), exactly as written:
 * every row of a block goes to ristra_model_score(), which must report
 * the reader's status for a rejected row rather than score it. */
Test(missing_policy, the_readme_reader_loop_never_scores_a_rejected_row)
{
    ristra_model *model = model_from(
        "gbdt",
        "\"features\": [{\"name\": \"age\", \"missing\": {\"policy\": \"native\"}},"
        "  {\"name\": \"n_ltc\", \"missing\": {\"policy\": \"native\"}}],"
        " \"gbdt\": {\"semantics\": \"xgboost\", \"base_margin\": 3, \"trees\": []}");
    char *dir = rt_tmpdir();
    char *path = rt_join(dir, "practice.csv");
    const char csv[] = "nhs_number,practice,age,n_ltc\n"
                       "9434765919,A81001,70,2\n"
                       "1234567890,A81001,70,2\n"   /* bad check digit */
                       "9434765919,A81001,71,3\n"   /* duplicate */
                       "9434765870,A81001,abc,1\n"; /* not numeric */
    cr_assert_eq(rt_write_file(path, csv, sizeof csv - 1), 0);

    double risk[16];
    int32_t status[16];
    float values32[16 * 2];
    int32_t status32[16];
    int blocks = 0;
    /* --- the README's code, verbatim but for the arrays --- */
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open(&pop, path, model, NULL), RISTRA_OK, "%s",
                 ristra_last_error());
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    while (ristra_population_read(&b, pop) == RISTRA_OK && b.n_rows > 0) {
        ristra_model_score(risk, NULL, status, model, b.values, RISTRA_FLOAT64,
                           b.n_rows, b.n_cols, b.n_cols, 1, NULL);
        /* --- end of the README's code --- */
        blocks++;
        cr_assert_eq(b.n_rows, 4);
        for (int64_t r = 0; r < b.n_rows; r++) {
            cr_assert_eq(status[r], b.status[r], "row %lld: scored %d, reader said %d",
                         (long long)r, status[r], b.status[r]);
            cr_assert_eq(isnan(risk[r]), b.status[r] != RISTRA_ROW_OK);
            for (int64_t j = 0; j < b.n_cols; j++) /* and through float32 */
                values32[r * b.n_cols + j] = (float)b.values[r * b.n_cols + j];
        }
        ristra_model_score(NULL, NULL, status32, model, values32, RISTRA_FLOAT32, b.n_rows,
                           b.n_cols, b.n_cols, 1, NULL);
        for (int64_t r = 0; r < b.n_rows; r++)
            cr_assert_eq(status32[r], b.status[r]);
        cr_assert_eq(b.status[1], RISTRA_ROW_BAD_NHS_NUMBER);
        cr_assert_eq(b.status[2], RISTRA_ROW_DUPLICATE);
        cr_assert_eq(b.status[3], RISTRA_ROW_NOT_NUMERIC);
        for (int64_t j = 0; j < b.n_cols; j++)
            cr_assert(isnan(b.values[1 * b.n_cols + j]), "a rejected row's values are NaN");
    }
    ristra_population_close(pop);
    cr_assert_eq(blocks, 1);
    rt_rmtree(dir);
    free(path);
    free(dir);
    ristra_model_free(model);
}

Test(missing_policy, ordinary_nans_are_not_mistaken_for_rejected_rows)
{
    ristra_model *m = model_from(
        "gbdt",
        "\"features\": [{\"name\": \"a\", \"missing\": {\"policy\": \"native\"}}],"
        " \"gbdt\": {\"semantics\": \"xgboost\", \"base_margin\": 0, \"trees\": []}");
    double zero = 0.0;
    volatile double z = zero;
    double x[3] = { z / z, -NAN, NAN };
    uint64_t r_na = UINT64_C(0x7FF00000000007A2); /* R's NA_real_ */
    memcpy(&x[2], &r_na, sizeof x[2]);
    int32_t st[3];
    cr_assert_eq(ristra_model_score(NULL, NULL, st, m, x, RISTRA_FLOAT64, 3, 1, 1, 1, NULL),
                 RISTRA_OK);
    for (int r = 0; r < 3; r++)
        cr_assert_eq(st[r], RISTRA_ROW_OK, "row %d", r);
    ristra_model_free(m);
}

/* ------------------------------------------------ bounded resources */

#include <zlib.h>
#include <ristra/xgboost.h>

/* gzip of `pad` spaces followed by text: tiny, whatever pad is. */
static unsigned char *gzip_padded(size_t *size_out, size_t pad, const char *text)
{
    size_t n = pad + strlen(text);
    char *plain = malloc(n);
    cr_assert_not_null(plain);
    memset(plain, ' ', pad);
    memcpy(plain + pad, text, strlen(text));
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, n);
    unsigned char *gz = malloc(cap);
    z.next_in = (unsigned char *)plain;
    z.avail_in = (uInt)n;
    z.next_out = gz;
    z.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&z, Z_FINISH), Z_STREAM_END);
    *size_out = cap - z.avail_out;
    deflateEnd(&z);
    free(plain);
    return gz;
}

static const char SMALL_MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"logistic\","
    " \"metadata\": {\"name\": \"t\", \"version\": \"1\", \"outcome\": \"o\","
    "  \"horizon_days\": 365, \"intended_use\": \"tests\", \"training_population\": {}},"
    " \"link\": \"logit\", \"features\": [{\"name\": \"a\", \"missing\": {\"policy\": \"reject\"}}],"
    " \"logistic\": {\"intercept\": 0, \"coefficients\": [1]}}";

Test(bounded_resources, a_model_that_inflates_past_the_limit_is_refused)
{
    enum { PAD = 4 << 20 }; /* 4 MiB of whitespace: a few KiB of gzip */
    size_t n = 0;
    unsigned char *gz = gzip_padded(&n, PAD, SMALL_MODEL);
    cr_assert_lt(n, 64 * 1024);
    ristra_load_options o = RISTRA_LOAD_OPTIONS_INIT;
    o.max_bytes = 1 << 20;
    ristra_model *m = (ristra_model *)1;
    cr_assert_eq(ristra_model_load_buffer_ex(&m, gz, n, "bomb.json.gz", &o), RISTRA_EFORMAT);
    cr_assert_null(m);
    cr_assert(strstr(ristra_last_error(), "more than 1048576 bytes once decompressed") != NULL,
              "%s", ristra_last_error());
    cr_assert(strstr(ristra_last_error(), "max_bytes") != NULL);
    o.max_bytes = PAD + sizeof SMALL_MODEL; /* just enough */
    cr_assert_eq(ristra_model_load_buffer_ex(&m, gz, n, "big.json.gz", &o), RISTRA_OK, "%s",
                 ristra_last_error());
    ristra_model_free(m);
    o.max_bytes = PAD + sizeof SMALL_MODEL - 2; /* one byte short */
    cr_assert_eq(ristra_model_load_buffer_ex(&m, gz, n, "big.json.gz", &o), RISTRA_EFORMAT);

    /* a plain model says its size: refused before reading */
    o.max_bytes = 100;
    cr_assert_eq(ristra_model_load_buffer_ex(&m, SMALL_MODEL, sizeof SMALL_MODEL - 1, "plain",
                                             &o),
                 RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "more than 100") != NULL, "%s", ristra_last_error());
    /* the same bytes load with the default limit */
    cr_assert_eq(ristra_model_load_buffer(&m, gz, n, "default"), RISTRA_OK);
    ristra_model_free(m);
    ristra_load_options bad = { 99, 0 };
    cr_assert_eq(ristra_model_load_buffer_ex(&m, gz, n, "x", &bad), RISTRA_EINVAL);
    cr_assert_eq(RISTRA_DEFAULT_MAX_MODEL_BYTES, (size_t)1 << 30);
    free(gz);
}

Test(bounded_resources, an_xgboost_file_that_inflates_past_the_limit_is_refused)
{
    size_t n = 0;
    unsigned char *gz = gzip_padded(&n, 4 << 20, "{}");
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    o.max_bytes = 1 << 20;
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_import_xgboost_buffer(&m, gz, n, "bomb.json.gz", &o),
                 RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "more than 1048576 bytes once decompressed") != NULL,
              "%s", ristra_last_error());
    free(gz);
}

/* 100,000 features: every name is checked against every earlier one by a
 * hash set (a pairwise scan took 16 s here). The last name repeats an
 * early one: the message names both places. */
Test(bounded_resources, a_model_with_100000_features_loads_and_a_duplicate_is_named)
{
    enum { N = 100000 };
    size_t cap = (size_t)N * 64 + 4096, len = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    len += (size_t)snprintf(text + len, cap - len, HEAD, "logistic");
    len += (size_t)snprintf(text + len, cap - len, "\"features\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"name\": \"f%d\", \"missing\": {\"policy\": \"reject\"}}",
                                i ? "," : "", i);
    len += (size_t)snprintf(text + len, cap - len, "], \"logistic\": {\"intercept\": 0, \"coefficients\": [");
    for (int i = 0; i < N; i++)
        len += (size_t)snprintf(text + len, cap - len, "%s0.5", i ? "," : "");
    len += (size_t)snprintf(text + len, cap - len, "]}}");
    cr_assert_lt(len, cap);
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, len, "wide"), RISTRA_OK, "%s",
                 ristra_last_error());
    cr_assert_eq(ristra_model_n_features(m), N);
    ristra_model_free(m);
    char *last = strstr(text, "\"f99999\"");
    cr_assert_not_null(last);
    memcpy(last, "\"f5\"    ", 8); /* same length: "f5" then spaces */
    cr_assert_eq(ristra_model_load_buffer(&m, text, len, "wide"), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "$.features[99999].name") != NULL, "%s",
              ristra_last_error());
    cr_assert(strstr(ristra_last_error(), "duplicate feature name \"f5\" (also feature 5)") != NULL,
              "%s", ristra_last_error());
    free(text);
}

/* ------------------------------------------------ reader edges */

/* Reads text (one block) with the columns age and y (the outcome). */
static ristra_population *read_text(const char *text, size_t n, ristra_population_block *b,
                                    const ristra_model *model)
{
    ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
    o.outcome_column = "y";
    const char *cols[] = { "age" };
    if (!model) {
        o.columns = cols;
        o.n_columns = 1;
    }
    ristra_population *pop = NULL;
    cr_assert_eq(ristra_population_open_buffer(&pop, text, n, "t.csv", model, &o), RISTRA_OK,
                 "%s", ristra_last_error());
    cr_assert_eq(ristra_population_read(b, pop), RISTRA_OK, "%s", ristra_last_error());
    return pop;
}

static const char *reason_of(ristra_population *pop, int64_t r)
{
    static __thread ristra_population_reject rj;
    rj = (ristra_population_reject)RISTRA_POPULATION_REJECT_INIT;
    cr_assert_eq(ristra_population_reject_info(&rj, pop, r), RISTRA_OK);
    return rj.reason;
}

Test(reader_edges, decimals_of_any_length_convert_exactly_and_overflow_is_out_of_range)
{
    ristra_model *m = model_from(
        "logistic",
        "\"features\": [{\"name\": \"age\", \"valid_range\": [0, 120], \"missing\": {\"policy\": \"reject\"}}],"
        " \"logistic\": {\"intercept\": 0, \"coefficients\": [0.01]}");
    char long_number[400];
    memset(long_number, '0', sizeof long_number);
    memcpy(long_number, "42.", 3);
    memcpy(long_number + sizeof long_number - 5, "0017", 4);
    long_number[sizeof long_number - 1] = '\0'; /* 399 characters */
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "nhs_number,practice,age,y\n"
                     "9434765919,A81001,%s,0\n"
                     "9434765870,A81001,1e308,0\n"
                     "9434765803,A81001,1e400,0\n",
                     long_number);
    for (int pass = 0; pass < 2; pass++) {
        ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
        ristra_population *pop = read_text(text, (size_t)n, &b, pass ? NULL : m);
        cr_assert_eq(b.n_rows, 3);
        cr_assert_eq(b.status[0], RISTRA_ROW_OK, "%s", reason_of(pop, 0));
        cr_assert_eq(b.values[0], strtod(long_number, NULL));
        if (!pass) {
            cr_assert_eq(b.status[1], RISTRA_ROW_OUT_OF_RANGE);
            cr_assert(strstr(reason_of(pop, 1), "outside the valid range") != NULL);
        }
        cr_assert_eq(b.status[2], RISTRA_ROW_OUT_OF_RANGE, "pass %d: %s", pass,
                     reason_of(pop, 2));
        cr_assert(strstr(reason_of(pop, 2), "1e400 is out of range") != NULL, "%s",
                  reason_of(pop, 2));
        ristra_population_close(pop);
    }
    ristra_model_free(m);
}

Test(reader_edges, the_outcome_is_exactly_0_1_or_empty)
{
    const char text[] = "nhs_number,practice,age,y\n"
                        "9434765919,A81001,70,0\n"
                        "9434765870,A81001,70, 1 \n"
                        "9434765803,A81001,70,\n"
                        "9434765811,A81001,70,1.0\n"
                        "9434765838,A81001,70,01\n"
                        "9434765846,A81001,70,1e0\n"
                        "9434765854,A81001,70,-0\n"
                        "9434765862,A81001,70,0.0\n";
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    ristra_population *pop = read_text(text, sizeof text - 1, &b, NULL);
    cr_assert_eq(b.n_rows, 8);
    cr_assert_eq(b.status[0], RISTRA_ROW_OK);
    cr_assert_eq(b.outcome[0], 0.0);
    cr_assert_eq(b.status[1], RISTRA_ROW_OK);
    cr_assert_eq(b.outcome[1], 1.0);
    cr_assert_eq(b.status[2], RISTRA_ROW_OK);
    cr_assert(isnan(b.outcome[2]));
    for (int r = 3; r < 8; r++) {
        cr_assert_eq(b.status[r], RISTRA_ROW_BAD_OUTCOME, "row %d: %s", r, reason_of(pop, r));
        cr_assert(strstr(reason_of(pop, r), "is not 0, 1 or empty") != NULL);
    }
    ristra_population_close(pop);
}

/* docs/population-files.md: a record longer than 16 MiB is refused. */
Test(reader_edges, the_record_limit_is_the_documented_16_mib)
{
    const size_t limit = (size_t)16 << 20;
    const char head[] = "nhs_number,practice,age,note\n9434765919,A81001,70,";
    const size_t row_start = sizeof "nhs_number,practice,age,note\n" - 1;
    size_t cap = sizeof head + limit + 64;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    const size_t lengths[] = { limit, limit + 1, limit + (4 << 20) };
    for (size_t k = 0; k < 3; k++) {
        size_t rec = lengths[k]; /* bytes of the data record, without its newline */
        if (sizeof head + rec + 2 > cap) {
            cap = sizeof head + rec + 64;
            text = realloc(text, cap);
            cr_assert_not_null(text);
        }
        memcpy(text, head, sizeof head - 1);
        size_t n = row_start + rec;
        memset(text + sizeof head - 1, 'x', n - (sizeof head - 1));
        text[n++] = '\n';
        ristra_population_options o = RISTRA_POPULATION_OPTIONS_INIT;
        const char *cols[] = { "age" };
        o.columns = cols;
        o.n_columns = 1;
        ristra_population *pop = NULL;
        cr_assert_eq(ristra_population_open_buffer(&pop, text, n, "long.csv", NULL, &o),
                     RISTRA_OK);
        ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
        int rc = ristra_population_read(&b, pop);
        if (k == 0) {
            cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
            cr_assert_eq(b.n_rows, 1);
            cr_assert_eq(b.status[0], RISTRA_ROW_OK);
        } else {
            cr_assert_eq(rc, RISTRA_EFORMAT, "a record of %zu bytes", rec);
            cr_assert(strstr(ristra_last_error(), "longer than 16 MiB") != NULL, "%s",
                      ristra_last_error());
        }
        ristra_population_close(pop);
    }
    free(text);
}

/* The shipped demonstration model (models/train_demo_models.py) gave a
 * patient with all 19 features missing 0.9645 with status OK. */
Test(demo_model, an_empty_record_is_not_scored_and_a_sparse_one_is_not_high_risk)
{
    char *path = rt_source_path("models/demo_gbdt.json.gz");
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK, "%s", ristra_last_error());
    free(path);
    int64_t nf = ristra_model_n_features(m);
    cr_assert_eq(nf, 19);
    cr_assert_geq(ristra_model_min_present(m), 1);
    double x[19], p;
    int32_t st;
    for (int j = 0; j < 19; j++)
        x[j] = NAN;
    cr_assert_eq(ristra_model_score(&p, NULL, &st, m, x, RISTRA_FLOAT64, 1, nf, nf, 1, NULL),
                 RISTRA_OK);
    cr_assert_eq(st, RISTRA_ROW_INSUFFICIENT_DATA, "status %d, risk %g", st, p);
    cr_assert(isnan(p));
    ristra_row_check c = RISTRA_ROW_CHECK_INIT;
    cr_assert_eq(ristra_model_check_row(&c, m, x, RISTRA_FLOAT64, nf), RISTRA_OK);
    cr_assert_eq(c.n_present, 0);

    /* a newly registered patient with only age, sex, IMD and one more
     * field known scores no higher than an ordinary risk */
    x[ristra_model_feature_index(m, "age")] = 40;
    x[ristra_model_feature_index(m, "female")] = 1;
    x[ristra_model_feature_index(m, "imd_decile")] = 5;
    x[ristra_model_feature_index(m, "care_home")] = 0;
    cr_assert_eq(ristra_model_score(&p, NULL, &st, m, x, RISTRA_FLOAT64, 1, nf, nf, 1, NULL),
                 RISTRA_OK);
    cr_assert_eq(st, RISTRA_ROW_OK);
    cr_assert_lt(p, 0.2, "risk %g", p);
    ristra_model_free(m);
}

/* ------------------------------------------------ one thread limit */

static void refused_for_threads(int rc, const char *what)
{
    cr_assert_eq(rc, RISTRA_EINVAL, "%s: %d", what, rc);
    cr_assert(strstr(ristra_last_error(), "n_threads is 1025 (expected 0 to 1024") != NULL,
              "%s: %s", what, ristra_last_error());
}

Test(thread_limit, every_n_threads_option_has_the_same_limit_and_words)
{
    cr_assert_eq(RISTRA_MAX_THREADS, 1024);
    ristra_model *m = model_from("logistic", "\"features\": [{\"name\": \"a\","
                                 " \"missing\": {\"policy\": \"reject\"}}],"
                                 " \"logistic\": {\"intercept\": 0, \"coefficients\": [1]}");
    double x[2] = { 1, 2 }, y[2] = { 0, 1 }, p[2], c[4];
    uint8_t outcome[2] = { 0, 1 };
    ristra_score_options so = RISTRA_SCORE_OPTIONS_INIT;
    so.n_threads = RISTRA_MAX_THREADS;
    cr_assert_eq(ristra_model_score(p, NULL, NULL, m, x, RISTRA_FLOAT64, 2, 1, 1, 1, &so),
                 RISTRA_OK, "%s", ristra_last_error());
    so.n_threads = RISTRA_MAX_THREADS + 1;
    refused_for_threads(ristra_model_score(p, NULL, NULL, m, x, RISTRA_FLOAT64, 2, 1, 1, 1, &so),
                        "score");
    ristra_explain_options eo = RISTRA_EXPLAIN_OPTIONS_INIT;
    eo.n_threads = RISTRA_MAX_THREADS + 1;
    refused_for_threads(ristra_model_explain(c, NULL, m, x, RISTRA_FLOAT64, 2, 1, 1, 1, &eo),
                        "explain");
    ristra_fit_options fo = RISTRA_FIT_OPTIONS_INIT;
    fo.n_threads = RISTRA_MAX_THREADS + 1;
    ristra_fit *f = NULL;
    refused_for_threads(ristra_fit_logistic(&f, x, 2, 1, 1, y, NULL, &fo), "fit");
    ristra_evaluate_options vo = RISTRA_EVALUATE_OPTIONS_INIT;
    vo.n_threads = RISTRA_MAX_THREADS + 1;
    ristra_evaluation *e = NULL;
    refused_for_threads(ristra_evaluate(&e, p, outcome, 2, NULL, &vo), "evaluate");
    ristra_score_file_options bo = RISTRA_SCORE_FILE_OPTIONS_INIT;
    bo.n_threads = RISTRA_MAX_THREADS + 1;
    ristra_score_result *r = NULL;
    refused_for_threads(ristra_score_file(&r, m, "no-such-input.csv", "no-such-output.csv", &bo),
                        "score_file");
    ristra_drift_options d = RISTRA_DRIFT_OPTIONS_INIT;
    d.n_threads = RISTRA_MAX_THREADS + 1;
    ristra_drift *dr = NULL;
    refused_for_threads(ristra_drift_compute(&dr, m, "a.csv", "b.csv", &d), "drift");
    ristra_model_free(m);
}
