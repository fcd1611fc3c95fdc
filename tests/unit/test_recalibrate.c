/* ristra_model_recalibrate(): every refusal (NULLs, sizes, options, bad
 * rows, outcomes with one value, no finite fit), the properties of the fit
 * (observed = expected after the intercept method; intercept 0 and slope 1
 * after the logistic method; composition with an existing calibration
 * block) and the metadata it writes. Agreement with R's glm is checked by
 * tests/parity/test_recalibrate_r_parity.py. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include <ristra/calibrate.h>

#include "test_util.h"

/* One feature "m" whose value is the margin: intercept 0, coefficient 1. */
static const char MODEL[] =
    "{\"format\": \"ristra-model\", \"format_version\": 1, \"kind\": \"logistic\","
    " \"metadata\": {\"name\": \"t\", \"version\": \"2.0.0\", \"outcome\": \"o\","
    "  \"horizon_days\": 365, \"intended_use\": \"TEST\", \"training_population\": {}%s},"
    " \"features\": [{\"name\": \"m\", \"missing\": {\"policy\": \"reject\"}}],"
    " \"link\": \"logit\"%s,"
    " \"logistic\": {\"intercept\": 0, \"coefficients\": [1]}}";

static ristra_model *model_with(const char *extra_metadata, const char *calibration)
{
    char text[2048];
    snprintf(text, sizeof text, MODEL, extra_metadata, calibration);
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, strlen(text), "test"), RISTRA_OK, "%s",
                 ristra_last_error());
    return m;
}

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

typedef struct sample {
    int64_t n;
    double *margin;
    uint8_t *y;
} sample;

/* Margins spread around `centre`; outcomes drawn from the true log-odds
 * true_a + true_b * margin (a miscalibrated model unless 0 and 1). */
static sample make_sample(int64_t n, double centre, double true_a, double true_b)
{
    sample s = { n, malloc((size_t)n * sizeof(double)), malloc((size_t)n) };
    cr_assert(s.margin && s.y);
    for (int64_t i = 0; i < n; i++) {
        s.margin[i] = centre + 4.0 * (uniform() - 0.5) + 2.0 * (uniform() - 0.5);
        double p = 1.0 / (1.0 + exp(-(true_a + true_b * s.margin[i])));
        s.y[i] = uniform() < p;
    }
    return s;
}

static void free_sample(sample *s)
{
    free(s->margin);
    free(s->y);
}

static ristra_recalibrate_options options(void)
{
    ristra_recalibrate_options o = RISTRA_RECALIBRATE_OPTIONS_INIT;
    o.population_description = "test population";
    o.date = "2025-03-01T09:30:00Z";
    return o;
}

static ristra_model *recalibrate_ok(const ristra_model *m, const sample *s, int method,
                                    const ristra_recalibrate_options *o)
{
    ristra_model *out = NULL;
    cr_assert_eq(ristra_model_recalibrate(&out, m, s->margin, s->y, s->n, method, o), RISTRA_OK,
                 "%s", ristra_last_error());
    cr_assert_not_null(out);
    return out;
}

static ristra_calibration calibration_of(const ristra_model *m)
{
    ristra_calibration c = RISTRA_CALIBRATION_INIT;
    cr_assert_eq(ristra_model_calibration(&c, m), RISTRA_OK, "%s", ristra_last_error());
    return c;
}

/* The model's risks for the sample's margins, through ristra_model_score(). */
static double *risks(const ristra_model *m, const sample *s)
{
    double *p = malloc((size_t)s->n * sizeof *p);
    cr_assert_eq(ristra_model_score(p, NULL, NULL, m, s->margin, RISTRA_FLOAT64, s->n, 1, 1, 1, NULL),
                 RISTRA_OK, "%s", ristra_last_error());
    return p;
}

static ristra_group_summary evaluate(const ristra_model *m, const sample *s)
{
    double *p = risks(m, s);
    ristra_evaluation *e = NULL;
    cr_assert_eq(ristra_evaluate(&e, p, s->y, s->n, NULL, NULL), RISTRA_OK, "%s",
                 ristra_last_error());
    ristra_group_summary g = RISTRA_GROUP_SUMMARY_INIT;
    cr_assert_eq(ristra_evaluation_summary(&g, e, RISTRA_EVALUATION_OVERALL), RISTRA_OK);
    ristra_evaluation_free(e);
    free(p);
    return g;
}

static void expect_error(int code, const char *words, const ristra_model *m, const double *margin,
                         const uint8_t *y, int64_t n, int method,
                         const ristra_recalibrate_options *o)
{
    ristra_model *out = (ristra_model *)1;
    int rc = ristra_model_recalibrate(&out, m, margin, y, n, method, o);
    cr_assert_eq(rc, code, "rc %d (%s), want %d", rc, ristra_last_error(), code);
    cr_assert_null(out, "out is set to NULL on failure");
    cr_assert(strstr(ristra_last_error(), words), "message \"%s\" lacks \"%s\"",
              ristra_last_error(), words);
}

/* ------------------------------------------------------------ errors */

static const double margin4[4] = { -1.0, 0.5, 0.2, 1.5 };
static const uint8_t y4[4] = { 0, 0, 1, 1 };

Test(recalibrate_errors, null_arguments_are_named)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    ristra_model *out = NULL;
    expect_error(RISTRA_EINVAL, "model is NULL", NULL, margin4, y4, 4, 1, &o);
    expect_error(RISTRA_EINVAL, "margin is NULL", m, NULL, y4, 4, 1, &o);
    expect_error(RISTRA_EINVAL, "outcome is NULL", m, margin4, NULL, 4, 1, &o);
    expect_error(RISTRA_EINVAL, "opts", m, margin4, y4, 4, 1, NULL);
    cr_assert_eq(ristra_model_recalibrate(NULL, m, margin4, y4, 4, 1, &o), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "out is NULL"));
    cr_assert_eq(ristra_model_recalibrate(&out, m, margin4, y4, 4, 1, &o), RISTRA_OK, "%s",
                 ristra_last_error());
    ristra_model_free(out);
    ristra_model_free(m);
}

Test(recalibrate_errors, no_patients_is_refused)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    expect_error(RISTRA_EINVAL, "n is 0", m, margin4, y4, 0, 1, &o);
    expect_error(RISTRA_EINVAL, "n is -3", m, margin4, y4, -3, 2, &o);
    ristra_model_free(m);
}

Test(recalibrate_errors, an_unknown_method_is_refused)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    expect_error(RISTRA_EINVAL, "method is 0", m, margin4, y4, 4, 0, &o);
    expect_error(RISTRA_EINVAL, "method is 3", m, margin4, y4, 4, 3, &o);
    ristra_model_free(m);
}

Test(recalibrate_errors, bad_options_are_named)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    o.version = 2;
    expect_error(RISTRA_EINVAL, "opts->version is 2", m, margin4, y4, 4, 1, &o);
    o = options();
    o.population_description = NULL;
    expect_error(RISTRA_EINVAL, "population_description is required", m, margin4, y4, 4, 1, &o);
    o.population_description = "";
    expect_error(RISTRA_EINVAL, "population_description is required", m, margin4, y4, 4, 1, &o);
    o = options();
    static const char *const bad_dates[] = { "2025-3-01", "2025-13-01", "2025-03-01T25:00:00Z",
                                             "2025-03-01 09:30:00", "2025-03-01T09:30:00",
                                             "yesterday", "" };
    for (size_t i = 0; i < sizeof bad_dates / sizeof *bad_dates; i++) {
        o.date = bad_dates[i];
        expect_error(RISTRA_EINVAL, "opts->date", m, margin4, y4, 4, 1, &o);
    }
    cr_assert_eq(ristra_recalibrate_options_init(&o, 1), RISTRA_OK);
    cr_assert(o.version == 1 && !o.population_description && !o.date && !o.model_version);
    cr_assert_eq(ristra_recalibrate_options_init(&o, 2), RISTRA_EINVAL);
    cr_assert_eq(ristra_recalibrate_options_init(NULL, 1), RISTRA_EINVAL);
    ristra_model_free(m);
}

Test(recalibrate_errors, a_bad_row_is_named)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    const double with_nan[4] = { -1.0, 0.5, NAN, 1.5 };
    expect_error(RISTRA_EINVAL, "margin[2] is nan", m, with_nan, y4, 4, 1, &o);
    const double with_inf[4] = { -1.0, INFINITY, 0.2, 1.5 };
    expect_error(RISTRA_EINVAL, "margin[1] is inf", m, with_inf, y4, 4, 2, &o);
    const uint8_t y_bad[4] = { 0, 1, 1, 2 };
    expect_error(RISTRA_EINVAL, "outcome[3] is 2", m, margin4, y_bad, 4, 1, &o);
    ristra_model_free(m);
}

Test(recalibrate_errors, outcomes_all_one_or_all_zero_have_no_fit)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    const uint8_t ones[4] = { 1, 1, 1, 1 }, zeros[4] = { 0 };
    for (int method = 1; method <= 2; method++) {
        expect_error(RISTRA_ENUMERIC, "no non-events", m, margin4, ones, 4, method, &o);
        expect_error(RISTRA_ENUMERIC, "no events", m, margin4, zeros, 4, method, &o);
    }
    ristra_model_free(m);
}

Test(recalibrate_errors, the_logistic_method_needs_spread_and_overlap)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    const double same[4] = { 0.3, 0.3, 0.3, 0.3 };
    expect_error(RISTRA_ENUMERIC, "same predicted risk", m, same, y4, 4, 2, &o);
    const double separating[4] = { -1.0, 0.2, 0.2, 1.5 }; /* a tie at the boundary */
    expect_error(RISTRA_ENUMERIC, "separate the outcomes", m, separating, y4, 4, 2, &o);
    /* the intercept method still has a fit on both */
    ristra_model *out = NULL;
    cr_assert_eq(ristra_model_recalibrate(&out, m, same, y4, 4, 1, &o), RISTRA_OK);
    ristra_model_free(out);
    cr_assert_eq(ristra_model_recalibrate(&out, m, separating, y4, 4, 1, &o), RISTRA_OK);
    ristra_model_free(out);
    ristra_model_free(m);
}

Test(recalibrate_errors, a_reversed_ranking_is_refused)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    sample s = make_sample(2000, 0.0, 0.0, -1.0);
    expect_error(RISTRA_ENUMERIC, "reversed", m, s.margin, s.y, s.n, 2, &o);
    free_sample(&s);
    ristra_model_free(m);
}

Test(recalibrate_errors, calibration_getter_checks_its_arguments)
{
    ristra_model *m = model_with("", "");
    ristra_calibration c = RISTRA_CALIBRATION_INIT;
    cr_assert_eq(ristra_model_calibration(&c, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_calibration(NULL, m), RISTRA_EINVAL);
    c.version = 7;
    cr_assert_eq(ristra_model_calibration(&c, m), RISTRA_EINVAL);
    ristra_model_free(m);
}

/* ------------------------------------------------------------ the fit */

Test(recalibrate, intercept_method_makes_expected_equal_observed)
{
    ristra_model *m = model_with("", "");
    sample s = make_sample(20000, -3.0, -0.7, 0.8);
    ristra_recalibrate_options o = options();
    ristra_model *r = recalibrate_ok(m, &s, RISTRA_RECALIBRATE_INTERCEPT, &o);
    ristra_group_summary before = evaluate(m, &s), after = evaluate(r, &s);
    cr_assert(fabs(before.oe_ratio - 1) > 0.2, "the sample is miscalibrated: O/E %g",
              before.oe_ratio);
    cr_assert(fabs(after.expected - (double)after.events) < 1e-8 * (double)after.events,
              "expected %.12g, observed %lld", after.expected, (long long)after.events);
    cr_assert(fabs(after.calibration_intercept) < 1e-9, "%g", after.calibration_intercept);
    ristra_calibration c = calibration_of(r);
    cr_assert(c.present && c.slope == 1.0);
    cr_assert(fabs(c.intercept - before.calibration_intercept) < 1e-9,
              "the new intercept is the evaluation's calibration intercept: %.12g vs %.12g",
              c.intercept, before.calibration_intercept);
    cr_assert(after.auroc == before.auroc, "a shift never changes the ranking");
    free_sample(&s);
    ristra_model_free(r);
    ristra_model_free(m);
}

Test(recalibrate, logistic_method_gives_intercept_zero_and_slope_one)
{
    ristra_model *m = model_with("", "");
    sample s = make_sample(20000, -2.0, -0.5, 0.6);
    ristra_recalibrate_options o = options();
    ristra_model *r = recalibrate_ok(m, &s, RISTRA_RECALIBRATE_LOGISTIC, &o);
    ristra_group_summary before = evaluate(m, &s), after = evaluate(r, &s);
    cr_assert(fabs(before.calibration_slope - 1) > 0.2, "%g", before.calibration_slope);
    cr_assert(fabs(after.calibration_slope - 1) < 1e-8, "%.12g", after.calibration_slope);
    cr_assert(fabs(after.calibration_slope_intercept) < 1e-8, "%.12g",
              after.calibration_slope_intercept);
    cr_assert(fabs(after.expected - (double)after.events) < 1e-8 * (double)after.events);
    ristra_calibration c = calibration_of(r);
    cr_assert(fabs(c.slope - before.calibration_slope) < 1e-9);
    cr_assert(fabs(c.intercept - before.calibration_slope_intercept) < 1e-9);
    free_sample(&s);
    ristra_model_free(r);
    ristra_model_free(m);
}

Test(recalibrate, composes_with_an_existing_calibration_block)
{
    ristra_model *plain = model_with("", "");
    ristra_model *calibrated =
        model_with("", ", \"calibration\": {\"intercept\": 0.4, \"slope\": 1.3}");
    sample s = make_sample(20000, -2.5, -0.2, 1.1);
    ristra_recalibrate_options o = options();
    /* Logistic: the fitted risks do not depend on how the log-odds were
     * scaled before, so both models end with the same block. */
    ristra_model *a = recalibrate_ok(plain, &s, RISTRA_RECALIBRATE_LOGISTIC, &o);
    ristra_model *b = recalibrate_ok(calibrated, &s, RISTRA_RECALIBRATE_LOGISTIC, &o);
    ristra_calibration ca = calibration_of(a), cb = calibration_of(b);
    cr_assert(fabs(ca.intercept - cb.intercept) < 1e-9 && fabs(ca.slope - cb.slope) < 1e-9,
              "(%.12g, %.12g) vs (%.12g, %.12g)", ca.intercept, ca.slope, cb.intercept, cb.slope);
    /* Intercept: the old slope stays, the intercept moves by the fitted shift. */
    ristra_model *c = recalibrate_ok(calibrated, &s, RISTRA_RECALIBRATE_INTERCEPT, &o);
    ristra_calibration cc = calibration_of(c);
    ristra_group_summary before = evaluate(calibrated, &s), after = evaluate(c, &s);
    cr_assert_eq(cc.slope, 1.3);
    cr_assert(fabs(cc.intercept - (0.4 + before.calibration_intercept)) < 1e-9);
    cr_assert(fabs(after.calibration_intercept) < 1e-9, "%g", after.calibration_intercept);
    free_sample(&s);
    ristra_model_free(a);
    ristra_model_free(b);
    ristra_model_free(c);
    ristra_model_free(plain);
    ristra_model_free(calibrated);
}

Test(recalibrate, leaves_the_input_model_unchanged)
{
    ristra_model *m = model_with("", "");
    char *text_before = NULL, *text_after = NULL;
    size_t len;
    cr_assert_eq(ristra_model_save_buffer(&text_before, &len, m, NULL), RISTRA_OK);
    sample s = make_sample(500, -1.0, 0.3, 1.0);
    ristra_recalibrate_options o = options();
    ristra_model *r = recalibrate_ok(m, &s, RISTRA_RECALIBRATE_LOGISTIC, &o);
    cr_assert_eq(ristra_model_save_buffer(&text_after, &len, m, NULL), RISTRA_OK);
    cr_assert_str_eq(text_before, text_after);
    cr_assert_eq(calibration_of(m).present, 0);
    ristra_free(text_before);
    ristra_free(text_after);
    free_sample(&s);
    ristra_model_free(r);
    ristra_model_free(m);
}

/* ------------------------------------------------------------ metadata */

static json_t *metadata_of(const ristra_model *m)
{
    json_error_t err;
    json_t *meta = json_loads(ristra_model_metadata(m), 0, &err);
    cr_assert_not_null(meta, "%s", err.text);
    return meta;
}

Test(recalibrate_metadata, records_what_on_which_population_and_when)
{
    ristra_model *m = model_with("", "");
    sample s = make_sample(3000, -1.5, 0.5, 1.0);
    int64_t events = 0;
    for (int64_t i = 0; i < s.n; i++)
        events += s.y[i];
    ristra_recalibrate_options o = options();
    ristra_model *r = recalibrate_ok(m, &s, RISTRA_RECALIBRATE_INTERCEPT, &o);
    json_t *meta = metadata_of(r);
    json_t *history = json_object_get(meta, "recalibration");
    cr_assert(json_is_array(history) && json_array_size(history) == 1);
    json_t *rec = json_array_get(history, 0);
    cr_assert_str_eq(json_string_value(json_object_get(rec, "method")), "intercept");
    cr_assert_str_eq(json_string_value(json_object_get(rec, "date")), "2025-03-01T09:30:00Z");
    json_t *pop = json_object_get(rec, "population");
    cr_assert_str_eq(json_string_value(json_object_get(pop, "description")), "test population");
    cr_assert_eq(json_integer_value(json_object_get(pop, "n")), 3000);
    cr_assert_eq(json_integer_value(json_object_get(pop, "events")), events);
    cr_assert(json_is_null(json_object_get(rec, "calibration_before")));
    ristra_calibration c = calibration_of(r);
    json_t *after = json_object_get(rec, "calibration_after");
    cr_assert_eq(json_real_value(json_object_get(after, "intercept")), c.intercept);
    cr_assert_eq(json_real_value(json_object_get(after, "slope")), c.slope);
    cr_assert_eq(json_real_value(json_object_get(json_object_get(rec, "fit"), "slope")), 1.0);
    cr_assert(strncmp(json_string_value(json_object_get(rec, "software")), "ristra ", 7) == 0);
    cr_assert_str_eq(json_string_value(json_object_get(meta, "version")), "2.0.0");
    cr_assert_null(json_object_get(rec, "model_version_before"));
    json_decref(meta);
    free_sample(&s);
    ristra_model_free(r);
    ristra_model_free(m);
}

Test(recalibrate_metadata, a_second_recalibration_adds_to_the_history)
{
    ristra_model *m = model_with("", "");
    sample s = make_sample(3000, -1.5, 0.5, 0.9);
    ristra_recalibrate_options o = options();
    ristra_model *r1 = recalibrate_ok(m, &s, RISTRA_RECALIBRATE_INTERCEPT, &o);
    o.date = "2026-01-31";
    o.model_version = "2.1.0";
    o.population_description = "second population";
    ristra_model *r2 = recalibrate_ok(r1, &s, RISTRA_RECALIBRATE_LOGISTIC, &o);
    json_t *meta = metadata_of(r2);
    json_t *history = json_object_get(meta, "recalibration");
    cr_assert_eq(json_array_size(history), 2);
    json_t *second = json_array_get(history, 1);
    cr_assert_str_eq(json_string_value(json_object_get(second, "method")), "logistic");
    cr_assert_str_eq(json_string_value(json_object_get(second, "date")), "2026-01-31");
    cr_assert_str_eq(json_string_value(json_object_get(second, "model_version_before")), "2.0.0");
    cr_assert_str_eq(json_string_value(json_object_get(meta, "version")), "2.1.0");
    ristra_calibration c1 = calibration_of(r1);
    json_t *before = json_object_get(second, "calibration_before");
    cr_assert_eq(json_real_value(json_object_get(before, "intercept")), c1.intercept);
    cr_assert_eq(json_real_value(json_object_get(before, "slope")), c1.slope);
    json_decref(meta);
    free_sample(&s);
    ristra_model_free(r1);
    ristra_model_free(r2);
    ristra_model_free(m);
}

Test(recalibrate_metadata, a_free_form_record_is_kept_as_the_first_entry)
{
    ristra_model *m = model_with(", \"recalibration\": \"by hand, 2019\"", "");
    ristra_recalibrate_options o = options();
    ristra_model *r = NULL;
    cr_assert_eq(ristra_model_recalibrate(&r, m, margin4, y4, 4, 1, &o), RISTRA_OK);
    json_t *meta = metadata_of(r);
    json_t *history = json_object_get(meta, "recalibration");
    cr_assert_eq(json_array_size(history), 2);
    cr_assert_str_eq(json_string_value(json_array_get(history, 0)), "by hand, 2019");
    json_decref(meta);
    ristra_model_free(r);
    ristra_model_free(m);
}

Test(recalibrate_metadata, the_default_date_is_now_in_utc)
{
    ristra_model *m = model_with("", "");
    ristra_recalibrate_options o = options();
    o.date = NULL;
    ristra_model *r = NULL;
    cr_assert_eq(ristra_model_recalibrate(&r, m, margin4, y4, 4, 1, &o), RISTRA_OK);
    json_t *meta = metadata_of(r);
    const char *date = json_string_value(
        json_object_get(json_array_get(json_object_get(meta, "recalibration"), 0), "date"));
    cr_assert(date && strlen(date) == 20 && date[10] == 'T' && date[19] == 'Z', "%s", date);
    cr_assert(strncmp(date, "20", 2) == 0, "%s", date);
    json_decref(meta);
    ristra_model_free(r);
    ristra_model_free(m);
}

Test(recalibrate_metadata, the_result_saves_and_loads_back_identically)
{
    ristra_model *m = model_with("", "");
    sample s = make_sample(1000, -1.0, 0.2, 0.7);
    ristra_recalibrate_options o = options();
    ristra_model *r = recalibrate_ok(m, &s, RISTRA_RECALIBRATE_LOGISTIC, &o);
    char *text = NULL, *again = NULL;
    size_t len, len2;
    cr_assert_eq(ristra_model_save_buffer(&text, &len, r, NULL), RISTRA_OK);
    ristra_model *loaded = NULL;
    cr_assert_eq(ristra_model_load_buffer(&loaded, text, len, "saved"), RISTRA_OK, "%s",
                 ristra_last_error());
    cr_assert_eq(ristra_model_save_buffer(&again, &len2, loaded, NULL), RISTRA_OK);
    cr_assert_str_eq(text, again);
    ristra_calibration a = calibration_of(r), b = calibration_of(loaded);
    cr_assert(a.intercept == b.intercept && a.slope == b.slope);
    ristra_free(text);
    ristra_free(again);
    ristra_model_free(loaded);
    free_sample(&s);
    ristra_model_free(r);
    ristra_model_free(m);
}
