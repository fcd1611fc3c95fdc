/* The native model format: loading, saving, round trips and every malformed file. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <ristra/ristra.h>

#include "test_util.h"

static ristra_model *load_ok(const char *rel)
{
    char *path = rt_source_path(rel);
    ristra_model *m = NULL;
    int rc = ristra_model_load(&m, path);
    cr_assert_eq(rc, RISTRA_OK, "%s: %s", rel, ristra_last_error());
    free(path);
    return m;
}

static char *save_text(const ristra_model *m)
{
    char *text = NULL;
    size_t size = 0;
    cr_assert_eq(ristra_model_save_buffer(&text, &size, m, NULL), RISTRA_OK, "%s",
                 ristra_last_error());
    cr_assert_eq(strlen(text), size);
    return text;
}

Test(model_load, example_model_has_its_features_and_metadata)
{
    ristra_model *m = load_ok("models/example_logistic.json");
    cr_assert_eq(ristra_model_kind(m), RISTRA_MODEL_LOGISTIC);
    cr_assert_eq(ristra_model_n_features(m), 7);
    cr_assert_eq(ristra_model_feature_index(m, "age"), 0);
    cr_assert_eq(ristra_model_feature_index(m, "care_home"), 6);
    cr_assert_eq(ristra_model_feature_index(m, "Age"), RISTRA_ENOTFOUND);
    cr_assert(strstr(ristra_last_error(), "\"Age\"") != NULL);

    ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
    cr_assert_eq(ristra_model_feature(&info, m, 2), RISTRA_OK);
    cr_assert_str_eq(info.name, "imd_decile");
    cr_assert_str_eq(info.unit, "decile");
    cr_assert_eq(info.valid_min, 1.0);
    cr_assert_eq(info.valid_max, 10.0);
    cr_assert_eq(info.missing_policy, RISTRA_MISSING_IMPUTE);
    cr_assert_eq(info.impute_value, 5.0);
    cr_assert_eq(ristra_model_feature(&info, m, 0), RISTRA_OK);
    cr_assert_eq(info.missing_policy, RISTRA_MISSING_REJECT);
    cr_assert(isnan(info.impute_value));
    cr_assert_eq(ristra_model_feature(&info, m, 7), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_feature(&info, m, -1), RISTRA_EINVAL);
    info.version = 99;
    cr_assert_eq(ristra_model_feature(&info, m, 0), RISTRA_EINVAL);

    const char *meta = ristra_model_metadata(m);
    cr_assert(strstr(meta, "\"horizon_days\":365") != NULL, "%s", meta);
    cr_assert(strstr(meta, "NOT FOR CLINICAL USE") != NULL);

    ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
    cr_assert_eq(ristra_model_trees(&ts, m), RISTRA_OK);
    cr_assert_eq(ts.n_trees, 0);
    ristra_model_free(m);
}

Test(model_save, round_trip_is_byte_identical_and_scores_identically)
{
    ristra_model *a = load_ok("tests/golden/logistic_calibrated/model.json");
    char *dir = rt_tmpdir();
    char *path = rt_join(dir, "copy.json");
    cr_assert_eq(ristra_model_save(a, path, NULL), RISTRA_OK, "%s", ristra_last_error());
    ristra_model *b = NULL;
    cr_assert_eq(ristra_model_load(&b, path), RISTRA_OK, "%s", ristra_last_error());

    char *ta = save_text(a), *tb = save_text(b);
    cr_assert_str_eq(ta, tb);
    size_t file_size;
    char *file = rt_read_file(path, &file_size);
    cr_assert_str_eq(file, ta, "the file holds exactly what save_buffer returns");

    /* Every double survives: same scores, bit for bit. */
    double x[40];
    for (int j = 0; j < 40; j++)
        x[j] = 0.37 * j - 3.1;
    double pa, pb, ma, mb;
    int32_t sa, sb;
    ristra_model_score(&pa, &ma, &sa, a, x, RISTRA_FLOAT64, 1, 40, 40, 1, NULL);
    ristra_model_score(&pb, &mb, &sb, b, x, RISTRA_FLOAT64, 1, 40, 40, 1, NULL);
    cr_assert_eq(memcmp(&pa, &pb, sizeof pa), 0);
    cr_assert_eq(memcmp(&ma, &mb, sizeof ma), 0);
    cr_assert_eq(sa, sb);

    free(file);
    free(ta);
    free(tb);
    ristra_model_free(a);
    ristra_model_free(b);
    rt_rmtree(dir);
    free(path);
    free(dir);
}

Test(model_save, gzip_is_detected_by_content_not_name)
{
    ristra_model *a = load_ok("models/example_logistic.json");
    char *dir = rt_tmpdir();
    char *path = rt_join(dir, "model.bin"); /* no .gz suffix on purpose */
    ristra_save_options opts = RISTRA_SAVE_OPTIONS_INIT;
    opts.gzip = 1;
    cr_assert_eq(ristra_model_save(a, path, &opts), RISTRA_OK, "%s", ristra_last_error());
    size_t size;
    unsigned char *bytes = (unsigned char *)rt_read_file(path, &size);
    cr_assert(size > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b, "gzip magic");

    ristra_model *b = NULL;
    cr_assert_eq(ristra_model_load(&b, path), RISTRA_OK, "%s", ristra_last_error());
    char *ta = save_text(a), *tb = save_text(b);
    cr_assert_str_eq(ta, tb);

    /* the same bytes through the buffer loader */
    ristra_model *c = NULL;
    cr_assert_eq(ristra_model_load_buffer(&c, bytes, size, "gz-buffer"), RISTRA_OK, "%s",
                 ristra_last_error());
    char *tc = save_text(c);
    cr_assert_str_eq(ta, tc);

    /* save_buffer with gzip gives a stream that loads back too */
    char *gz = NULL;
    size_t gz_size = 0;
    cr_assert_eq(ristra_model_save_buffer(&gz, &gz_size, a, &opts), RISTRA_OK);
    cr_assert((unsigned char)gz[0] == 0x1f && (unsigned char)gz[1] == 0x8b);
    ristra_model *d = NULL;
    cr_assert_eq(ristra_model_load_buffer(&d, gz, gz_size, NULL), RISTRA_OK);
    ristra_free(gz);

    free(ta);
    free(tb);
    free(tc);
    free(bytes);
    ristra_model_free(a);
    ristra_model_free(b);
    ristra_model_free(c);
    ristra_model_free(d);
    rt_rmtree(dir);
    free(path);
    free(dir);
}

Test(model_load, gzip_without_suffix_and_multi_member_gzip_load)
{
    ristra_model *a = load_ok("tests/fixtures/models/good_gzip_no_suffix.model");
    ristra_model *b = load_ok("tests/fixtures/models/good_two_gzip_members.json.gz");
    char *ta = save_text(a), *tb = save_text(b);
    cr_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    ristra_model_free(a);
    ristra_model_free(b);
}

Test(model_load, unknown_metadata_keys_are_kept)
{
    const char *text =
        "{\"format\":\"ristra-model\",\"format_version\":1,\"kind\":\"logistic\","
        "\"metadata\":{\"name\":\"m\",\"version\":\"2\",\"outcome\":\"o\",\"horizon_days\":30,"
        "\"intended_use\":\"tests\",\"training_population\":{\"n\":12},\"site\":\"X\"},"
        "\"features\":[{\"name\":\"a\",\"missing\":{\"policy\":\"impute\",\"value\":1.5}}],"
        "\"link\":\"logit\",\"logistic\":{\"intercept\":0.5,\"coefficients\":[2]}}";
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, strlen(text), "inline"), RISTRA_OK, "%s",
                 ristra_last_error());
    cr_assert(strstr(ristra_model_metadata(m), "\"site\":\"X\"") != NULL);
    ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
    ristra_model_feature(&info, m, 0);
    cr_assert(isinf(info.valid_min) && info.valid_min < 0, "no range means unbounded");
    cr_assert(isinf(info.valid_max) && info.valid_max > 0);
    cr_assert_str_eq(info.description, "");
    char *saved = save_text(m);
    cr_assert(strstr(saved, "\"site\":\"X\"") != NULL);
    cr_assert(strstr(saved, "\"valid_range\":[null,null]") != NULL, "%s", saved);
    free(saved);
    ristra_model_free(m);
}

Test(model_save, unwritable_target_fails_and_leaves_nothing_behind)
{
    ristra_model *m = load_ok("models/example_logistic.json");
    char *dir = rt_tmpdir();
    char *path = rt_join(dir, "no-such-dir/model.json");
    cr_assert_eq(ristra_model_save(m, path, NULL), RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), "no-such-dir/model.json") != NULL, "%s",
              ristra_last_error());
    DIR *d = opendir(dir);
    int entries = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        entries += e->d_name[0] != '.';
    closedir(d);
    cr_assert_eq(entries, 0);
    rt_rmtree(dir);
    free(path);
    free(dir);
    ristra_model_free(m);
}

Test(model_save, saving_over_a_directory_fails_cleanly)
{
    /* The rename step fails; the directory and its parent are left as they were. */
    ristra_model *m = load_ok("models/example_logistic.json");
    char *dir = rt_tmpdir();
    cr_assert_eq(ristra_model_save(m, dir, NULL), RISTRA_EIO);
    ristra_model_free(m);
    rt_rmtree(dir);
    free(dir);
}

Test(model_save, bad_arguments_are_refused)
{
    ristra_model *m = load_ok("models/example_logistic.json");
    ristra_save_options opts = RISTRA_SAVE_OPTIONS_INIT;
    opts.version = 0;
    cr_assert_eq(ristra_model_save(m, "/tmp/x.json", &opts), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_save(NULL, "/tmp/x.json", NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_save(m, NULL, NULL), RISTRA_EINVAL);
    char *out = (char *)1;
    size_t n = 1;
    cr_assert_eq(ristra_model_save_buffer(&out, NULL, m, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_save_buffer(&out, &n, m, &opts), RISTRA_EINVAL);
    cr_assert_null(out);
    cr_assert_eq(ristra_model_load_buffer(NULL, "{}", 2, NULL), RISTRA_EINVAL);
    ristra_model *x = NULL;
    cr_assert_eq(ristra_model_load_buffer(&x, NULL, 10, NULL), RISTRA_EINVAL);
    ristra_model_free(m);
}

/* ------------------------------------------------------------ malformed files */

/* Arrays, not pointers: Criterion runs each parameter in a new process,
 * which sees a copy of the struct but not the parent's addresses. */
typedef struct bad_case {
    char file[48];
    int code;
    char words[3][64]; /* each must appear in the message */
} bad_case;

static bad_case bad_cases[] = {
    { "empty.json", RISTRA_EFORMAT, { "empty.json", "invalid JSON" } },
    { "not_json.json", RISTRA_EFORMAT, { "not_json.json", "line 1, column", "invalid JSON" } },
    { "truncated.json", RISTRA_EFORMAT, { "truncated.json", "invalid JSON", "line" } },
    { "top_level_array.json", RISTRA_EFORMAT, { "$", "expected an object, got an array" } },
    { "wrong_format_name.json", RISTRA_EFORMAT, { "$.format", "\"xgboost\"" } },
    { "missing_format_version.json", RISTRA_EFORMAT, { "missing required member \"format_version\"" } },
    { "newer_format_version.json", RISTRA_EVERSION, { "$.format_version", "newer", "upgrade" } },
    { "format_version_string.json", RISTRA_EFORMAT, { "$.format_version", "expected an integer, got a string" } },
    { "unknown_kind.json", RISTRA_EUNSUPPORTED, { "$.kind", "\"random_forest\"" } },
    { "missing_features.json", RISTRA_EFORMAT, { "missing required member \"features\"" } },
    { "features_not_array.json", RISTRA_EFORMAT, { "$.features", "expected an array, got an object" } },
    { "feature_name_number.json", RISTRA_EFORMAT, { "$.features[1].name", "expected a string, got an integer" } },
    { "feature_name_empty.json", RISTRA_EFORMAT, { "$.features[1].name", "empty" } },
    { "duplicate_feature_name.json", RISTRA_EFORMAT, { "$.features[2].name", "duplicate feature name \"age\"" } },
    { "range_reversed.json", RISTRA_EFORMAT, { "$.features[0].valid_range", "greater than max" } },
    { "range_one_bound.json", RISTRA_EFORMAT, { "$.features[0].valid_range", "expected [min, max]" } },
    { "range_string_bound.json", RISTRA_EFORMAT, { "$.features[3].valid_range[1]", "expected a number, got a string" } },
    { "missing_policy_unknown.json", RISTRA_EFORMAT, { "$.features[2].missing.policy", "\"zero\"" } },
    { "missing_block_absent.json", RISTRA_EFORMAT, { "$.features[1]", "missing required member \"missing\"" } },
    { "impute_without_value.json", RISTRA_EFORMAT, { "$.features[2].missing", "missing required member \"value\"" } },
    { "impute_outside_range.json", RISTRA_EFORMAT, { "$.features[3]", "impute value 11", "outside the valid range" } },
    { "native_in_logistic.json", RISTRA_EFORMAT, { "$.features[0].missing", "only valid for gbdt" } },
    { "missing_metadata.json", RISTRA_EFORMAT, { "missing required member \"metadata\"" } },
    { "metadata_missing_outcome.json", RISTRA_EFORMAT, { "$.metadata", "missing required member \"outcome\"" } },
    { "horizon_negative.json", RISTRA_EFORMAT, { "$.metadata.horizon_days", "positive" } },
    { "horizon_real.json", RISTRA_EFORMAT, { "$.metadata.horizon_days", "expected an integer" } },
    { "unknown_link.json", RISTRA_EUNSUPPORTED, { "$.link", "\"probit\"" } },
    { "calibration_slope_string.json", RISTRA_EFORMAT, { "$.calibration.slope", "expected a number, got a string" } },
    { "missing_logistic_block.json", RISTRA_EFORMAT, { "missing required member \"logistic\"" } },
    { "coefficient_count_mismatch.json", RISTRA_EFORMAT, { "$.logistic.coefficients", "3 coefficients for 4 features" } },
    { "coefficient_string.json", RISTRA_EFORMAT, { "$.logistic.coefficients[2]", "expected a number, got a string" } },
    { "coefficient_null.json", RISTRA_EFORMAT, { "$.logistic.coefficients[1]", "got null" } },
    { "coefficient_overflow.json", RISTRA_EFORMAT, { "coefficient_overflow.json", "line", "overflow" } },
    { "coefficient_nan_token.json", RISTRA_EFORMAT, { "coefficient_nan_token.json", "line", "invalid JSON" } },
    { "coefficient_infinity_token.json", RISTRA_EFORMAT, { "line", "invalid JSON" } },
    { "gbdt_leaf_float_overflow.json", RISTRA_EFORMAT, { "$.gbdt.trees[0].value[2]", "9.9999999999999994e+38", "not finite as a float32" } },
    { "gbdt_threshold_float_overflow.json", RISTRA_EFORMAT, { "$.gbdt.trees[0].value[0]", "not finite as a float32" } },
    { "gbdt_base_margin_float_overflow.json", RISTRA_EFORMAT, { "$.gbdt.base_margin", "not finite as a float32" } },
    { "gbdt_impute_float_overflow.json", RISTRA_EFORMAT, { "$.features[1].missing.value", "not finite as a float32" } },
    { "min_present_too_many.json", RISTRA_EFORMAT, { "$.min_present_features", "5 is outside [0, 4]" } },
    { "min_present_negative.json", RISTRA_EFORMAT, { "$.min_present_features", "-1 is outside" } },
    { "required_not_boolean.json", RISTRA_EFORMAT, { "$.features[2].required", "expected true or false" } },
    { "required_false_with_reject.json", RISTRA_EFORMAT, { "$.features[0].required", "contradicts policy \"reject\"" } },
    { "duplicate_key.json", RISTRA_EFORMAT, { "line", "duplicate object key" } },
    { "truncated.json.gz", RISTRA_EFORMAT, { "truncated.json.gz", "truncated gzip stream" } },
    { "corrupt.json.gz", RISTRA_EFORMAT, { "corrupt.json.gz", "corrupt gzip stream" } },
    { "trailing_garbage.json.gz", RISTRA_EFORMAT, { "trailing data after the gzip stream" } },
    { "gzip_of_garbage.json.gz", RISTRA_EFORMAT, { "gzip_of_garbage.json.gz", "invalid JSON" } },
};

ParameterizedTestParameters(model_load, malformed_file)
{
    return cr_make_param_array(bad_case, bad_cases, sizeof bad_cases / sizeof *bad_cases);
}

ParameterizedTest(bad_case *c, model_load, malformed_file)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/models/bad/%s", c->file);
    char *path = rt_source_path(rel);
    ristra_model *m = (ristra_model *)1;
    int rc = ristra_model_load(&m, path);
    const char *msg = ristra_last_error();
    cr_assert_eq(rc, c->code, "%s: got %d (%s), want %d", c->file, rc, msg, c->code);
    cr_assert_null(m);
    for (int i = 0; i < 3 && c->words[i][0]; i++)
        cr_assert(strstr(msg, c->words[i]) != NULL, "%s: message \"%s\" lacks \"%s\"", c->file,
                  msg, c->words[i]);

    /* the same bytes through the buffer loader fail the same way */
    size_t size;
    char *bytes = rt_read_file(path, &size);
    cr_assert_not_null(bytes);
    cr_assert_eq(ristra_model_load_buffer(&m, bytes, size, c->file), c->code);
    free(bytes);
    free(path);
}

Test(model_load, every_bad_fixture_is_listed_in_the_table)
{
    char *dir = rt_source_path("tests/fixtures/models/bad");
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

/* The words of the enums, one table for the format, the CLI and the bindings. */
Test(model_format, enum_words_are_the_formats_and_read_back)
{
    cr_assert_str_eq(ristra_model_kind_string(RISTRA_MODEL_LOGISTIC), "logistic");
    cr_assert_str_eq(ristra_model_kind_string(RISTRA_MODEL_GBDT), "gbdt");
    cr_assert_str_eq(ristra_model_kind_string(0), "unknown");
    for (int p = RISTRA_MISSING_IMPUTE; p <= RISTRA_MISSING_NATIVE; p++)
        cr_assert_eq(ristra_missing_policy_from_string(ristra_missing_policy_string(p)), p);
    cr_assert_str_eq(ristra_missing_policy_string(RISTRA_MISSING_REJECT), "reject");
    cr_assert_str_eq(ristra_missing_policy_string(9), "unknown");
    cr_assert_eq(ristra_missing_policy_from_string("unknown"), 0);
    cr_assert_eq(ristra_missing_policy_from_string(NULL), 0);
    cr_assert_eq(ristra_missing_policy_from_string("Impute"), 0);
}

/* gzip -1, the default: the name decides, for every front end alike. */
Test(model_save, by_default_a_name_ending_in_gz_is_compressed_and_others_are_not)
{
    ristra_model *a = load_ok("models/example_logistic.json");
    char *dir = rt_tmpdir();
    static const struct { const char *name; int gzip, want; } cases[] = {
        { "m.json.gz", -1, 1 }, { "m.json", -1, 0 }, { "plain.json.gz", 0, 0 }, { "z.json", 1, 1 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = rt_join(dir, cases[i].name);
        ristra_save_options opts = RISTRA_SAVE_OPTIONS_INIT;
        cr_assert_eq(opts.gzip, -1);
        opts.gzip = cases[i].gzip;
        cr_assert_eq(ristra_model_save(a, path, &opts), RISTRA_OK, "%s", ristra_last_error());
        size_t size;
        unsigned char *bytes = (unsigned char *)rt_read_file(path, &size);
        cr_assert_eq(size > 2 && bytes[0] == 0x1f && bytes[1] == 0x8b, cases[i].want, "%s",
                     cases[i].name);
        free(bytes);
        free(path);
    }
    char *buf = NULL;
    size_t n = 0;
    cr_assert_eq(ristra_model_save_buffer(&buf, &n, a, NULL), RISTRA_OK);
    cr_assert(n > 0 && buf[0] == '{', "a buffer has no name: plain by default");
    ristra_free(buf);
    ristra_save_options bad = RISTRA_SAVE_OPTIONS_INIT;
    bad.gzip = 2;
    cr_assert_eq(ristra_model_save_buffer(&buf, &n, a, &bad), RISTRA_EINVAL);
    ristra_model_free(a);
    rt_rmtree(dir);
    free(dir);
}
