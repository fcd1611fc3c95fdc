/* The XGBoost importer: real models (JSON, UBJSON, gzip) score exactly as
 * XGBoost scored them, other versions' layouts import identically, the
 * options behave as documented, and every malformed or unsupported file
 * fails with its own error. The fixtures come from
 * tests/fixtures/xgboost/make_xgboost_fixtures.py. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/xgboost.h>

#include "test_util.h"

static const char *const NAMES[] = { "age", "n_ltc", "prior_admissions", "imd_decile" };

static ristra_model *import_ok(const char *rel, const ristra_xgboost_options *opts)
{
    char *path = rt_source_path(rel);
    ristra_model *m = NULL;
    int rc = ristra_model_import_xgboost(&m, path, opts);
    cr_assert_eq(rc, RISTRA_OK, "%s: %s", rel, ristra_last_error());
    free(path);
    return m;
}

static ristra_model *fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/xgboost/good/%s", name);
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    if (strstr(name, "v1_0")) { /* that layout has no feature names */
        o.feature_names = NAMES;
        o.n_feature_names = 4;
    }
    return import_ok(rel, &o);
}

/* Rows that reach every kind of branch: random values, exact thresholds
 * (k * 0.25 hits many), missing values, all missing, and categories that
 * are negative, fractional or beyond those seen in training. */
static double *probe_rows(int64_t n)
{
    double *x = malloc((size_t)n * 4 * sizeof *x);
    uint64_t s = 88172645463325252ull;
    for (int64_t i = 0; i < n * 4; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        int64_t r = (int64_t)(s % 2000);
        x[i] = r < 150 ? NAN : (double)(r - 1000) / 250.0;
        if (i % 4 == 0 && r % 3 == 0)
            x[i] = (double)(r % 11) - 2.0 + (r % 7 == 0 ? 0.5 : 0.0);
    }
    for (int j = 0; j < 4; j++)
        x[j] = NAN;
    return x;
}

static void scores(const ristra_model *m, double *prob, double *margin, const double *x, int64_t n)
{
    int32_t *status = malloc((size_t)n * sizeof *status);
    int rc = ristra_model_score(prob, margin, status, m, x, RISTRA_FLOAT64, n, 4, 4, 1, NULL);
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    /* row 0 has every feature missing: an imported model needs at least
     * one present by default (min_present_features 1) */
    for (int64_t i = 0; i < n; i++)
        cr_assert_eq(status[i], i == 0 ? RISTRA_ROW_INSUFFICIENT_DATA : RISTRA_ROW_OK);
    free(status);
}

/* Both models give bit-identical margins and probabilities. */
static void assert_same_scores(const ristra_model *a, const ristra_model *b, const char *what)
{
    enum { N = 2000 };
    double *x = probe_rows(N);
    double *pa = malloc(N * sizeof *pa), *ma = malloc(N * sizeof *ma);
    double *pb = malloc(N * sizeof *pb), *mb = malloc(N * sizeof *mb);
    scores(a, pa, ma, x, N);
    scores(b, pb, mb, x, N);
    for (int i = 0; i < N; i++) {
        if (i == 0) {
            cr_assert(isnan(ma[i]) && isnan(mb[i]) && isnan(pa[i]) && isnan(pb[i]));
            continue;
        }
        cr_assert_eq(ma[i], mb[i], "%s: row %d: margin %.9g vs %.9g", what, i, ma[i], mb[i]);
        cr_assert_eq(pa[i], pb[i], "%s: row %d", what, i);
    }
    free(x);
    free(pa);
    free(ma);
    free(pb);
    free(mb);
}

/* ------------------------------------------------------------ against XGBoost */

/* tests/golden/gbdt_* hold XGBoost's own margins for its own model. */
static void check_golden(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/golden/%s/xgboost.json", name);
    ristra_model *m = import_ok(rel, NULL);
    rt_table in, want;
    snprintf(rel, sizeof rel, "tests/golden/%s/input.csv", name);
    char *path = rt_source_path(rel);
    cr_assert_eq(rt_table_read(&in, path), 0);
    free(path);
    snprintf(rel, sizeof rel, "tests/golden/%s/expected.csv", name);
    path = rt_source_path(rel);
    cr_assert_eq(rt_table_read(&want, path), 0);
    free(path);
    cr_assert_eq(ristra_model_n_features(m), in.cols);
    for (int64_t j = 0; j < in.cols; j++)
        cr_assert_eq(ristra_model_feature_index(m, in.names[j]), j);
    double *prob = malloc((size_t)in.rows * sizeof *prob);
    double *margin = malloc((size_t)in.rows * sizeof *margin);
    int rc = ristra_model_score(prob, margin, NULL, m, in.values, RISTRA_FLOAT64, in.rows,
                                in.cols, in.cols, 1, NULL);
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    int64_t cm = rt_table_col(&want, "margin"), cp = rt_table_col(&want, "prob");
    for (int64_t r = 0; r < in.rows; r++) {
        cr_assert_eq(margin[r], want.values[r * want.cols + cm], "%s row %lld: %.9g vs %.9g",
                     name, (long long)r, margin[r], want.values[r * want.cols + cm]);
        cr_assert_eq(prob[r], want.values[r * want.cols + cp], "%s row %lld", name,
                     (long long)r);
    }
    free(prob);
    free(margin);
    rt_table_free(&in);
    rt_table_free(&want);
    ristra_model_free(m);
}

Test(xgboost_import, numeric_trees_score_exactly_as_xgboost_did)
{
    check_golden("gbdt_numeric");
}

Test(xgboost_import, categorical_trees_score_exactly_as_xgboost_did)
{
    check_golden("gbdt_categorical");
}

Test(xgboost_import, deep_trees_score_exactly_as_xgboost_did)
{
    check_golden("gbdt_deep");
}

Test(xgboost_import, agrees_with_the_independent_python_translation)
{
    static const char *const cases[] = { "gbdt_numeric", "gbdt_categorical", "gbdt_deep" };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tests/golden/%s/xgboost.json", cases[i]);
        ristra_model *a = import_ok(rel, NULL);
        snprintf(rel, sizeof rel, "tests/golden/%s/model.json", cases[i]);
        char *path = rt_source_path(rel);
        ristra_model *b = NULL;
        cr_assert_eq(ristra_model_load(&b, path), RISTRA_OK, "%s", ristra_last_error());
        free(path);
        ristra_tree_summary sa = RISTRA_TREE_SUMMARY_INIT, sb = RISTRA_TREE_SUMMARY_INIT;
        ristra_model_trees(&sa, a);
        ristra_model_trees(&sb, b);
        cr_assert_eq(sa.n_trees, sb.n_trees);
        cr_assert_eq(sa.n_nodes, sb.n_nodes);
        cr_assert_eq(sa.max_depth, sb.max_depth);
        cr_assert_eq(sa.n_categorical, sb.n_categorical);
        ristra_model_free(a);
        ristra_model_free(b);
    }
}

/* ------------------------------------------------------------ encodings and versions */

Test(xgboost_import, json_ubjson_and_gzip_give_the_same_model)
{
    static const char *const groups[][6] = {
        { "numeric.json", "numeric.ubj", "numeric.json.gz", "numeric_v1_0.json",
          "numeric_v2.ubj", "numeric_v3_1.json" },
        { "categorical.json", "categorical.ubj", "categorical.ubj.gz", "categorical_v1_5.json",
          "categorical_v2.ubj", "categorical_v3_1.ubj" },
        { "logitraw.json", "logitraw.ubj", NULL },
        { "reg_logistic.json", "reg_logistic.ubj", NULL },
        { "gblinear.json", "gblinear.ubj", NULL },
    };
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++) {
        ristra_model *first = fixture(groups[g][0]);
        for (size_t k = 1; k < 6 && groups[g][k]; k++) {
            ristra_model *other = fixture(groups[g][k]);
            cr_assert_eq(ristra_model_kind(other), ristra_model_kind(first));
            assert_same_scores(first, other, groups[g][k]);
            ristra_model_free(other);
        }
        ristra_model_free(first);
    }
}

Test(xgboost_import, records_the_encoding_version_and_objective)
{
    ristra_model *m = fixture("categorical_v3_1.ubj");
    const char *meta = ristra_model_metadata(m);
    cr_assert(strstr(meta, "\"source\":\"xgboost 3.1.0\"") != NULL, "%s", meta);
    cr_assert(strstr(meta, "\"encoding\":\"ubjson\"") != NULL, "%s", meta);
    cr_assert(strstr(meta, "\"objective\":\"binary:logistic\"") != NULL, "%s", meta);
    cr_assert(strstr(meta, "\"base_score\":\"[5E-1]\"") != NULL, "%s", meta);
    ristra_model_free(m);
    m = fixture("categorical.ubj.gz");
    cr_assert(strstr(ristra_model_metadata(m), "\"gzip\":true") != NULL);
    ristra_model_free(m);
}

Test(xgboost_import, tree_models_pass_missing_values_to_the_trees)
{
    ristra_model *m = fixture("categorical.json");
    cr_assert_eq(ristra_model_kind(m), RISTRA_MODEL_GBDT);
    ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
    cr_assert_eq(ristra_model_feature(&f, m, 0), RISTRA_OK);
    cr_assert_str_eq(f.name, "age");
    cr_assert_eq(f.missing_policy, RISTRA_MISSING_NATIVE);
    cr_assert(isinf(f.valid_min) && f.valid_min < 0 && isinf(f.valid_max));
    cr_assert(strstr(f.description, "categorical") != NULL, "%s", f.description);
    cr_assert_eq(ristra_model_feature(&f, m, 1), RISTRA_OK);
    cr_assert_str_eq(f.description, "");
    ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
    ristra_model_trees(&ts, m);
    cr_assert_eq(ts.n_trees, 4);
    cr_assert_gt(ts.n_categorical, 0);
    ristra_model_free(m);
}

Test(xgboost_import, gblinear_becomes_a_logistic_model_that_imputes_zero)
{
    ristra_model *m = fixture("gblinear.json");
    cr_assert_eq(ristra_model_kind(m), RISTRA_MODEL_LOGISTIC);
    ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
    cr_assert_eq(ristra_model_feature(&f, m, 2), RISTRA_OK);
    cr_assert_eq(f.missing_policy, RISTRA_MISSING_IMPUTE);
    cr_assert_eq(f.impute_value, 0.0);
    double x[8] = { NAN, 1.5, NAN, -2, 0, 1.5, 0, -2 };
    double margin[2];
    cr_assert_eq(ristra_model_score(NULL, margin, NULL, m, x, RISTRA_FLOAT64, 2, 4, 4, 1, NULL),
                 RISTRA_OK);
    cr_assert_eq(margin[0], margin[1]);
    ristra_model_free(m);
}

/* ------------------------------------------------------------ hand-made documents */

static int import_text(ristra_model **m, const char *text)
{
    return ristra_model_import_xgboost_buffer(m, text, strlen(text), "inline.json", NULL);
}

/* One tree, one split on feature 0 at threshold T, leaves -1 and +1. */
static char *stump(const char *threshold, const char *extra_tree_fields)
{
    static const char fmt[] =
        "{\"version\":[1,7,4],\"learner\":{\"attributes\":{},\"feature_names\":[\"x\",\"y\"],"
        "\"feature_types\":[\"float\",\"float\"],\"learner_model_param\":{\"base_score\":\"5E-1\","
        "\"num_class\":\"0\",\"num_feature\":\"2\"},\"objective\":{\"name\":\"binary:logitraw\"},"
        "\"gradient_booster\":{\"name\":\"gbtree\",\"model\":{\"gbtree_model_param\":"
        "{\"num_trees\":\"1\"},\"tree_info\":[0],\"trees\":[{\"id\":0,\"tree_param\":"
        "{\"num_nodes\":\"%s\"},\"left_children\":[1,-1,-1%s],\"right_children\":[2,-1,-1%s],"
        "\"split_indices\":[0,0,0%s],\"split_conditions\":[%s,-1E0,1E0%s],"
        "\"default_left\":[true,false,false%s]%s}]}}}}";
    int pruned = extra_tree_fields && strstr(extra_tree_fields, "pruned");
    char *out = malloc(4096);
    snprintf(out, 4096, fmt, pruned ? "5" : "3", pruned ? ",-1,-1" : "", pruned ? ",-1,-1" : "",
             pruned ? ",2147483647,2147483647" : "", threshold,
             pruned ? ",NaN,Infinity" : "", pruned ? ",1,1" : "",
             extra_tree_fields && !pruned ? extra_tree_fields : "");
    return out;
}

static double margin_at(const ristra_model *m, double x0)
{
    double x[2] = { x0, 0 }, margin;
    cr_assert_eq(ristra_model_score(NULL, &margin, NULL, m, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL),
                 RISTRA_OK);
    return margin;
}

Test(xgboost_import, thresholds_round_to_float_once_as_xgboost_reads_them)
{
    /* Just above the midpoint between 1.0f and the next float: strtof
     * gives the upper float, rounding through double would give 1.0f. */
    char *text = stump("1.0000000596046447753906251", NULL);
    ristra_model *m = NULL;
    cr_assert_eq(import_text(&m, text), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(margin_at(m, 1.0), 0.5 - 1.0);           /* 1.0 < threshold: left */
    cr_assert_eq(margin_at(m, 1.00000011920928955), 0.5 + 1.0);
    cr_assert_eq(margin_at(m, NAN), 0.5 - 1.0);           /* default left */
    ristra_model_free(m);
    free(text);
}

Test(xgboost_import, pruned_nodes_are_dropped)
{
    char *text = stump("0E0", "pruned");
    ristra_model *m = NULL;
    cr_assert_eq(import_text(&m, text), RISTRA_OK, "%s", ristra_last_error());
    ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
    ristra_model_trees(&ts, m);
    cr_assert_eq(ts.n_nodes, 3);
    cr_assert_eq(margin_at(m, -0.5), 0.5 - 1.0);
    cr_assert_eq(margin_at(m, 0.0), 0.5 + 1.0); /* x == threshold goes right */
    ristra_model_free(m);
    free(text);
}

Test(xgboost_import, logitraw_keeps_base_score_as_the_margin)
{
    char *text = stump("0E0", NULL);
    ristra_model *m = NULL;
    cr_assert_eq(import_text(&m, text), RISTRA_OK, "%s", ristra_last_error());
    double x[2] = { -1, 0 }, prob, margin;
    ristra_model_score(&prob, &margin, NULL, m, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL);
    cr_assert_eq(margin, -0.5);
    cr_assert_float_eq(prob, 1 / (1 + exp(0.5)), 1e-7);
    ristra_model_free(m);
    free(text);
}

Test(xgboost_import, a_nan_token_inside_a_string_is_just_text)
{
    char *text = stump("0E0", NULL);
    char *named = malloc(strlen(text) + 16);
    char *at = strstr(text, "\"x\"");
    sprintf(named, "%.*s\"NaN -Infinity\"%s", (int)(at - text), text, at + 3);
    ristra_model *m = NULL;
    cr_assert_eq(import_text(&m, named), RISTRA_OK, "%s", ristra_last_error());
    ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
    ristra_model_feature(&f, m, 0);
    cr_assert_str_eq(f.name, "NaN -Infinity");
    ristra_model_free(m);
    free(named);
    free(text);
}

/* ------------------------------------------------------------ options */

Test(xgboost_import, names_come_from_the_caller_when_the_file_has_none)
{
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    char *path = rt_source_path("tests/fixtures/xgboost/good/numeric_v1_0.json");
    ristra_model *m = (ristra_model *)1;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_EINVAL);
    cr_assert_null(m);
    cr_assert(strstr(ristra_last_error(), "does not name its 4 features") != NULL);
    o.feature_names = NAMES;
    o.n_feature_names = 3;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "3 feature names were given but the model has 4") !=
              NULL, "%s", ristra_last_error());
    const char *dup[] = { "a", "b", "a", "c" };
    o.feature_names = dup;
    o.n_feature_names = 4;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "feature 2: \"a\" is also the name of feature 0") !=
              NULL, "%s", ristra_last_error());
    const char *empty[] = { "a", "", "b", "c" };
    o.feature_names = empty;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "feature 1: the name is empty") != NULL, "%s",
              ristra_last_error());
    const char *latin1[] = { "a", "b", "d\xe9" "c", "c" };
    o.feature_names = latin1;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "feature 2: the name is not valid UTF-8") != NULL, "%s",
              ristra_last_error());
    o.feature_names = NAMES;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(ristra_model_feature_index(m, "imd_decile"), 3);
    ristra_model_free(m);
    free(path);
}

Test(xgboost_import, names_given_for_a_model_that_has_names_must_match)
{
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    const char *other[] = { "age", "n_ltc", "prior", "imd_decile" };
    o.feature_names = other;
    o.n_feature_names = 4;
    char *path = rt_source_path("tests/fixtures/xgboost/good/numeric.json");
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "feature 2 is \"prior_admissions\" in the model but "
                                          "\"prior\"") != NULL,
              "%s", ristra_last_error());
    o.feature_names = NAMES;
    cr_assert_eq(ristra_model_import_xgboost(&m, path, &o), RISTRA_OK);
    ristra_model_free(m);
    free(path);
}

Test(xgboost_import, metadata_is_the_callers_or_an_honest_default)
{
    ristra_model *m = fixture("numeric.json");
    const char *meta = ristra_model_metadata(m);
    cr_assert(strstr(meta, "\"name\":\"numeric.json\"") != NULL, "%s", meta);
    cr_assert(strstr(meta, "\"outcome\":\"unknown (imported from XGBoost)\"") != NULL, "%s", meta);
    cr_assert(strstr(meta, "validated before any clinical use") != NULL, "%s", meta);
    cr_assert(strstr(meta, "\"defaulted\":[\"name\",\"version\",\"outcome\",\"horizon_days\","
                           "\"intended_use\",\"training_population\"]") != NULL, "%s", meta);
    cr_assert(strstr(meta, "\"best_iteration\":\"2\"") != NULL, "%s", meta);
    ristra_model_free(m);

    ristra_xgboost_options o;
    cr_assert_eq(ristra_xgboost_options_init(&o, RISTRA_XGBOOST_OPTIONS_VERSION), RISTRA_OK);
    o.name = "admissions";
    o.model_version = "2.1";
    o.outcome = "emergency admission";
    o.horizon_days = 180;
    o.intended_use = "research only";
    o.training_population = "synthetic";
    m = import_ok("tests/fixtures/xgboost/good/numeric.ubj", &o);
    meta = ristra_model_metadata(m);
    cr_assert(strstr(meta, "\"name\":\"admissions\",\"version\":\"2.1\",\"outcome\":\"emergency "
                           "admission\",\"horizon_days\":180,\"intended_use\":\"research only\","
                           "\"training_population\":{\"description\":\"synthetic\"}") != NULL,
              "%s", meta);
    cr_assert(strstr(meta, "\"defaulted\":[]") != NULL, "%s", meta);

    /* what is imported saves as a native model and loads back */
    char *text = NULL;
    size_t size = 0;
    cr_assert_eq(ristra_model_save_buffer(&text, &size, m, NULL), RISTRA_OK);
    ristra_model *back = NULL;
    cr_assert_eq(ristra_model_load_buffer(&back, text, size, "saved"), RISTRA_OK, "%s",
                 ristra_last_error());
    assert_same_scores(m, back, "saved and loaded");
    ristra_free(text);
    ristra_model_free(back);
    ristra_model_free(m);
}

Test(xgboost_import, bad_arguments_are_refused)
{
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_import_xgboost(NULL, "x", NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_import_xgboost(&m, NULL, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_import_xgboost_buffer(&m, NULL, 3, NULL, NULL), RISTRA_EINVAL);
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    o.version = 2;
    cr_assert_eq(ristra_model_import_xgboost(&m, "x", &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "opts->version") != NULL);
    o.version = 1;
    o.n_feature_names = 2;
    cr_assert_eq(ristra_model_import_xgboost(&m, "x", &o), RISTRA_EINVAL);
    o.n_feature_names = 0;
    o.horizon_days = -1;
    cr_assert_eq(ristra_model_import_xgboost(&m, "x", &o), RISTRA_EINVAL);
    o.horizon_days = 0;
    o.outcome = "\xff";
    cr_assert_eq(ristra_model_import_xgboost(&m, "x", &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "opts->outcome is not valid UTF-8") != NULL);
    cr_assert_eq(ristra_xgboost_options_init(NULL, 1), RISTRA_EINVAL);
    cr_assert_eq(ristra_xgboost_options_init(&o, 0), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_import_xgboost(&m, "/no/such/model.json", NULL), RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), "/no/such/model.json") != NULL);
    cr_assert_eq(ristra_model_import_xgboost_buffer(&m, NULL, 0, NULL, NULL), RISTRA_EFORMAT);
    cr_assert(strstr(ristra_last_error(), "<buffer>") != NULL);
    cr_assert_null(m);
}

/* ------------------------------------------------------------ malformed files */

typedef struct bad_case {
    char file[48];
    int code;
    char words[3][96]; /* each must appear in the message */
} bad_case;

#define TREE0 "$.learner.gradient_booster.model.trees[0]."
#define TREE1 "$.learner.gradient_booster.model.trees[1]."
#define MODEL "$.learner.gradient_booster.model."
#define PARAM "$.learner.learner_model_param."

static bad_case bad_cases[] = {
    { "empty.json", RISTRA_EFORMAT, { "empty.json", "empty" } },
    { "legacy_binary.model", RISTRA_EFORMAT, { "legacy_binary.model", "binary format", ".ubj" } },
    { "truncated.json", RISTRA_EFORMAT, { "truncated.json: line 1, column", "invalid JSON" } },
    { "truncated.ubj", RISTRA_EFORMAT, { "truncated.ubj: byte ", "invalid UBJSON", "truncated" } },
    { "truncated.json.gz", RISTRA_EFORMAT, { "truncated.json.gz", "truncated gzip stream" } },
    { "trailing_garbage.json", RISTRA_EFORMAT, { "column 3858", "end of file expected" } },
    { "nul_in_string.json", RISTRA_EFORMAT, { "line 1, column", "NUL characters" } },
    { "version_missing.json", RISTRA_EFORMAT, { "$: missing required member \"version\"" } },
    { "version_newer.json", RISTRA_EVERSION, { "$.version", "XGBoost 4.0.0", "upgrade ristra" } },
    { "version_string.json", RISTRA_EFORMAT, { "$.version", "expected an array, got a string" } },
    { "learner_missing.json", RISTRA_EFORMAT, { "missing required member \"learner\"" } },
    { "num_feature_integer.json", RISTRA_EFORMAT, { PARAM "num_feature", "expected a string, got an integer" } },
    { "num_feature_garbage.json", RISTRA_EFORMAT, { PARAM "num_feature", "\"4x\" is not an integer" } },
    { "base_score_garbage.json", RISTRA_EFORMAT, { PARAM "base_score", "\"5E-1x\" is not a number" } },
    { "base_score_two_values.json", RISTRA_EFORMAT, { PARAM "base_score", "[5E-1,5E-1]" } },
    { "base_score_out_of_range.json", RISTRA_EFORMAT, { PARAM "base_score", "strictly between 0 and 1" } },
    { "num_target_two.json", RISTRA_EUNSUPPORTED, { PARAM "num_target", "multi-target" } },
    { "feature_names_count.json", RISTRA_EFORMAT, { "$.learner.feature_names", "3 names for 4 features" } },
    { "feature_name_number.json", RISTRA_EFORMAT, { "$.learner.feature_names[1]", "expected a string" } },
    { "feature_names_duplicate.json", RISTRA_EFORMAT, { "$.learner.feature_names[2]", "\"age\" is also the name of feature 0" } },
    { "missing_trees.json", RISTRA_EFORMAT, { "$.learner.gradient_booster.model", "missing required member \"trees\"" } },
    { "trees_not_array.json", RISTRA_EFORMAT, { MODEL "trees", "expected an array, got an object" } },
    { "num_trees_mismatch.json", RISTRA_EFORMAT, { MODEL "trees", "has 3 trees but gbtree_model_param.num_trees is 4" } },
    { "tree_info_short.json", RISTRA_EFORMAT, { MODEL "tree_info", "2 elements for 3 trees" } },
    { "tree_info_group.json", RISTRA_EUNSUPPORTED, { MODEL "tree_info[1]", "output group 1", "multi-class" } },
    { "iteration_indptr_bad.json", RISTRA_EFORMAT, { MODEL "iteration_indptr", "from 0 to the number of trees (3)" } },
    { "duplicate_tree_id.json", RISTRA_EFORMAT, { MODEL "trees[1]", "id 0 is also tree 0's" } },
    { "num_nodes_mismatch.json", RISTRA_EFORMAT, { TREE0 "left_children", "has 13 elements, expected 14" } },
    { "left_child_string.json", RISTRA_EFORMAT, { TREE0 "left_children[0]", "expected an integer, got a string" } },
    { "node_out_of_range.json", RISTRA_EFORMAT, { TREE0 "left_children[0]", "999 is outside [-1, 12]" } },
    { "cycle.json", RISTRA_EFORMAT, { TREE0 "left_children[1]", "node 0 is reached twice", "not a tree" } },
    { "leaf_with_right_child.json", RISTRA_EFORMAT, { TREE0 "right_children[6]", "no left child" } },
    { "right_not_left_plus_one.json", RISTRA_EUNSUPPORTED, { TREE0 "right_children[0]", "left + 1" } },
    { "feature_out_of_range.json", RISTRA_EFORMAT, { TREE0 "split_indices[0]", "4 is outside [0, 3]" } },
    { "nan_threshold.json", RISTRA_EFORMAT, { TREE0 "split_conditions[0]", "threshold of numeric split node 0 is NaN" } },
    { "infinite_leaf.json", RISTRA_EFORMAT, { TREE0 "split_conditions[6]", "leaf value of node 6 is infinite" } },
    { "default_left_two.json", RISTRA_EFORMAT, { TREE0 "default_left[0]", "2 is outside [0, 1]" } },
    { "split_type_three.json", RISTRA_EFORMAT, { TREE0 "split_type[0]", "3 is outside [0, 1]" } },
    { "size_leaf_vector_two.json", RISTRA_EUNSUPPORTED, { MODEL "gbtree_model_param.size_leaf_vector", "multi-target" } },
    { "categorical_node_unlisted.json", RISTRA_EFORMAT, { TREE1 "split_type[5]", "categories_nodes does not list it" } },
    { "category_negative.json", RISTRA_EFORMAT, { TREE1 "categories[0]", "-1 is outside [0, 16777215]" } },
    { "categories_nodes_unsorted.json", RISTRA_EFORMAT, { TREE1 "categories_nodes[1]", "ascending order" } },
    { "category_segment_out_of_range.json", RISTRA_EFORMAT, { TREE1 "categories_sizes[0]", "1000000 is outside" } },
    { "gblinear_weights_count.json", RISTRA_EFORMAT, { MODEL "weights", "has 4 weights, expected 5" } },
    { "gblinear_weight_nan.json", RISTRA_EFORMAT, { MODEL "weights[0]", "not finite" } },
    { "objective_squarederror.json", RISTRA_EUNSUPPORTED, { "$.learner.objective", "\"reg:squarederror\" is not supported" } },
    { "objective_ranking.json", RISTRA_EUNSUPPORTED, { "$.learner.objective", "ranking objective \"rank:pairwise\"" } },
    { "multiclass.json", RISTRA_EUNSUPPORTED, { PARAM "num_class", "3 classes", "multi-class" } },
    { "multiclass.ubj", RISTRA_EUNSUPPORTED, { PARAM "num_class", "multi-class" } },
    { "dart.json", RISTRA_EUNSUPPORTED, { "$.learner.gradient_booster.name", "\"dart\" is not supported" } },
    { "ubjson_bad_marker.ubj", RISTRA_EFORMAT, { "byte 62", "invalid UBJSON", "marker 0x58" } },
    { "ubjson_huge_count.ubj", RISTRA_EFORMAT, { "byte 567", "count is 1099511627776", "bytes are left" } },
    { "ubjson_trailing.ubj", RISTRA_EFORMAT, { "byte 4338", "trailing data" } },
    { "ubjson_deep.ubj", RISTRA_EFORMAT, { "byte 80", "nested more than 64 levels" } },
    { "ubjson_bad_utf8.ubj", RISTRA_EFORMAT, { "byte 1", "not valid UTF-8" } },
    { "ubjson_duplicate_key.ubj", RISTRA_EFORMAT, { "byte 18", "duplicate object key \"version\"" } },
    { "ubjson_high_precision.ubj", RISTRA_EFORMAT, { "byte 17", "high-precision" } },
};

ParameterizedTestParameters(xgboost_import, malformed_or_unsupported_file)
{
    return cr_make_param_array(bad_case, bad_cases, sizeof bad_cases / sizeof *bad_cases);
}

ParameterizedTest(bad_case *c, xgboost_import, malformed_or_unsupported_file)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/xgboost/bad/%s", c->file);
    char *path = rt_source_path(rel);
    ristra_xgboost_options o = RISTRA_XGBOOST_OPTIONS_INIT;
    o.feature_names = NAMES; /* so that only the file itself can fail */
    o.n_feature_names = strstr(c->file, "multiclass") || strstr(c->file, "feature_name") ? 0 : 4;
    ristra_model *m = (ristra_model *)1;
    int rc = ristra_model_import_xgboost(&m, path, &o);
    const char *msg = ristra_last_error();
    cr_assert_eq(rc, c->code, "%s: got %d (%s), want %d", c->file, rc, msg, c->code);
    cr_assert_null(m);
    for (int i = 0; i < 3 && c->words[i][0]; i++)
        cr_assert(strstr(msg, c->words[i]) != NULL, "%s: message \"%s\" lacks \"%s\"", c->file,
                  msg, c->words[i]);

    /* the same bytes through the buffer importer fail the same way */
    size_t size;
    char *bytes = rt_read_file(path, &size);
    cr_assert_not_null(bytes);
    cr_assert_eq(ristra_model_import_xgboost_buffer(&m, bytes, size, c->file, &o), c->code);
    free(bytes);
    free(path);
}

Test(xgboost_import, every_bad_fixture_is_listed_in_the_table)
{
    char *dir = rt_source_path("tests/fixtures/xgboost/bad");
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    size_t files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        files++;
        int listed = 0;
        for (size_t i = 0; i < sizeof bad_cases / sizeof *bad_cases; i++)
            listed |= strcmp(bad_cases[i].file, e->d_name) == 0;
        cr_assert(listed, "fixture %s has no expectation", e->d_name);
    }
    closedir(d);
    cr_assert_eq(files, sizeof bad_cases / sizeof *bad_cases);
    free(dir);
}
