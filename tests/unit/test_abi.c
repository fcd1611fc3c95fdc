/* ABI behaviour: versions, error codes and messages, NULL handling, option structs. */
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

#include <ristra/ristra.h>

Test(version, runtime_matches_headers)
{
    cr_assert_eq(ristra_version(), RISTRA_VERSION_NUMBER);
    cr_assert_str_eq(ristra_version_string(), RISTRA_VERSION_STRING);
    cr_assert_eq(ristra_version() / 10000, RISTRA_VERSION_MAJOR);
}

Test(version, number_packs_major_minor_patch)
{
    cr_assert_eq(RISTRA_VERSION_NUMBER,
                 RISTRA_VERSION_MAJOR * 10000 + RISTRA_VERSION_MINOR * 100 + RISTRA_VERSION_PATCH);
    cr_assert(RISTRA_VERSION_CHECK(RISTRA_VERSION_MAJOR, 0, 0));
    cr_assert(!RISTRA_VERSION_CHECK(RISTRA_VERSION_MAJOR + 1, 0, 0));
}

Test(errors, codes_are_pinned)
{
    /* These values are ABI: bindings compare against them. */
    cr_assert_eq(RISTRA_OK, 0);
    cr_assert_eq(RISTRA_ERROR, -1);
    cr_assert_eq(RISTRA_EINVAL, -2);
    cr_assert_eq(RISTRA_ENOMEM, -3);
    cr_assert_eq(RISTRA_EIO, -4);
    cr_assert_eq(RISTRA_EFORMAT, -5);
    cr_assert_eq(RISTRA_EVERSION, -6);
    cr_assert_eq(RISTRA_EUNSUPPORTED, -7);
    cr_assert_eq(RISTRA_ENOTFOUND, -8);
    cr_assert_eq(RISTRA_ENUMERIC, -9);
    cr_assert_eq(RISTRA_ECANCELLED, -10);
    cr_assert_eq(RISTRA_ROW_OK, 0);
    cr_assert_eq(RISTRA_ROW_MISSING, 1);
    cr_assert_eq(RISTRA_ROW_OUT_OF_RANGE, 2);
    cr_assert_eq(RISTRA_MODEL_LOGISTIC, 1);
    cr_assert_eq(RISTRA_MODEL_GBDT, 2);
    cr_assert_eq(RISTRA_FLOAT32, 1);
    cr_assert_eq(RISTRA_FLOAT64, 2);
}

Test(errors, every_code_has_a_distinct_description)
{
    const char *seen[16];
    for (int code = 0; code >= RISTRA_ECANCELLED; code--) {
        const char *s = ristra_strerror(code);
        cr_assert_not_null(s);
        cr_assert_str_neq(s, "unknown error", "code %d has no description", code);
        for (int k = 0; k < -code; k++)
            cr_assert_str_neq(s, seen[k]);
        seen[-code] = s;
    }
    cr_assert_str_eq(ristra_strerror(-9999), "unknown error");
    cr_assert_str_eq(ristra_strerror(42), "unknown error");
}

Test(errors, every_row_status_has_a_description)
{
    for (int s = RISTRA_ROW_OK; s <= RISTRA_ROW_NOT_FINITE; s++)
        cr_assert_str_neq(ristra_row_status_string(s), "unknown row status");
    cr_assert_str_eq(ristra_row_status_string(99), "unknown row status");
}

Test(errors, last_error_names_the_failed_call)
{
    ristra_model *m = (ristra_model *)1;
    cr_assert_eq(ristra_model_load(&m, NULL), RISTRA_EINVAL);
    cr_assert_null(m, "out is set to NULL on failure");
    cr_assert(strstr(ristra_last_error(), "ristra_model_load") != NULL);
    cr_assert(strstr(ristra_last_error(), "path") != NULL);
}

Test(errors, missing_file_is_an_io_error_naming_the_file)
{
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, "/nonexistent/dir/model.json"), RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), "/nonexistent/dir/model.json") != NULL);
    cr_assert(strstr(ristra_last_error(), "No such file") != NULL);
}

static void *fail_in_thread(void *arg)
{
    (void)arg;
    ristra_model *m = NULL;
    ristra_model_load(&m, "/nonexistent/other-thread.json");
    return NULL;
}

Test(errors, last_error_is_per_thread)
{
    ristra_model *m = NULL;
    ristra_model_load(&m, "/nonexistent/this-thread.json");
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, fail_in_thread, NULL), 0);
    pthread_join(t, NULL);
    cr_assert(strstr(ristra_last_error(), "this-thread.json") != NULL,
              "another thread's failure must not overwrite this thread's message: %s",
              ristra_last_error());
}

Test(lifetime, free_accepts_null)
{
    ristra_model_free(NULL);
    ristra_free(NULL);
}

Test(lifetime, queries_on_null_model_are_safe)
{
    cr_assert_eq(ristra_model_kind(NULL), 0);
    cr_assert_eq(ristra_model_n_features(NULL), -1);
    cr_assert_null(ristra_model_metadata(NULL));
    cr_assert_eq(ristra_model_feature_index(NULL, "age"), RISTRA_EINVAL);
    ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
    cr_assert_eq(ristra_model_feature(&info, NULL, 0), RISTRA_EINVAL);
    ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
    cr_assert_eq(ristra_model_trees(&ts, NULL), RISTRA_EINVAL);
}

Test(options, init_functions_match_the_macros)
{
    ristra_score_options a = RISTRA_SCORE_OPTIONS_INIT, b;
    memset(&b, 0xff, sizeof b);
    cr_assert_eq(ristra_score_options_init(&b, RISTRA_SCORE_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
    ristra_save_options c = RISTRA_SAVE_OPTIONS_INIT, d;
    memset(&d, 0xff, sizeof d);
    cr_assert_eq(ristra_save_options_init(&d, RISTRA_SAVE_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_eq(memcmp(&c, &d, sizeof c), 0);
}

Test(options, unknown_versions_are_refused)
{
    ristra_score_options s;
    cr_assert_eq(ristra_score_options_init(&s, 0), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_options_init(&s, RISTRA_SCORE_OPTIONS_VERSION + 1), RISTRA_EINVAL);
    cr_assert_eq(ristra_score_options_init(NULL, 1), RISTRA_EINVAL);
    ristra_save_options v;
    cr_assert_eq(ristra_save_options_init(&v, 0), RISTRA_EINVAL);
    cr_assert_eq(ristra_save_options_init(NULL, 1), RISTRA_EINVAL);
}
