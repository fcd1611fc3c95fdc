/* Versioned structs: every _options_init and every function that fills a
 * caller's struct writes only the bytes the caller's version holds
 * (lib/common/struct_version.c). Each struct of version 1 sits in a guard
 * buffer: nothing past its version-1 size may change. */
#include <criterion/criterion.h>
#include <string.h>

#include <ristra/ristra.h>
#include "common/struct_version_internal.h"

enum { GUARD = 64, FILL = 0xA5 };

typedef int (*init_fn)(void *opts, int version);

typedef struct init_case {
    const ristra__struct_info *info;
    init_fn init;
} init_case;

#define INIT_CASE(name) { &ristra__info_##name, (init_fn)(void (*)(void))ristra_##name##_init }

static const init_case INITS[] = {
    INIT_CASE(save_options),       INIT_CASE(score_options),   INIT_CASE(population_options),
    INIT_CASE(score_file_options), INIT_CASE(evaluate_options), INIT_CASE(fit_options),
    INIT_CASE(fit_model_options),  INIT_CASE(recalibrate_options), INIT_CASE(synth_options),
    INIT_CASE(xgboost_options),    INIT_CASE(audit_options),   INIT_CASE(fhir_options),
    INIT_CASE(drift_options),      INIT_CASE(explain_options),
};

static int untouched(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != FILL)
            return 0;
    return 1;
}

Test(struct_version, every_init_writes_only_what_version_1_holds)
{
    for (size_t i = 0; i < sizeof INITS / sizeof *INITS; i++) {
        const init_case *c = &INITS[i];
        size_t v1 = ristra__struct_size(c->info, 1);
        cr_assert_gt(v1, sizeof(int), "%s", c->info->name);
        _Alignas(16) unsigned char buf[1024];
        cr_assert_leq(v1 + GUARD, sizeof buf);
        memset(buf, FILL, sizeof buf);
        cr_assert_eq(c->init(buf, 1), RISTRA_OK, "%s: %s", c->info->name, ristra_last_error());
        int version;
        memcpy(&version, buf, sizeof version);
        cr_assert_eq(version, 1, "%s", c->info->name);
        cr_assert(untouched(buf + v1, GUARD), "%s wrote past its version-1 size %zu",
                  c->info->name, v1);
    }
}

Test(struct_version, every_init_refuses_unknown_versions_and_writes_nothing)
{
    for (size_t i = 0; i < sizeof INITS / sizeof *INITS; i++) {
        const init_case *c = &INITS[i];
        _Alignas(16) unsigned char buf[1024];
        memset(buf, FILL, sizeof buf);
        int bad[] = { 0, -1, c->info->latest + 1 };
        for (size_t k = 0; k < 3; k++) {
            cr_assert_eq(c->init(buf, bad[k]), RISTRA_EINVAL, "%s %d", c->info->name, bad[k]);
            cr_assert(strstr(ristra_last_error(), c->info->name), "%s", ristra_last_error());
        }
        cr_assert(untouched(buf, sizeof buf), "%s", c->info->name);
        cr_assert_eq(c->init(NULL, 1), RISTRA_EINVAL);
    }
}

Test(struct_version, the_newest_version_is_the_whole_struct)
{
#define CHECK_NEWEST(name, type, latest, ...)                                                  \
    cr_assert_eq(ristra__struct_size(&ristra__info_##name, latest), sizeof(type), #type);    \
    cr_assert_eq(ristra__struct_size(&ristra__info_##name, latest + 1), 0, #type);           \
    cr_assert_eq(ristra__struct_size(&ristra__info_##name, 0), 0, #type);
    RISTRA__VERSIONED_STRUCTS(CHECK_NEWEST)
#undef CHECK_NEWEST
}

/* A struct that grew: version 1 held a and b, version 2 adds c and d. */
typedef struct grown {
    int version;
    int a;
    double b;
    int c;
    const char *d;
} grown;

static const size_t GROWN_SIZES[] = { RISTRA__SIZE_THROUGH(grown, b), sizeof(grown) };
static const ristra__struct_info GROWN = { "grown", GROWN_SIZES, 2 };
static const grown GROWN_DEFAULTS = { 2, 7, 0.5, 9, "d" };

/* What a caller compiled against version 1 sees. */
typedef struct grown_v1 {
    int version;
    int a;
    double b;
} grown_v1;

Test(struct_version, a_version_1_caller_of_a_grown_struct_is_written_only_as_far_as_b)
{
    _Alignas(16) unsigned char buf[sizeof(grown_v1) + GUARD];
    memset(buf, FILL, sizeof buf);
    cr_assert_eq(ristra__struct_init(buf, 1, &GROWN_DEFAULTS, &GROWN, "t"), RISTRA_OK);
    grown_v1 v1;
    memcpy(&v1, buf, sizeof v1);
    cr_assert_eq(v1.version, 1);
    cr_assert_eq(v1.a, 7);
    cr_assert_eq(v1.b, 0.5);
    const size_t v1_size = RISTRA__SIZE_THROUGH(grown, b);
    cr_assert(untouched(buf + v1_size, sizeof buf - v1_size));
}

Test(struct_version, loading_a_version_1_caller_fills_the_new_fields_with_defaults)
{
    /* the caller's struct ends after b; garbage beyond must not be read */
    _Alignas(16) unsigned char buf[sizeof(grown) + GUARD];
    memset(buf, FILL, sizeof buf);
    grown_v1 v1 = { 1, 3, 1.5 };
    memcpy(buf, &v1, sizeof v1);
    grown full;
    cr_assert_eq(ristra__struct_load(&full, buf, &GROWN_DEFAULTS, &GROWN, "t"), RISTRA_OK);
    cr_assert_eq(full.version, 1);
    cr_assert_eq(full.a, 3);
    cr_assert_eq(full.b, 1.5);
    cr_assert_eq(full.c, 9, "a field version 1 lacks has its default");
    cr_assert_str_eq(full.d, "d");
    cr_assert_eq(ristra__struct_load(&full, NULL, &GROWN_DEFAULTS, &GROWN, "t"), RISTRA_OK);
    cr_assert_eq(full.version, 2);
    v1.version = 3;
    memcpy(buf, &v1, sizeof v1);
    cr_assert_eq(ristra__struct_load(&full, buf, &GROWN_DEFAULTS, &GROWN, "f"), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "f: opts->version is 3, not a version of grown (1 to 2)"),
              "%s", ristra_last_error());
}

Test(struct_version, storing_into_a_version_1_caller_keeps_its_version_and_its_end)
{
    _Alignas(16) unsigned char buf[sizeof(grown_v1) + GUARD];
    memset(buf, FILL, sizeof buf);
    int one = 1;
    memcpy(buf, &one, sizeof one);
    const grown full = { 2, 4, 2.5, 11, "x" };
    cr_assert_eq(ristra__struct_store(buf, &full, &GROWN, "t"), RISTRA_OK);
    grown_v1 v1;
    memcpy(&v1, buf, sizeof v1);
    cr_assert_eq(v1.version, 1);
    cr_assert_eq(v1.a, 4);
    cr_assert_eq(v1.b, 2.5);
    const size_t v1_size = RISTRA__SIZE_THROUGH(grown, b);
    cr_assert(untouched(buf + v1_size, sizeof buf - v1_size));
}

/* Functions that fill a caller's struct check out->version the same way. */
Test(struct_version, result_structs_refuse_unknown_versions)
{
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, RISTRA_SOURCE_DIR "/models/example_logistic.json"), 0,
                 "%s", ristra_last_error());
    ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
    f.version = 2;
    cr_assert_eq(ristra_model_feature(&f, m, 0), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(),
                     "out->version is 2, not a version of ristra_feature_info"));
    _Alignas(16) unsigned char buf[sizeof(ristra_feature_info) + GUARD];
    memset(buf, FILL, sizeof buf);
    int one = 1;
    memcpy(buf, &one, sizeof one);
    cr_assert_eq(ristra_model_feature((ristra_feature_info *)(void *)buf, m, 0), RISTRA_OK);
    cr_assert(untouched(buf + ristra__struct_size(&ristra__info_feature_info, 1), GUARD));
    ristra_model_free(m);
}
