/* Stratification (lib/stratify) and the writers' number formatting
 * (lib/io/number_format.c): ranks and their tie-break, tiers at the edges
 * of the ceil rule, the per-practice figures against ristra_evaluate(), and
 * the shortest round-trip text against snprintf + strtod. The file-level
 * batch is in test_score_file.c; agreement with pandas and scikit-learn in
 * tests/cli/test_score.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/evaluate.h>

#include "io/number_format_internal.h"
#include "metrics/metrics_internal.h"
#include "stratify/stratify_internal.h"
#include "test_util.h"

/* ------------------------------------------------------------ data */

static uint64_t rng_state = 0x2545f4914f6cdd1du;

static uint64_t next_random(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static double uniform(void)
{
    return (double)(next_random() >> 11) / 9007199254740992.0;
}

static const char *const CODES[] = { "Y02", "A81001", "P85", "B86", "A81002", "C83", "M91", "K84" };

typedef struct population {
    int64_t n;
    uint64_t *nhs;
    int32_t *practice;
    double *risk;
    uint8_t *outcome;
    int32_t n_practices;
} population;

/* n patients over n_practices (of CODES), risks rounded to `decimals` (0:
 * not rounded) so that ties happen, outcomes drawn from the risks. */
static population make_population(int64_t n, int32_t n_practices, int decimals)
{
    population p = { n, malloc((size_t)n * 8), malloc((size_t)n * 4), malloc((size_t)n * 8),
                     malloc((size_t)n), n_practices };
    cr_assert(p.nhs && p.practice && p.risk && p.outcome);
    double scale = pow(10.0, decimals);
    for (int64_t i = 0; i < n; i++) {
        p.nhs[i] = UINT64_C(9990000000) + (uint64_t)i * 7919 % 9999991; /* distinct, shuffled */
        p.practice[i] = (int32_t)(next_random() % (uint64_t)n_practices);
        double u = uniform(), r = u * u * u;
        p.risk[i] = decimals ? round(r * scale) / scale : r;
        p.outcome[i] = uniform() < p.risk[i];
    }
    return p;
}

static void free_population(population *p)
{
    free(p->nhs), free(p->practice), free(p->risk), free(p->outcome);
}

static const double CUTS[] = { 0.005, 0.02, 0.05, 0.20 };

static ristra__scored scored_of(const population *p, int with_outcome)
{
    ristra__scored s = { p->n, p->nhs, p->practice, p->risk, with_outcome ? p->outcome : NULL,
                         p->n_practices, CODES, 4, CUTS };
    return s;
}

static ristra__stratification stratify_ok(const ristra__scored *s)
{
    ristra__stratification st;
    int rc = ristra__stratify(&st, s);
    cr_assert_eq(rc, RISTRA_OK, "ristra__stratify: %s", ristra_last_error());
    return st;
}

/* The reference order: risk descending, NHS number ascending, practice code. */
static const population *cmp_pop;

static int reference_compare(const void *a, const void *b)
{
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const population *p = cmp_pop;
    if (p->risk[i] != p->risk[j])
        return p->risk[i] > p->risk[j] ? -1 : 1;
    if (p->nhs[i] != p->nhs[j])
        return p->nhs[i] < p->nhs[j] ? -1 : 1;
    return strcmp(CODES[p->practice[i]], CODES[p->practice[j]]);
}

static int code_compare(const void *a, const void *b)
{
    return strcmp(CODES[*(const int32_t *)a], CODES[*(const int32_t *)b]);
}

/* Each patient's overall rank, by input index (free()). */
static uint32_t *ranks_by_patient(const ristra__stratification *st)
{
    uint32_t *rank = malloc((size_t)(st->n > 0 ? st->n : 1) * sizeof *rank);
    cr_assert_not_null(rank);
    for (int64_t pos = 0; pos < st->n; pos++)
        rank[st->order[pos]] = st->overall_rank[pos];
    return rank;
}

/* ------------------------------------------------------------ ranks */

Test(stratify, ranks_everyone_by_risk_then_nhs_number_as_a_comparison_sort_does)
{
    /* 3 decimals: many ties; 400,000 patients: arrays big enough (2 MiB and
     * more) to be mapped in huge pages */
    population p = make_population(400000, 5, 3);
    ristra__scored s = scored_of(&p, 1);
    ristra__stratification st = stratify_ok(&s);
    uint32_t *ref = malloc((size_t)p.n * 4);
    for (int64_t i = 0; i < p.n; i++)
        ref[i] = (uint32_t)i;
    cmp_pop = &p;
    qsort(ref, (size_t)p.n, 4, reference_compare);
    uint32_t *rank = ranks_by_patient(&st);
    for (int64_t i = 0; i < p.n; i++)
        cr_assert_eq(rank[ref[i]], i + 1, "patient %u", ref[i]);
    for (int64_t pos = 0; pos < p.n; pos++)
        cr_assert_eq(ristra__stratified_risk(&st, pos), p.risk[st.order[pos]]);
    free(ref), free(rank);
    ristra__stratification_free(&st);
    free_population(&p);
}

Test(stratify, lists_each_practice_in_code_order_ranked_within_it)
{
    population p = make_population(5000, 8, 2);
    ristra__scored s = scored_of(&p, 0);
    ristra__stratification st = stratify_ok(&s);
    int32_t by_code[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    qsort(by_code, 8, sizeof *by_code, code_compare);
    int64_t pos = 0;
    cmp_pop = &p;
    for (int32_t r = 0; r < 8; r++) {
        const ristra__practice_stats *ps = &st.practice[r];
        cr_assert_eq(ps->practice, by_code[r]);
        cr_assert_eq(ps->first, pos);
        int64_t members = 0;
        for (int64_t i = 0; i < p.n; i++)
            members += p.practice[i] == ps->practice;
        cr_assert_eq(ps->list_size, members);
        for (int64_t k = 0; k < ps->list_size; k++) {
            uint32_t a = st.order[ps->first + k];
            cr_assert_eq(p.practice[a], ps->practice);
            if (k > 0)
                cr_assert_lt(reference_compare(&st.order[ps->first + k - 1], &a), 0);
        }
        pos += ps->list_size;
    }
    cr_assert_eq(pos, p.n);
    ristra__stratification_free(&st);
    free_population(&p);
}

/* Ranks are a property of the patients, not of the rows' order. */
Test(stratify, gives_every_patient_the_same_ranks_whatever_the_input_order)
{
    population p = make_population(3000, 3, 1); /* 1 decimal: huge tie blocks */
    population q = make_population(3000, 3, 1);
    /* q is p reversed */
    for (int64_t i = 0; i < p.n; i++) {
        int64_t j = p.n - 1 - i;
        q.nhs[j] = p.nhs[i], q.practice[j] = p.practice[i];
        q.risk[j] = p.risk[i], q.outcome[j] = p.outcome[i];
    }
    ristra__scored sp = scored_of(&p, 1), sq = scored_of(&q, 1);
    ristra__stratification a = stratify_ok(&sp), b = stratify_ok(&sq);
    for (int64_t k = 0; k < p.n; k++) {
        cr_assert_eq(p.nhs[a.order[k]], q.nhs[b.order[k]], "position %lld", (long long)k);
        cr_assert_eq(a.overall_rank[k], b.overall_rank[k]);
    }
    for (int32_t r = 0; r < 3; r++) {
        cr_assert_eq(a.practice[r].expected, b.practice[r].expected);
        cr_assert_eq(a.practice[r].auroc, b.practice[r].auroc);
    }
    cr_assert_eq(a.expected, b.expected);
    ristra__stratification_free(&a);
    ristra__stratification_free(&b);
    free_population(&p);
    free_population(&q);
}

Test(stratify, orders_equal_risks_by_nhs_number_and_then_practice_code)
{
    uint64_t nhs[] = { 9990000050, 9990000010, 9990000030, 9990000010, 9990000020 };
    int32_t practice[] = { 0, 0, 1, 1, 0 };   /* Y02, A81001 */
    double risk[] = { 0.5, 0.5, 0.5, 0.5, 0.9 };
    ristra__scored s = { 5, nhs, practice, risk, NULL, 2, CODES, 4, CUTS };
    ristra__stratification st = stratify_ok(&s);
    /* 0.9 first; then NHS ...010 at A81001 (row 3), ...010 at Y02 (row 1), ...030, ...050 */
    uint32_t expected_rank[] = { 5, 3, 4, 2, 1 };
    uint32_t *rank = ranks_by_patient(&st);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(rank[i], expected_rank[i], "row %d", i);
    free(rank);
    /* A81001 sorts first: rows 3 then 2 */
    cr_assert_eq(st.order[0], 3);
    cr_assert_eq(st.order[1], 2);
    cr_assert_eq(st.order[2], 4);
    cr_assert_eq(st.order[3], 1);
    cr_assert_eq(st.order[4], 0);
    ristra__stratification_free(&st);
}

Test(stratify, treats_negative_zero_as_zero_and_ranks_it_by_nhs_number)
{
    uint64_t nhs[] = { 9990000002, 9990000001, 9990000003 };
    int32_t practice[] = { 0, 0, 0 };
    double risk[] = { -0.0, 0.0, 1e-300 };
    ristra__scored s = { 3, nhs, practice, risk, NULL, 1, CODES, 4, CUTS };
    ristra__stratification st = stratify_ok(&s);
    uint32_t *rank = ranks_by_patient(&st);
    cr_assert_eq(rank[2], 1);
    cr_assert_eq(rank[1], 2);
    cr_assert_eq(rank[0], 3);
    free(rank);
    ristra__stratification_free(&st);
}

Test(stratify, handles_no_patients_and_practices_without_scored_patients)
{
    ristra__scored s = { 0, NULL, NULL, NULL, NULL, 2, CODES, 4, CUTS };
    ristra__stratification st = stratify_ok(&s);
    cr_assert_eq(st.n, 0);
    cr_assert_eq(st.n_practices, 2);
    for (int r = 0; r < 2; r++) {
        cr_assert_eq(st.practice[r].list_size, 0);
        cr_assert_eq(st.practice[r].expected, 0.0);
        for (int k = 0; k < 4; k++)
            cr_assert_eq(st.practice[r].tier_count[k], 0);
    }
    ristra__stratification_free(&st);
}

/* ------------------------------------------------------------ tiers */

/* ceil(num * n / den) in integers: the rule for a decimal cut num/den. */
static int64_t exact_cut(int64_t num, int64_t den, int64_t n)
{
    return (num * n + den - 1) / den;
}

Test(stratify, puts_each_patient_in_the_first_tier_whose_ceil_cut_holds_him_for_lists_of_1_to_600)
{
    /* cut-points as exact decimals num / 1000 */
    static const int64_t num[] = { 5, 20, 50, 70, 200 };
    double cuts[5];
    for (int k = 0; k < 5; k++)
        cuts[k] = (double)num[k] / 1000.0;
    for (int64_t n = 1; n <= 600; n++) {
        uint64_t *nhs = malloc((size_t)n * 8);
        int32_t *practice = calloc((size_t)n, 4);
        double *risk = malloc((size_t)n * 8);
        for (int64_t i = 0; i < n; i++) {
            nhs[i] = UINT64_C(9990000000) + (uint64_t)i;
            risk[i] = 1.0 - (double)i / (double)(n + 1); /* row i has rank i + 1 */
        }
        ristra__scored s = { n, nhs, practice, risk, NULL, 1, CODES, 5, cuts };
        ristra__stratification st = stratify_ok(&s);
        const ristra__practice_stats *ps = &st.practice[0];
        int64_t prev = 0;
        for (int k = 0; k < 5; k++) {
            int64_t end = exact_cut(num[k], 1000, n);
            cr_assert_eq(ps->tier_end[k], end, "n %lld cut %d", (long long)n, k);
            cr_assert_eq(ps->tier_count[k], end - prev);
            prev = end;
        }
        for (int64_t rank = 1; rank <= n; rank++) {
            int expected = 5;
            for (int k = 4; k >= 0; k--)
                if (rank <= exact_cut(num[k], 1000, n))
                    expected = k;
            cr_assert_eq(ristra__tier_of(ps, 5, rank), expected, "n %lld rank %lld",
                         (long long)n, (long long)rank);
        }
        ristra__stratification_free(&st);
        free(nhs), free(practice), free(risk);
    }
}

Test(stratify, takes_7_of_100_at_7_percent_although_0_07_times_100_exceeds_7_in_doubles)
{
    cr_assert_gt(0.07 * 100.0, 7.0); /* the trap */
    cr_assert_eq(ristra__cut_count(0.07, 100), 7);
    cr_assert_eq(ristra__cut_count(0.005, 1), 1);   /* the top patient of a tiny practice */
    cr_assert_eq(ristra__cut_count(1.0, 12345), 12345);
}

Test(stratify, puts_the_only_patient_of_a_one_patient_practice_in_the_first_tier)
{
    uint64_t nhs[] = { 9990000001, 9990000002, 9990000003 };
    int32_t practice[] = { 0, 1, 1 };
    double risk[] = { 0.01, 0.2, 0.1 };
    ristra__scored s = { 3, nhs, practice, risk, NULL, 2, CODES, 4, CUTS };
    ristra__stratification st = stratify_ok(&s);
    /* A81001 (index 1) sorts first. Of its two patients, ceil(0.005 * 2) =
     * ceil(0.2 * 2) = 1: the first is in the top tier, the second in none. */
    cr_assert_eq(st.practice[0].practice, 1);
    cr_assert_eq(ristra__tier_of(&st.practice[0], 4, 1), 0);
    cr_assert_eq(ristra__tier_of(&st.practice[0], 4, 2), 4);
    cr_assert_eq(st.practice[1].practice, 0);
    cr_assert_eq(ristra__tier_of(&st.practice[1], 4, 1), 0);
    cr_assert_eq(st.tier_count[0], 2);
    cr_assert_eq(st.tier_count[1] + st.tier_count[2] + st.tier_count[3], 0);
    ristra__stratification_free(&st);
}

/* ------------------------------------------------------------ figures */

Test(stratify, gives_each_practice_the_figures_ristra_evaluate_gives_its_rows)
{
    population p = make_population(30000, 6, 4);
    ristra__scored s = scored_of(&p, 1);
    ristra__stratification st = stratify_ok(&s);
    ristra_evaluate_options eo = RISTRA_EVALUATE_OPTIONS_INIT;
    eo.n_cut_points = 4;
    eo.cut_points = CUTS;
    /* group label = the practice's position in code order */
    int32_t rank_of[6];
    for (int32_t r = 0; r < 6; r++)
        rank_of[st.practice[r].practice] = r;
    int32_t *group = malloc((size_t)p.n * 4);
    for (int64_t i = 0; i < p.n; i++)
        group[i] = rank_of[p.practice[i]];
    ristra_evaluation *e = NULL;
    cr_assert_eq(ristra_evaluate(&e, p.risk, p.outcome, p.n, group, &eo), RISTRA_OK);
    for (int32_t r = -1; r < 6; r++) {
        ristra_group_summary g = RISTRA_GROUP_SUMMARY_INIT;
        cr_assert_eq(ristra_evaluation_summary(&g, e, r), RISTRA_OK);
        double expected = r < 0 ? st.expected : st.practice[r].expected;
        int64_t observed = r < 0 ? st.observed : st.practice[r].observed;
        double auroc = r < 0 ? st.auroc : st.practice[r].auroc;
        cr_assert_float_eq(expected, g.expected, 1e-9 * g.expected, "group %d", r);
        cr_assert_eq(observed, g.events, "group %d", r);
        cr_assert_float_eq(auroc, g.auroc, 1e-12, "group %d: %.17g vs %.17g", r, auroc, g.auroc);
        if (r < 0)
            continue;
        cr_assert_eq(st.practice[r].list_size, g.n);
        int64_t prev = 0;
        for (int k = 0; k < 4; k++) {
            ristra_cut_point_summary c = RISTRA_CUT_POINT_SUMMARY_INIT;
            cr_assert_eq(ristra_evaluation_cut_point(&c, e, r, k), RISTRA_OK);
            cr_assert_eq(st.practice[r].tier_end[k], c.n_flagged, "group %d cut %d", r, k);
            cr_assert_eq(st.practice[r].tier_count[k], c.n_flagged - prev);
            prev = c.n_flagged;
        }
    }
    ristra_evaluation_free(e);
    free(group);
    ristra__stratification_free(&st);
    free_population(&p);
}

Test(stratify, leaves_unknown_outcomes_out_of_the_auroc_and_the_events)
{
    population p = make_population(4000, 1, 0);
    /* every third outcome unknown */
    uint8_t *known_y = malloc((size_t)p.n);
    double *known_risk = malloc((size_t)p.n * 8);
    int64_t n_known = 0, events = 0;
    for (int64_t i = 0; i < p.n; i++) {
        if (i % 3 == 0) {
            p.outcome[i] = RISTRA__OUTCOME_UNKNOWN;
            continue;
        }
        known_y[n_known] = p.outcome[i];
        known_risk[n_known++] = p.risk[i];
        events += p.outcome[i];
    }
    ristra__scored s = scored_of(&p, 1);
    ristra__stratification st = stratify_ok(&s);
    cr_assert_eq(st.practice[0].observed, events);
    cr_assert_eq(st.practice[0].auroc, ristra__auroc(known_risk, known_y, n_known));
    cr_assert_eq(st.auroc, st.practice[0].auroc);
    ristra__stratification_free(&st);
    free(known_y), free(known_risk);
    free_population(&p);
}

Test(stratify, has_no_auroc_without_outcomes_or_with_one_outcome_only)
{
    population p = make_population(500, 2, 0);
    ristra__scored s = scored_of(&p, 0);
    ristra__stratification st = stratify_ok(&s);
    cr_assert(isnan(st.auroc) && isnan(st.practice[0].auroc));
    cr_assert_eq(st.observed, -1);
    cr_assert_eq(st.practice[1].observed, -1);
    ristra__stratification_free(&st);
    memset(p.outcome, 0, (size_t)p.n);
    s = scored_of(&p, 1);
    st = stratify_ok(&s);
    cr_assert(isnan(st.auroc));
    cr_assert_eq(st.observed, 0);
    ristra__stratification_free(&st);
    free_population(&p);
}

Test(stratify, sums_risks_more_exactly_than_a_plain_loop)
{
    /* 1 followed by many tiny risks: a plain sum loses them all */
    enum { N = 100001 };
    uint64_t *nhs = malloc(N * 8);
    int32_t *practice = calloc(N, 4);
    double *risk = malloc(N * 8);
    for (int64_t i = 0; i < N; i++) {
        nhs[i] = UINT64_C(9990000000) + (uint64_t)i;
        risk[i] = i == 0 ? 1.0 : 1e-17;
    }
    ristra__scored s = { N, nhs, practice, risk, NULL, 1, CODES, 4, CUTS };
    ristra__stratification st = stratify_ok(&s);
    cr_assert_float_eq(st.expected, 1.0 + 1e-12, 1e-15);
    ristra__stratification_free(&st);
    free(nhs), free(practice), free(risk);
}

/* ------------------------------------------------------------ numbers */

static void reference_text(char *buf, double x)
{
    for (int p = 15;; p++) {
        snprintf(buf, 64, "%.*g", p, x);
        if (p == 17 || strtod(buf, NULL) == x)
            return;
    }
}

static void check_text(double x)
{
    char want[64], got[RISTRA__NUMBER_TEXT_MAX];
    reference_text(want, x);
    size_t n = ristra__format_double(got, x);
    cr_assert_str_eq(got, want, "%.17g", x);
    cr_assert_eq(n, strlen(want));
}

Test(number_format, writes_the_text_snprintf_gives_at_the_first_precision_that_reads_back)
{
    static const double special[] = { 0.0, -0.0, 1.0, 0.5, 0.1, 0.2, 0.3, 1e-5, 5e-5, 1e-6,
                                      9.999999999999999e-7, 100.0, 99.99999999999999,
                                      4503599627370496.0, 9007199254740991.0, 9007199254740992.0,
                                      7.000000000000001, 1.0 / 3.0, 2.0 / 3.0, 5e-324,
                                      2.2250738585072014e-308, 1e308, -0.125, 123456.5 };
    for (size_t i = 0; i < sizeof special / sizeof *special; i++)
        check_text(special[i]);
    check_text(NAN);
    check_text(INFINITY);
    check_text(-INFINITY);
    for (int e = -30; e <= 30; e++) {
        double x = pow(10.0, e);
        check_text(x);
        check_text(nextafter(x, 0.0));
        check_text(nextafter(x, INFINITY));
    }
    for (int i = 0; i < 300000; i++) {
        double u = uniform();
        check_text(u);              /* risks */
        check_text(u * u * u);
        check_text(100.0 * u);      /* percentiles */
        uint64_t bits = next_random();
        double any;
        memcpy(&any, &bits, sizeof any);
        check_text(any);            /* anything at all, NaNs included */
        check_text(ldexp((double)(next_random() >> 11), -(int)(next_random() % 120)));
        /* halves and quarters near 2^52: ties at 16 digits, rounded to even */
        check_text((double)((next_random() % (UINT64_C(1) << 51)) + (UINT64_C(1) << 50)) +
                   0.25 * (double)(next_random() % 4));
    }
    for (int64_t n = 1; n <= 3000; n++)
        for (int64_t r = 1; r <= n; r += 1 + n / 50)
            check_text(100.0 * (double)r / (double)n);
}

Test(number_format, writes_integers_including_the_extremes)
{
    char buf[RISTRA__NUMBER_TEXT_MAX], want[32];
    static const int64_t v[] = { 0, 1, -1, 9, 10, 99, 100, 9990000001, INT64_MAX, INT64_MIN };
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        size_t n = ristra__format_int64(buf, v[i]);
        snprintf(want, sizeof want, "%lld", (long long)v[i]);
        cr_assert_str_eq(buf, want);
        cr_assert_eq(n, strlen(want));
    }
}

/* Rows alike in risk, NHS number and practice (a file read with duplicates
 * allowed) keep their input order, in blocks small and large (the sort is
 * not stable by itself: the order is restored). */
Test(stratify, keeps_rows_alike_in_everything_in_input_order)
{
    enum { N = 1000 };
    uint64_t nhs[N];
    int32_t practice[N];
    double risk[N];
    for (int i = 0; i < N; i++) {
        /* blocks of 1, 7 and 300 alike, interleaved with distinct rows */
        int block = i % 3 == 0 ? 0 : i % 3 == 1 ? 1 + i % 7 : 100;
        nhs[i] = UINT64_C(9990000000) + (uint64_t)block;
        practice[i] = block % 2;
        risk[i] = block == 0 ? 1.0 / (i + 2) : 0.25;
    }
    ristra__scored s = { N, nhs, practice, risk, NULL, 2, CODES, 4, CUTS };
    ristra__stratification st = stratify_ok(&s);
    for (int64_t pos = 1; pos < N; pos++) {
        uint32_t a = st.order[pos - 1], b = st.order[pos];
        if (nhs[a] == nhs[b] && practice[a] == practice[b] && risk[a] == risk[b])
            cr_assert_lt(a, b, "positions %lld and %lld", (long long)pos - 1, (long long)pos);
    }
    ristra__stratification_free(&st);
}
