/* ristra_evaluate(): argument errors, undefined figures, tie rules, groups,
 * threads, the calibration fits' defining equations, and the SVG writer's
 * errors. Agreement with scikit-learn, pROC and R lives in
 * tests/parity/test_metrics_parity.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/evaluate.h>

#include "metrics/metrics_internal.h"
#include "test_util.h"

/* ------------------------------------------------------------ data */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double uniform(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0;
}

typedef struct sample {
    int64_t n;
    double *risk;
    uint8_t *y;
    int32_t *group;
} sample;

/* Risks skewed towards low values, rounded to `decimals` (0 = not rounded),
 * outcomes drawn from the risks, n_groups labels (0 = none). */
static sample make_sample(int64_t n, int decimals, int n_groups)
{
    sample s = { n, malloc((size_t)n * sizeof(double)), malloc((size_t)n),
                 n_groups ? malloc((size_t)n * sizeof(int32_t)) : NULL };
    cr_assert(s.risk && s.y);
    double scale = pow(10.0, decimals);
    for (int64_t i = 0; i < n; i++) {
        double u = uniform();
        double r = u * u * u;
        s.risk[i] = decimals ? round(r * scale) / scale : r;
        s.y[i] = uniform() < s.risk[i];
        if (s.group)
            s.group[i] = (int32_t)(uniform() * n_groups) * 3 - 5;
    }
    return s;
}

static void free_sample(sample *s)
{
    free(s->risk), free(s->y), free(s->group);
}

static ristra_evaluation *evaluate_ok(const double *risk, const uint8_t *y, int64_t n,
                                      const int32_t *group, const ristra_evaluate_options *o)
{
    ristra_evaluation *e = NULL;
    int rc = ristra_evaluate(&e, risk, y, n, group, o);
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    cr_assert_not_null(e);
    return e;
}

static ristra_group_summary summary_of(const ristra_evaluation *e, int64_t group)
{
    ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
    cr_assert_eq(ristra_evaluation_summary(&s, e, group), RISTRA_OK, "%s", ristra_last_error());
    return s;
}

static ristra_cut_point_summary cut_of(const ristra_evaluation *e, int64_t group, int64_t c)
{
    ristra_cut_point_summary s = RISTRA_CUT_POINT_SUMMARY_INIT;
    cr_assert_eq(ristra_evaluation_cut_point(&s, e, group, c), RISTRA_OK, "%s",
                 ristra_last_error());
    return s;
}

static ristra_calibration_bin bin_of(const ristra_evaluation *e, int64_t group, int64_t b)
{
    ristra_calibration_bin s = RISTRA_CALIBRATION_BIN_INIT;
    cr_assert_eq(ristra_evaluation_bin(&s, e, group, b), RISTRA_OK, "%s", ristra_last_error());
    return s;
}

/* Bitwise equality, so that NaN equals NaN (field by field: structs have padding). */
static int same(const void *a, const void *b, size_t size) { return memcmp(a, b, size) == 0; }
#define SAME(x, y, f) same(&(x).f, &(y).f, sizeof (x).f)

static int same_bin(ristra_calibration_bin a, ristra_calibration_bin b)
{
    return SAME(a, b, n) && SAME(a, b, events) && SAME(a, b, min_risk) && SAME(a, b, max_risk)
        && SAME(a, b, mean_risk) && SAME(a, b, observed_rate) && SAME(a, b, expected)
        && SAME(a, b, oe_ratio) && SAME(a, b, observed_lower) && SAME(a, b, observed_upper);
}

static int same_cut(ristra_cut_point_summary a, ristra_cut_point_summary b)
{
    return SAME(a, b, fraction) && SAME(a, b, n_flagged) && SAME(a, b, events_flagged)
        && SAME(a, b, threshold) && SAME(a, b, sensitivity) && SAME(a, b, ppv);
}

static void assert_fails(int expected, const char *words, const double *risk, const uint8_t *y,
                         int64_t n, const ristra_evaluate_options *o)
{
    ristra_evaluation *e = (ristra_evaluation *)1;
    cr_assert_eq(ristra_evaluate(&e, risk, y, n, NULL, o), expected, "%s", ristra_last_error());
    cr_assert_null(e, "out is set to NULL on failure");
    cr_assert(strstr(ristra_last_error(), words) != NULL, "message \"%s\" lacks \"%s\"",
              ristra_last_error(), words);
}

/* ------------------------------------------------------------ errors */

static const double risk4[4] = { 0.1, 0.4, 0.35, 0.8 };
static const uint8_t y4[4] = { 0, 0, 1, 1 };

Test(evaluate_errors, null_arguments_are_rejected_by_name)
{
    cr_assert_eq(ristra_evaluate(NULL, risk4, y4, 4, NULL, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "out") != NULL);
    assert_fails(RISTRA_EINVAL, "risk is NULL", NULL, y4, 4, NULL);
    assert_fails(RISTRA_EINVAL, "outcome is NULL", risk4, NULL, 4, NULL);
}

Test(evaluate_errors, empty_input_is_an_error)
{
    assert_fails(RISTRA_EINVAL, "no patients", risk4, y4, 0, NULL);
    assert_fails(RISTRA_EINVAL, "n is -3", risk4, y4, -3, NULL);
}

Test(evaluate_errors, nan_risk_names_its_row)
{
    double r[3] = { 0.2, NAN, 0.1 };
    uint8_t y[3] = { 0, 1, 0 };
    assert_fails(RISTRA_EINVAL, "risk[1] is NaN", r, y, 3, NULL);
}

Test(evaluate_errors, risks_outside_zero_one_name_their_row)
{
    uint8_t y[3] = { 0, 1, 0 };
    double below[3] = { 0.2, 0.3, -0.001 };
    assert_fails(RISTRA_EINVAL, "risk[2] is -0.001", below, y, 3, NULL);
    double above[3] = { 1.5, 0.3, 0.1 };
    assert_fails(RISTRA_EINVAL, "risk[0] is 1.5, outside [0, 1]", above, y, 3, NULL);
    double inf[3] = { 0.5, INFINITY, 0.1 };
    assert_fails(RISTRA_EINVAL, "risk[1] is inf", inf, y, 3, NULL);
}

Test(evaluate_errors, outcomes_other_than_zero_or_one_name_their_row)
{
    uint8_t y[4] = { 0, 1, 2, 0 };
    assert_fails(RISTRA_EINVAL, "outcome[2] is 2 (expected 0 or 1)", risk4, y, 4, NULL);
}

Test(evaluate_errors, bad_options_name_the_option)
{
    ristra_evaluate_options o = RISTRA_EVALUATE_OPTIONS_INIT;
    o.version = 2;
    assert_fails(RISTRA_EINVAL, "opts->version is 2", risk4, y4, 4, &o);
    o = (ristra_evaluate_options)RISTRA_EVALUATE_OPTIONS_INIT;
    double cuts[RISTRA_EVALUATE_MAX_CUT_POINTS + 1] = { 0.005, 0.02, 0.05, 0.20 };
    o.cut_points = cuts;
    o.n_cut_points = 4;
    cuts[1] = 0.0;
    assert_fails(RISTRA_EINVAL, "opts->cut_points[1] is 0", risk4, y4, 4, &o);
    cuts[1] = 1.5;
    assert_fails(RISTRA_EINVAL, "opts->cut_points[1] is 1.5", risk4, y4, 4, &o);
    cuts[1] = NAN;
    assert_fails(RISTRA_EINVAL, "opts->cut_points[1] is nan", risk4, y4, 4, &o);
    o = (ristra_evaluate_options)RISTRA_EVALUATE_OPTIONS_INIT;
    o.cut_points = cuts;
    o.n_cut_points = RISTRA_EVALUATE_MAX_CUT_POINTS + 1;
    assert_fails(RISTRA_EINVAL, "opts->n_cut_points is 17", risk4, y4, 4, &o);
    o = (ristra_evaluate_options)RISTRA_EVALUATE_OPTIONS_INIT;
    o.n_bins = 0;
    assert_fails(RISTRA_EINVAL, "opts->n_bins is 0", risk4, y4, 4, &o);
    o.n_bins = RISTRA_EVALUATE_MAX_BINS + 1;
    assert_fails(RISTRA_EINVAL, "opts->n_bins is 1001", risk4, y4, 4, &o);
    o = (ristra_evaluate_options)RISTRA_EVALUATE_OPTIONS_INIT;
    o.confidence_level = 1.0;
    assert_fails(RISTRA_EINVAL, "opts->confidence_level is 1", risk4, y4, 4, &o);
    o.confidence_level = NAN;
    assert_fails(RISTRA_EINVAL, "opts->confidence_level", risk4, y4, 4, &o);
    o = (ristra_evaluate_options)RISTRA_EVALUATE_OPTIONS_INIT;
    o.flag_scope = 3;
    assert_fails(RISTRA_EINVAL, "opts->flag_scope is 3", risk4, y4, 4, &o);
    o = (ristra_evaluate_options)RISTRA_EVALUATE_OPTIONS_INIT;
    o.n_threads = -1;
    assert_fails(RISTRA_EINVAL, "opts->n_threads is -1", risk4, y4, 4, &o);
}

Test(evaluate_options, init_function_matches_the_macro)
{
    ristra_evaluate_options a = RISTRA_EVALUATE_OPTIONS_INIT, b;
    memset(&b, 0xff, sizeof b);
    cr_assert_eq(ristra_evaluate_options_init(&b, RISTRA_EVALUATE_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_eq(a.version, b.version);
    cr_assert_eq(a.n_cut_points, b.n_cut_points);
    cr_assert_eq(a.cut_points, b.cut_points);
    cr_assert_eq(a.n_bins, b.n_bins);
    cr_assert_eq(a.confidence_level, b.confidence_level);
    cr_assert_eq(a.flag_scope, b.flag_scope);
    cr_assert_eq(a.n_threads, b.n_threads);
    cr_assert_null(b.cut_points, "NULL: the default cut-points");
    cr_assert_eq(b.n_bins, 10);
    cr_assert_eq(b.confidence_level, 0.95);
    cr_assert_eq(ristra_evaluate_options_init(&b, 2), RISTRA_EINVAL);
    cr_assert_eq(ristra_evaluate_options_init(NULL, 1), RISTRA_EINVAL);
}

Test(evaluate_accessors, out_of_range_and_null_arguments_are_rejected)
{
    ristra_evaluation *e = evaluate_ok(risk4, y4, 4, NULL, NULL);
    ristra_group_summary s = RISTRA_GROUP_SUMMARY_INIT;
    cr_assert_eq(ristra_evaluation_summary(&s, e, 0), RISTRA_EINVAL, "no groups: only OVERALL");
    cr_assert(strstr(ristra_last_error(), "group 0 is out of range") != NULL);
    cr_assert_eq(ristra_evaluation_summary(&s, e, -2), RISTRA_EINVAL);
    cr_assert_eq(ristra_evaluation_summary(NULL, e, RISTRA_EVALUATION_OVERALL), RISTRA_EINVAL);
    cr_assert_eq(ristra_evaluation_summary(&s, NULL, RISTRA_EVALUATION_OVERALL), RISTRA_EINVAL);
    s.version = 2;
    cr_assert_eq(ristra_evaluation_summary(&s, e, RISTRA_EVALUATION_OVERALL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "out->version is 2") != NULL);
    ristra_calibration_bin b = RISTRA_CALIBRATION_BIN_INIT;
    cr_assert_eq(ristra_evaluation_bin(&b, e, RISTRA_EVALUATION_OVERALL, 10), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "bin 10 is out of range") != NULL);
    ristra_cut_point_summary c = RISTRA_CUT_POINT_SUMMARY_INIT;
    cr_assert_eq(ristra_evaluation_cut_point(&c, e, RISTRA_EVALUATION_OVERALL, 4), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "index 4 is out of range") != NULL);
    cr_assert_eq(ristra_evaluation_n_groups(e), 0);
    cr_assert_eq(ristra_evaluation_n_bins(e), 10);
    cr_assert_eq(ristra_evaluation_n_cut_points(e), 4);
    cr_assert_eq(ristra_evaluation_n_groups(NULL), -1);
    cr_assert_eq(ristra_evaluation_n_bins(NULL), -1);
    cr_assert_eq(ristra_evaluation_n_cut_points(NULL), -1);
    ristra_evaluation_free(e);
    ristra_evaluation_free(NULL);
}

/* ------------------------------------------------------------ undefined figures */

Test(evaluate_edges, a_group_without_events_gives_nan_not_an_error)
{
    double r[6] = { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
    uint8_t y[6] = { 0, 0, 0, 1, 0, 1 };
    int32_t g[6] = { 7, 7, 7, 9, 9, 9 };
    ristra_evaluation *e = evaluate_ok(r, y, 6, g, NULL);
    cr_assert_eq(ristra_evaluation_n_groups(e), 2);
    ristra_group_summary s = summary_of(e, 0);
    cr_assert_eq(s.label, 7);
    cr_assert_eq(s.events, 0);
    cr_assert(isnan(s.auroc) && isnan(s.auroc_variance) && isnan(s.auroc_ci_lower));
    cr_assert(isnan(s.average_precision));
    cr_assert(isnan(s.calibration_intercept) && isnan(s.calibration_slope));
    cr_assert(isnan(cut_of(e, 0, 0).sensitivity));
    cr_assert_float_eq(s.brier, (0.01 + 0.04 + 0.09) / 3.0, 1e-15);
    cr_assert_eq(s.observed_rate, 0.0);
    ristra_evaluation_free(e);
}

Test(evaluate_edges, one_event_gives_an_auroc_but_no_delong_interval)
{
    double r[5] = { 0.1, 0.2, 0.3, 0.4, 0.5 };
    uint8_t y[5] = { 0, 0, 1, 0, 0 };
    ristra_evaluation *e = evaluate_ok(r, y, 5, NULL, NULL);
    ristra_group_summary s = summary_of(e, RISTRA_EVALUATION_OVERALL);
    cr_assert_eq(s.auroc, 0.5, "beats 2 of 4 non-events");
    cr_assert(isnan(s.auroc_variance) && isnan(s.auroc_ci_lower) && isnan(s.auroc_ci_upper));
    cr_assert_eq(s.average_precision, 1.0 / 3.0, "precision at its threshold: 1 of 3");
    ristra_evaluation_free(e);
}

Test(evaluate_edges, a_single_patient_is_evaluated)
{
    double r[1] = { 0.25 };
    uint8_t y[1] = { 1 };
    ristra_evaluation *e = evaluate_ok(r, y, 1, NULL, NULL);
    ristra_group_summary s = summary_of(e, RISTRA_EVALUATION_OVERALL);
    cr_assert_eq(s.n, 1);
    cr_assert(isnan(s.auroc));
    cr_assert_eq(s.average_precision, 1.0);
    cr_assert_eq(s.brier, 0.5625);
    cr_assert_eq(cut_of(e, RISTRA_EVALUATION_OVERALL, 0).n_flagged, 1, "ceil(0.005 * 1) = 1");
    cr_assert_eq(bin_of(e, RISTRA_EVALUATION_OVERALL, 0).n, 1);
    for (int b = 1; b < 10; b++)
        cr_assert(isnan(bin_of(e, RISTRA_EVALUATION_OVERALL, b).mean_risk));
    ristra_evaluation_free(e);
}

Test(evaluate_edges, all_tied_risks_share_one_bin_and_have_no_slope)
{
    double r[50];
    uint8_t y[50];
    for (int i = 0; i < 50; i++) {
        r[i] = 0.2;
        y[i] = i % 4 == 0;
    }
    ristra_evaluation *e = evaluate_ok(r, y, 50, NULL, NULL);
    ristra_group_summary s = summary_of(e, RISTRA_EVALUATION_OVERALL);
    cr_assert_eq(s.auroc, 0.5);
    cr_assert_eq(s.average_precision, 13.0 / 50.0, "one step: the prevalence");
    cr_assert(isnan(s.calibration_slope), "logit(risk) is constant");
    cr_assert(isfinite(s.calibration_intercept));
    ristra_calibration_bin b0 = bin_of(e, RISTRA_EVALUATION_OVERALL, 0);
    cr_assert_eq(b0.n, 50, "no risk is lower, so all land in bin 0");
    cr_assert_eq(b0.events, 13);
    for (int b = 1; b < 10; b++) {
        ristra_calibration_bin other = bin_of(e, RISTRA_EVALUATION_OVERALL, b);
        cr_assert_eq(other.n, 0);
        cr_assert(isnan(other.observed_rate) && isnan(other.oe_ratio));
    }
    ristra_evaluation_free(e);
}

Test(evaluate_edges, separated_outcomes_have_no_slope)
{
    double r[40];
    uint8_t y[40];
    for (int i = 0; i < 40; i++) {
        r[i] = (i + 0.5) / 40.0;
        y[i] = i >= 30;
    }
    ristra_evaluation *e = evaluate_ok(r, y, 40, NULL, NULL);
    ristra_group_summary s = summary_of(e, RISTRA_EVALUATION_OVERALL);
    cr_assert_eq(s.auroc, 1.0);
    cr_assert(isnan(s.calibration_slope) && isnan(s.calibration_slope_intercept));
    cr_assert(isfinite(s.calibration_intercept), "the offset-only fit still exists");
    ristra_evaluation_free(e);
}

Test(evaluate_edges, risks_of_exactly_zero_and_one_are_finite_after_clamping)
{
    double r[6] = { 0.0, -0.0, 1.0, 0.3, 0.6, 0.2 };
    uint8_t y[6] = { 0, 1, 1, 0, 1, 0 };
    ristra_evaluation *e = evaluate_ok(r, y, 6, NULL, NULL);
    ristra_group_summary s = summary_of(e, RISTRA_EVALUATION_OVERALL);
    cr_assert(isfinite(s.calibration_intercept));
    cr_assert(isfinite(s.calibration_slope));
    /* -0.0 ties with 0.0: the pair counts as a tie, not an ordering */
    cr_assert_eq(s.auroc, (0.5 + 3.0 + 3.0) / 9.0, "positive -0.0 ties negative 0.0: %.17g",
                 s.auroc);
    ristra_evaluation_free(e);
}

/* ------------------------------------------------------------ cut-points */

Test(evaluate_cuts, decimal_fractions_flag_the_intended_count)
{
    enum { N = 100 };
    double r[N];
    uint8_t y[N];
    for (int i = 0; i < N; i++) {
        r[i] = (N - i) / (double)(N + 1);
        y[i] = i % 3 == 0;
    }
    ristra_evaluate_options o = RISTRA_EVALUATE_OPTIONS_INIT;
    o.n_cut_points = 5;
    static const double cuts[5] = { 0.07, 0.005, 0.29, 1.0, 0.011 };
    int64_t want[5] = { 7, 1, 29, 100, 2 };
    o.cut_points = cuts;
    cr_assert(0.07 * N > 7.0, "the double 0.07 * 100 lies above 7");
    ristra_evaluation *e = evaluate_ok(r, y, N, NULL, &o);
    for (int c = 0; c < 5; c++) {
        ristra_cut_point_summary s = cut_of(e, RISTRA_EVALUATION_OVERALL, c);
        cr_assert_eq(s.fraction, cuts[c]);
        cr_assert_eq(s.n_flagged, want[c], "cut %g flags %lld", cuts[c], (long long)s.n_flagged);
        cr_assert_eq(s.threshold, r[want[c] - 1]);
    }
    ristra_evaluation_free(e);
}

Test(evaluate_cuts, ties_at_the_cut_flag_the_earlier_rows)
{
    double r[6] = { 0.5, 0.9, 0.5, 0.5, 0.1, 0.5 };
    uint8_t y[6] = { 0, 0, 1, 1, 1, 0 };
    ristra_evaluate_options o = RISTRA_EVALUATE_OPTIONS_INIT;
    /* k = 2: row 1, then row 0 (first of the 0.5s); k = 3: rows 1, 0, 2 */
    static const double cuts[2] = { 2.0 / 6.0, 3.0 / 6.0 };
    o.n_cut_points = 2;
    o.cut_points = cuts;
    ristra_evaluation *e = evaluate_ok(r, y, 6, NULL, &o);
    ristra_cut_point_summary two = cut_of(e, RISTRA_EVALUATION_OVERALL, 0);
    cr_assert_eq(two.n_flagged, 2);
    cr_assert_eq(two.events_flagged, 0);
    cr_assert_eq(two.threshold, 0.5);
    cr_assert_eq(two.ppv, 0.0);
    ristra_cut_point_summary three = cut_of(e, RISTRA_EVALUATION_OVERALL, 1);
    cr_assert_eq(three.events_flagged, 1);
    cr_assert_eq(three.sensitivity, 1.0 / 3.0);
    cr_assert_eq(three.ppv, 1.0 / 3.0);
    ristra_evaluation_free(e);
}

Test(evaluate_cuts, flags_over_everyone_add_up_to_everyones_count)
{
    sample s = make_sample(5000, 2, 7);
    ristra_evaluate_options o = RISTRA_EVALUATE_OPTIONS_INIT;
    o.flag_scope = RISTRA_FLAG_OVERALL;
    ristra_evaluation *e = evaluate_ok(s.risk, s.y, s.n, s.group, &o);
    for (int c = 0; c < o.n_cut_points; c++) {
        ristra_cut_point_summary all = cut_of(e, RISTRA_EVALUATION_OVERALL, c);
        int64_t flagged = 0, events = 0;
        for (int64_t g = 0; g < ristra_evaluation_n_groups(e); g++) {
            ristra_cut_point_summary part = cut_of(e, g, c);
            flagged += part.n_flagged;
            events += part.events_flagged;
            if (part.n_flagged > 0)
                cr_assert_geq(part.threshold, all.threshold);
        }
        cr_assert_eq(flagged, all.n_flagged);
        cr_assert_eq(events, all.events_flagged);
    }
    ristra_evaluation_free(e);
    free_sample(&s);
}

/* ------------------------------------------------------------ groups and threads */

Test(evaluate_groups, a_groups_figures_are_those_of_its_rows_alone)
{
    sample s = make_sample(20000, 3, 5);
    ristra_evaluation *e = evaluate_ok(s.risk, s.y, s.n, s.group, NULL);
    double *r = malloc((size_t)s.n * sizeof *r);
    uint8_t *y = malloc((size_t)s.n);
    for (int64_t g = 0; g < ristra_evaluation_n_groups(e); g++) {
        ristra_group_summary want = summary_of(e, g);
        int64_t m = 0;
        for (int64_t i = 0; i < s.n; i++)
            if (s.group[i] == want.label) {
                r[m] = s.risk[i];
                y[m++] = s.y[i];
            }
        ristra_evaluation *alone = evaluate_ok(r, y, m, NULL, NULL);
        ristra_group_summary got = summary_of(alone, RISTRA_EVALUATION_OVERALL);
        got.label = want.label;
        cr_assert(same(&got, &want, sizeof got), "group %lld", (long long)g);
        for (int b = 0; b < 10; b++)
            cr_assert(same_bin(bin_of(alone, RISTRA_EVALUATION_OVERALL, b), bin_of(e, g, b)));
        for (int c = 0; c < 4; c++)
            cr_assert(same_cut(cut_of(alone, RISTRA_EVALUATION_OVERALL, c), cut_of(e, g, c)));
        ristra_evaluation_free(alone);
    }
    free(r), free(y);
    ristra_evaluation_free(e);
    free_sample(&s);
}

Test(evaluate_groups, labels_come_back_in_ascending_order)
{
    double r[5] = { 0.1, 0.2, 0.3, 0.4, 0.5 };
    uint8_t y[5] = { 0, 1, 0, 1, 0 };
    int32_t g[5] = { 40, -3, 40, 2147483647, -2147483647 - 1 };
    ristra_evaluation *e = evaluate_ok(r, y, 5, g, NULL);
    int32_t want[4] = { -2147483647 - 1, -3, 40, 2147483647 };
    int64_t sizes[4] = { 1, 1, 2, 1 };
    cr_assert_eq(ristra_evaluation_n_groups(e), 4);
    for (int i = 0; i < 4; i++) {
        ristra_group_summary s = summary_of(e, i);
        cr_assert_eq(s.label, want[i]);
        cr_assert_eq(s.n, sizes[i]);
    }
    ristra_evaluation_free(e);
}

Test(evaluate_groups, results_do_not_depend_on_the_thread_count)
{
    sample s = make_sample(30000, 2, 32);
    ristra_evaluate_options one = RISTRA_EVALUATE_OPTIONS_INIT, many = one;
    many.n_threads = 4;
    ristra_evaluation *a = evaluate_ok(s.risk, s.y, s.n, s.group, &one);
    ristra_evaluation *b = evaluate_ok(s.risk, s.y, s.n, s.group, &many);
    for (int64_t g = RISTRA_EVALUATION_OVERALL; g < ristra_evaluation_n_groups(a); g++) {
        ristra_group_summary x = summary_of(a, g), w = summary_of(b, g);
        cr_assert(same(&x, &w, sizeof x));
        for (int k = 0; k < 10; k++)
            cr_assert(same_bin(bin_of(a, g, k), bin_of(b, g, k)));
        for (int c = 0; c < 4; c++)
            cr_assert(same_cut(cut_of(a, g, c), cut_of(b, g, c)));
    }
    ristra_evaluation_free(a);
    ristra_evaluation_free(b);
    free_sample(&s);
}

/* ------------------------------------------------------------ calibration fits */

static double expit(double x) { return 1.0 / (1.0 + exp(-x)); }

Test(evaluate_calibration, the_intercept_makes_expected_equal_observed)
{
    sample s = make_sample(20000, 0, 0);
    ristra_evaluation *e = evaluate_ok(s.risk, s.y, s.n, NULL, NULL);
    ristra_group_summary m = summary_of(e, RISTRA_EVALUATION_OVERALL);
    double expected = 0.0;
    for (int64_t i = 0; i < s.n; i++)
        expected += expit(m.calibration_intercept + ristra__logit_clamped(s.risk[i]));
    cr_assert_float_eq(expected, (double)m.events, 1e-8 * (double)s.n,
                       "the score equation of the offset model: %.17g vs %lld", expected,
                       (long long)m.events);
    ristra_evaluation_free(e);
    free_sample(&s);
}

Test(evaluate_calibration, recalibrated_risks_have_slope_one_and_intercept_zero)
{
    sample s = make_sample(20000, 0, 0);
    for (int64_t i = 0; i < s.n; i++) /* too extreme: the slope comes out near 1/2 */
        s.risk[i] = expit(2.0 * ristra__logit_clamped(s.risk[i]));
    ristra_evaluation *e = evaluate_ok(s.risk, s.y, s.n, NULL, NULL);
    ristra_group_summary m = summary_of(e, RISTRA_EVALUATION_OVERALL);
    cr_assert(fabs(m.calibration_slope - 1.0) > 0.01, "the sample is not already calibrated");
    double *recal = malloc((size_t)s.n * sizeof *recal);
    for (int64_t i = 0; i < s.n; i++)
        recal[i] = expit(m.calibration_slope_intercept
                         + m.calibration_slope * ristra__logit_clamped(s.risk[i]));
    ristra_evaluation *again = evaluate_ok(recal, s.y, s.n, NULL, NULL);
    ristra_group_summary r = summary_of(again, RISTRA_EVALUATION_OVERALL);
    cr_assert_float_eq(r.calibration_slope, 1.0, 1e-9);
    cr_assert_float_eq(r.calibration_slope_intercept, 0.0, 1e-9);
    cr_assert_float_eq(r.calibration_intercept, 0.0, 1e-9);
    ristra_evaluation_free(again);
    ristra_evaluation_free(e);
    free(recal);
    free_sample(&s);
}

/* ------------------------------------------------------------ internals */

Test(evaluate_internals, normal_quantile_inverts_erfc)
{
    double ps[] = { 1e-20, 1e-8, 0.001, 0.025, 0.075, 0.1, 0.3, 0.5,
                    0.7, 0.925, 0.975, 0.999, 1 - 1e-9 };
    for (size_t i = 0; i < sizeof ps / sizeof *ps; i++) {
        double z = ristra__normal_quantile(ps[i]);
        double back = 0.5 * erfc(-z / sqrt(2.0));
        cr_assert(fabs(back - ps[i]) <= 1e-13 * ps[i], "p %g: z %.17g gives %.17g", ps[i],
                  z, back);
    }
    cr_assert_eq(ristra__normal_quantile(0.5), 0.0);
    /* symmetric where p - 0.5 and 1 - p are exact */
    cr_assert_eq(ristra__normal_quantile(0.25), -ristra__normal_quantile(0.75));
    cr_assert_eq(ristra__normal_quantile(0.0078125), -ristra__normal_quantile(0.9921875));
}

Test(evaluate_internals, sort_is_descending_with_ties_in_input_order)
{
    double s[9] = { 0.5, -1.0, 0.5, 2.0, -0.0, 0.0, -1.0, 1e-300, -INFINITY };
    uint64_t want[9] = { 3, 0, 2, 7, 4, 5, 1, 6, 8 };
    uint64_t payload[9];
    double sorted[9];
    for (int i = 0; i < 9; i++)
        payload[i] = (uint64_t)i;
    cr_assert_eq(ristra__sort_descending(sorted, payload, s, 9), 0);
    for (int i = 0; i < 9; i++) {
        cr_assert_eq(payload[i], want[i], "position %d: %llu", i, (unsigned long long)payload[i]);
        cr_assert_eq(sorted[i], s[want[i]] + 0.0);
    }
    cr_assert(!signbit(sorted[4]), "-0.0 comes back as 0.0");
}

Test(evaluate_internals, auroc_counts_pairs_with_ties_as_halves)
{
    /* pairs (positive, negative): (0.35, 0.1) win, (0.35, 0.4) loss,
     * (0.8, *) two wins: 3 of 4 */
    cr_assert_eq(ristra__auroc(risk4, y4, 4), 0.75);
    double tied[4] = { 0.3, 0.3, 0.3, 0.1 };
    uint8_t y[4] = { 1, 0, 0, 0 };
    cr_assert_eq(ristra__auroc(tied, y, 4), (0.5 + 0.5 + 1.0) / 3.0);
    cr_assert(isnan(ristra__auroc(tied, y, 1)));
}

/* ------------------------------------------------------------ the plot */

Test(evaluate_svg, writes_a_file_and_reports_unwritable_paths)
{
    sample s = make_sample(2000, 2, 3);
    ristra_evaluation *e = evaluate_ok(s.risk, s.y, s.n, s.group, NULL);
    char *dir = rt_tmpdir();
    char *path = rt_join(dir, "calibration.svg");
    cr_assert_eq(ristra_evaluation_write_calibration_svg(e, 1, path, "Practice <B> & \"C\""),
                 RISTRA_OK, "%s", ristra_last_error());
    size_t size = 0;
    char *svg = rt_read_file(path, &size);
    cr_assert_not_null(svg);
    cr_assert(strncmp(svg, "<?xml", 5) == 0);
    cr_assert(strstr(svg, "Practice &lt;B&gt; &amp; &quot;C&quot;") != NULL);
    cr_assert(strstr(svg, "</svg>") != NULL);
    free(svg);
    cr_assert_eq(ristra_evaluation_write_calibration_svg(e, 3, path, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_evaluation_write_calibration_svg(e, 0, NULL, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_evaluation_write_calibration_svg(NULL, 0, path, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_evaluation_write_calibration_svg(e, 0, "/nonexistent/dir/c.svg", NULL),
                 RISTRA_EIO);
    cr_assert(strstr(ristra_last_error(), "/nonexistent/dir/c.svg") != NULL);
    rt_rmtree(dir);
    free(path), free(dir);
    ristra_evaluation_free(e);
    free_sample(&s);
}

/* The one reader of tier text (every front end's --tiers). */
Test(tiers, text_reads_fractions_and_percentages_and_names_a_bad_piece)
{
    double c[4];
    int64_t n = -1;
    cr_assert_eq(ristra_tiers_parse(c, 4, &n, "0.5%, 2% ,0.05,20%"), RISTRA_OK, "%s",
                 ristra_last_error());
    const double *d;
    cr_assert_eq(n, ristra_default_tiers(&d));
    for (int k = 0; k < 4; k++)
        cr_assert_eq(c[k], d[k], "cut-point %d: %.17g, not %.17g", k, c[k], d[k]);
    static const struct { const char *text, *words; } bad[] = {
        { "0.1,,0.2", "cut-point 2 is empty" },
        { "0.1,x", "cut-point 2, \"x\", is not a number" },
        { "150%", "cut-point 1, \"150%\", is not a fraction of the list in (0, 1]" },
        { "0", "is not a fraction" },
        { "0.1,0.2,0.3,0.4,0.5", "more than 4 cut-points" },
        { "", "cut-point 1 is empty" },
        { "nan", "is not a fraction" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        n = -1;
        cr_assert_eq(ristra_tiers_parse(c, 4, &n, bad[i].text), RISTRA_EINVAL, "%s", bad[i].text);
        cr_assert_eq(n, 0);
        cr_assert(strstr(ristra_last_error(), bad[i].words), "%s: %s", bad[i].text,
                  ristra_last_error());
    }
    cr_assert_eq(ristra_tiers_parse(NULL, 4, &n, "0.1"), RISTRA_EINVAL);
}

/* The one outcome rule of every front end: 0 and 1 only, named when not. */
Test(outcomes, only_0_and_1_pass_and_a_bad_value_is_named_as_what_it_is)
{
    const double y[] = { 0, 1, 1, 0 };
    uint8_t out[4] = { 9, 9, 9, 9 };
    cr_assert_eq(ristra_outcomes_encode(out, y, 4, "y_true"), RISTRA_OK);
    cr_assert(out[0] == 0 && out[1] == 1 && out[2] == 1 && out[3] == 0);
    static const struct { double v; const char *words; } bad[] = {
        { NAN, "y_true[2] is NaN, a missing outcome" },
        { 0.027, "y_true[2] is 0.027, not an outcome (0 or 1)" },
        { 2, "y_true[2] is 2, not an outcome" },
        { -1, "y_true[2] is -1, not an outcome" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double z[4] = { 1, 0, bad[i].v, 1 };
        uint8_t o[4] = { 9, 9, 9, 9 };
        cr_assert_eq(ristra_outcomes_encode(o, z, 4, "y_true"), RISTRA_EINVAL);
        cr_assert(!strncmp(ristra_last_error(), bad[i].words, strlen(bad[i].words)), "%s",
                  ristra_last_error());
        cr_assert(o[0] == 9 && o[3] == 9, "nothing written on error");
    }
    cr_assert_eq(ristra_outcomes_encode(out, NULL, 4, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_outcomes_encode(NULL, NULL, 0, NULL), RISTRA_OK);
}
