/* Logistic scoring against golden vectors computed by numpy
 * (tests/golden/make_logistic_golden.py), and the scoring contract:
 * dtypes, strides, threads, rejected rows, arguments. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "test_util.h"

typedef struct golden {
    ristra_model *model;
    rt_table input, expected;
} golden;

static void golden_load(golden *g, const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/golden/%s/model.json", name);
    char *path = rt_source_path(rel);
    cr_assert_eq(ristra_model_load(&g->model, path), RISTRA_OK, "%s", ristra_last_error());
    free(path);
    snprintf(rel, sizeof rel, "tests/golden/%s/input.csv", name);
    path = rt_source_path(rel);
    cr_assert_eq(rt_table_read(&g->input, path), 0, "%s", path);
    free(path);
    snprintf(rel, sizeof rel, "tests/golden/%s/expected.csv", name);
    path = rt_source_path(rel);
    cr_assert_eq(rt_table_read(&g->expected, path), 0, "%s", path);
    free(path);
    cr_assert_eq(g->input.cols, ristra_model_n_features(g->model));
    cr_assert_eq(g->input.rows, g->expected.rows);
    /* the input's header is the model's feature order */
    for (int64_t j = 0; j < g->input.cols; j++)
        cr_assert_eq(ristra_model_feature_index(g->model, g->input.names[j]), j);
}

static void golden_free(golden *g)
{
    ristra_model_free(g->model);
    rt_table_free(&g->input);
    rt_table_free(&g->expected);
}

static int close_enough(double got, double want, double tol)
{
    if (isnan(want))
        return isnan(got);
    return fabs(got - want) <= tol * fmax(1.0, fabs(want));
}

static void check_golden(const char *name)
{
    golden g;
    golden_load(&g, name);
    int64_t n = g.input.rows;
    double *prob = malloc((size_t)n * sizeof *prob), *margin = malloc((size_t)n * sizeof *margin);
    int32_t *status = malloc((size_t)n * sizeof *status);
    int rc = ristra_model_score(prob, margin, status, g.model, g.input.values, RISTRA_FLOAT64, n,
                                g.input.cols, g.input.cols, 1, NULL);
    cr_assert_eq(rc, RISTRA_OK, "%s", ristra_last_error());
    int64_t scored = 0;
    for (int64_t r = 0; r < n; r++) {
        const double *e = g.expected.values + r * 3;
        cr_assert_eq(status[r], (int32_t)e[0], "%s row %lld: status %d, want %d", name,
                     (long long)r, status[r], (int)e[0]);
        cr_assert(close_enough(margin[r], e[1], 1e-12), "%s row %lld: margin %.17g, want %.17g",
                  name, (long long)r, margin[r], e[1]);
        cr_assert(close_enough(prob[r], e[2], 1e-12), "%s row %lld: prob %.17g, want %.17g",
                  name, (long long)r, prob[r], e[2]);
        scored += status[r] == 0;
    }
    cr_assert(scored > n / 2, "the golden file exercises scored rows");
    cr_assert(scored < n, "the golden file exercises rejected rows");
    free(prob);
    free(margin);
    free(status);
    golden_free(&g);
}

Test(score_logistic, matches_numpy_golden_vectors_basic) { check_golden("logistic_basic"); }
Test(score_logistic, matches_numpy_golden_vectors_calibrated) { check_golden("logistic_calibrated"); }
Test(score_logistic, matches_numpy_golden_vectors_one_feature) { check_golden("logistic_one_feature"); }

/* Scores rows of a double block and returns the probabilities (caller frees). */
static double *score_all(const ristra_model *m, const void *x, ristra_dtype dt, int64_t n,
                         int64_t stride, int threads, int32_t **status_out)
{
    double *p = malloc((size_t)n * sizeof *p);
    int32_t *st = malloc((size_t)n * sizeof *st);
    ristra_score_options o = RISTRA_SCORE_OPTIONS_INIT;
    o.n_threads = threads;
    int64_t nf = ristra_model_n_features(m);
    cr_assert_eq(ristra_model_score(p, NULL, st, m, x, dt, n, nf, stride, 1, &o), RISTRA_OK, "%s",
                 ristra_last_error());
    if (status_out)
        *status_out = st;
    else
        free(st);
    return p;
}

/* A big block made by repeating the golden input. */
static double *tile(const rt_table *t, int64_t n)
{
    double *x = malloc((size_t)(n * t->cols) * sizeof *x);
    for (int64_t r = 0; r < n; r++)
        memcpy(x + r * t->cols, t->values + (r % t->rows) * t->cols, (size_t)t->cols * sizeof *x);
    return x;
}

Test(score_logistic, float32_input_scores_as_its_values_in_double)
{
    golden g;
    golden_load(&g, "logistic_calibrated");
    int64_t n = g.input.rows, nf = g.input.cols;
    float *xf = malloc((size_t)(n * nf) * sizeof *xf);
    double *xd = malloc((size_t)(n * nf) * sizeof *xd);
    for (int64_t i = 0; i < n * nf; i++) {
        xf[i] = (float)g.input.values[i];
        xd[i] = (double)xf[i];
    }
    int32_t *sf, *sd;
    double *pf = score_all(g.model, xf, RISTRA_FLOAT32, n, nf, 1, &sf);
    double *pd = score_all(g.model, xd, RISTRA_FLOAT64, n, nf, 1, &sd);
    for (int64_t r = 0; r < n; r++) {
        cr_assert_eq(sf[r], sd[r]);
        cr_assert(isnan(pf[r]) ? isnan(pd[r]) : pf[r] == pd[r], "row %lld", (long long)r);
    }
    free(pf);
    free(pd);
    free(sf);
    free(sd);
    free(xf);
    free(xd);
    golden_free(&g);
}

Test(score_logistic, row_stride_skips_columns_the_model_does_not_read)
{
    golden g;
    golden_load(&g, "logistic_basic");
    int64_t n = g.input.rows, nf = g.input.cols, stride = nf + 5;
    double *wide = malloc((size_t)(n * stride) * sizeof *wide);
    for (int64_t r = 0; r < n; r++) {
        memcpy(wide + r * stride, g.input.values + r * nf, (size_t)nf * sizeof *wide);
        for (int64_t j = nf; j < stride; j++)
            wide[r * stride + j] = (j % 2) ? NAN : 1e300; /* must never be read */
    }
    double *a = score_all(g.model, g.input.values, RISTRA_FLOAT64, n, nf, 1, NULL);
    double *b = score_all(g.model, wide, RISTRA_FLOAT64, n, stride, 1, NULL);
    for (int64_t r = 0; r < n; r++)
        cr_assert(isnan(a[r]) ? isnan(b[r]) : a[r] == b[r]);
    free(a);
    free(b);
    free(wide);
    golden_free(&g);
}

Test(score_logistic, thread_counts_give_identical_results)
{
    golden g;
    golden_load(&g, "logistic_calibrated");
    const int64_t n = 100003, nf = g.input.cols;
    double *x = tile(&g.input, n);
    double *one = score_all(g.model, x, RISTRA_FLOAT64, n, nf, 1, NULL);
    int counts[] = { 0, 2, 3, 7 };
    for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
        double *p = score_all(g.model, x, RISTRA_FLOAT64, n, nf, counts[k], NULL);
        for (int64_t r = 0; r < n; r++)
            cr_assert(isnan(one[r]) ? isnan(p[r]) : one[r] == p[r], "threads=%d row %lld",
                      counts[k], (long long)r);
        free(p);
    }
    free(one);
    free(x);
    golden_free(&g);
}

Test(score_logistic, a_row_scores_the_same_alone_as_anywhere_in_a_batch)
{
    golden g;
    golden_load(&g, "logistic_calibrated");
    const int64_t n = 5000, nf = g.input.cols;
    double *x = tile(&g.input, n);
    double *batch = score_all(g.model, x, RISTRA_FLOAT64, n, nf, 1, NULL);
    for (int64_t r = 0; r < n; r += 37) {
        double alone;
        cr_assert_eq(ristra_model_score(&alone, NULL, NULL, g.model, x + r * nf, RISTRA_FLOAT64,
                                        1, nf, nf, 1, NULL), RISTRA_OK);
        cr_assert(isnan(batch[r]) ? isnan(alone) : batch[r] == alone, "row %lld: %.17g vs %.17g",
                  (long long)r, batch[r], alone);
    }
    free(batch);
    free(x);
    golden_free(&g);
}

Test(score_logistic, a_rejected_row_does_not_affect_its_neighbours)
{
    ristra_model *m = NULL;
    char *path = rt_source_path("models/example_logistic.json");
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK);
    free(path);
    double good[7] = { 70, 1, 3, 2, 1, 1, 0 };
    double block[3][7];
    memcpy(block[0], good, sizeof good);
    memcpy(block[1], good, sizeof good);
    memcpy(block[2], good, sizeof good);
    block[1][0] = NAN;   /* age: policy reject */
    block[2][1] = 2.0;   /* female outside [0, 1] */
    double p[3], mg[3], alone;
    int32_t st[3];
    cr_assert_eq(ristra_model_score(p, mg, st, m, block, RISTRA_FLOAT64, 3, 7, 7, 1, NULL), RISTRA_OK);
    cr_assert_eq(ristra_model_score(&alone, NULL, NULL, m, good, RISTRA_FLOAT64, 1, 7, 7, 1, NULL),
                 RISTRA_OK);
    cr_assert_eq(st[0], RISTRA_ROW_OK);
    cr_assert_eq(p[0], alone);
    cr_assert_eq(st[1], RISTRA_ROW_MISSING);
    cr_assert(isnan(p[1]) && isnan(mg[1]));
    cr_assert_eq(st[2], RISTRA_ROW_OUT_OF_RANGE);
    cr_assert(isnan(p[2]) && isnan(mg[2]));
    ristra_model_free(m);
}

Test(score_logistic, margin_only_and_status_only_calls_work)
{
    ristra_model *m = NULL;
    char *path = rt_source_path("models/example_logistic.json");
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK);
    free(path);
    double x[7] = { 50, 0, 5, 1, 0, 0, 0 };
    double margin, prob;
    int32_t st = -1;
    cr_assert_eq(ristra_model_score(NULL, &margin, NULL, m, x, RISTRA_FLOAT64, 1, 7, 7, 1, NULL), 0);
    cr_assert_eq(ristra_model_score(&prob, NULL, NULL, m, x, RISTRA_FLOAT64, 1, 7, 7, 1, NULL), 0);
    cr_assert_eq(ristra_model_score(NULL, NULL, &st, m, x, RISTRA_FLOAT64, 1, 7, 7, 1, NULL), 0);
    cr_assert_eq(st, RISTRA_ROW_OK);
    /* the example's coefficients, by hand: -4.6 + 0.028*50 - 0.07*5 + 0.22*1 */
    cr_assert_float_eq(margin, -4.6 + 0.028 * 50 - 0.07 * 5 + 0.22, 1e-12);
    cr_assert_float_eq(prob, 1.0 / (1.0 + exp(-margin)), 1e-15);
    ristra_model_free(m);
}

Test(score_logistic, bad_arguments_are_refused_and_nothing_is_written)
{
    ristra_model *m = NULL;
    char *path = rt_source_path("models/example_logistic.json");
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK);
    free(path);
    double x[7] = { 50, 0, 5, 1, 0, 0, 0 };
    double p = 123.0;
    ristra_score_options o = RISTRA_SCORE_OPTIONS_INIT;
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, NULL, x, RISTRA_FLOAT64, 1, 7, 7, 1, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "model") != NULL);
    cr_assert_eq(ristra_model_score(NULL, NULL, NULL, m, x, RISTRA_FLOAT64, 1, 7, 7, 1, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, x, (ristra_dtype)3, 1, 7, 7, 1, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "dtype") != NULL);
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, x, RISTRA_FLOAT64, -1, 7, 7, 1, NULL), RISTRA_EINVAL);
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, x, RISTRA_FLOAT64, 1, 6, 7, 1, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "n_cols is 6 but the model has 7 features") != NULL,
              "%s", ristra_last_error());
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, x, RISTRA_FLOAT64, 1, 7, 6, 1, NULL), RISTRA_EINVAL);
    cr_assert(strstr(ristra_last_error(), "row_stride") != NULL);
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, NULL, RISTRA_FLOAT64, 1, 7, 7, 1, NULL), RISTRA_EINVAL);
    o.version = 0;
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, x, RISTRA_FLOAT64, 1, 7, 7, 1, &o), RISTRA_EINVAL);
    o.version = RISTRA_SCORE_OPTIONS_VERSION;
    o.n_threads = -2;
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, x, RISTRA_FLOAT64, 1, 7, 7, 1, &o), RISTRA_EINVAL);
    cr_assert_eq(p, 123.0, "no output is written on error");
    /* zero rows is a valid, empty call, and x may then be NULL */
    cr_assert_eq(ristra_model_score(&p, NULL, NULL, m, NULL, RISTRA_FLOAT64, 0, 7, 7, 1, NULL), RISTRA_OK);
    ristra_model_free(m);
}

Test(score_logistic, infinities_are_values_checked_against_the_range)
{
    const char *text =
        "{\"format\":\"ristra-model\",\"format_version\":1,\"kind\":\"logistic\","
        "\"metadata\":{\"name\":\"m\",\"version\":\"1\",\"outcome\":\"o\",\"horizon_days\":30,"
        "\"intended_use\":\"tests\",\"training_population\":{}},"
        "\"features\":[{\"name\":\"a\",\"valid_range\":[0,null],\"missing\":{\"policy\":\"reject\"}}],"
        "\"link\":\"logit\",\"logistic\":{\"intercept\":0,\"coefficients\":[1]}}";
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, strlen(text), "inline"), RISTRA_OK, "%s",
                 ristra_last_error());
    double x[3] = { INFINITY, -INFINITY, 800.0 };
    double p[3];
    int32_t st[3];
    cr_assert_eq(ristra_model_score(p, NULL, st, m, x, RISTRA_FLOAT64, 3, 1, 1, 1, NULL), 0);
    /* an infinite value is in range, but the margin it gives is not finite */
    cr_assert_eq(st[0], RISTRA_ROW_NOT_FINITE);
    cr_assert(isnan(p[0]));
    cr_assert_eq(st[1], RISTRA_ROW_OUT_OF_RANGE);
    cr_assert_eq(st[2], RISTRA_ROW_OK);
    cr_assert_eq(p[2], 1.0, "sigmoid(800) is 1 without overflow");
    ristra_model_free(m);
}
