/* Row-major and column-major blocks (and any other non-overlapping strides)
 * score bit-identically: ristra_model_score() reads x[r * row_stride + j *
 * col_stride], and only the features step knows the layout. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>
#include "test_util.h"

static uint64_t state = 0x9e3779b97f4a7c15u;

static double uniform(void)
{
    state ^= state << 13, state ^= state >> 7, state ^= state << 17;
    return (double)(state >> 11) / 9007199254740992.0;
}

/* A row-major block of plausible values, about 3% of them missing (and a
 * few out of range, so some rows are rejected too). */
static double *make_block(const ristra_model *m, int64_t n)
{
    int64_t nf = ristra_model_n_features(m);
    double *x = malloc((size_t)(n * nf) * sizeof *x);
    for (int64_t j = 0; j < nf; j++) {
        ristra_feature_info f = RISTRA_FEATURE_INFO_INIT;
        cr_assert_eq(ristra_model_feature(&f, m, j), RISTRA_OK);
        double lo = isfinite(f.valid_min) ? f.valid_min : -5;
        double hi = isfinite(f.valid_max) ? f.valid_max : 5;
        for (int64_t r = 0; r < n; r++) {
            double u = uniform();
            x[r * nf + j] = u < 0.03 ? NAN : u > 0.999 ? hi + 1 : lo + (hi - lo) * uniform();
        }
    }
    return x;
}

typedef struct layout_case {
    char model[64];
    int dtype;
} layout_case;

ParameterizedTestParameters(score_layout, column_major_and_strided_blocks_score_bit_identically)
{
    static layout_case cases[] = {
        { "models/example_logistic.json", RISTRA_FLOAT64 },
        { "models/example_logistic.json", RISTRA_FLOAT32 },
        { "models/demo_gbdt.json.gz", RISTRA_FLOAT64 },
        { "models/demo_gbdt.json.gz", RISTRA_FLOAT32 },
    };
    return cr_make_param_array(layout_case, cases, sizeof cases / sizeof *cases);
}

/* Scores n rows laid out with the given strides (copied from the row-major
 * x into a buffer of that layout) and returns probabilities, margins and
 * statuses side by side. */
static void score_as(double *prob, double *margin, int32_t *status, const ristra_model *m,
                     const double *x, int64_t n, int dtype, int64_t rs, int64_t cs, int threads)
{
    int64_t nf = ristra_model_n_features(m);
    size_t elem = dtype == RISTRA_FLOAT32 ? sizeof(float) : sizeof(double);
    size_t len = (size_t)((n - 1) * rs + (nf - 1) * cs + 1);
    char *buf = malloc(len * elem);
    memset(buf, 0xff, len * elem); /* NaN everywhere the block does not use */
    for (int64_t r = 0; r < n; r++)
        for (int64_t j = 0; j < nf; j++) {
            size_t at = (size_t)(r * rs + j * cs);
            if (dtype == RISTRA_FLOAT32)
                ((float *)(void *)buf)[at] = (float)x[r * nf + j];
            else
                ((double *)(void *)buf)[at] = x[r * nf + j];
        }
    ristra_score_options o = RISTRA_SCORE_OPTIONS_INIT;
    o.n_threads = threads;
    cr_assert_eq(ristra_model_score(prob, margin, status, m, buf, (ristra_dtype)dtype, n, nf, rs,
                                    cs, &o),
                 RISTRA_OK, "%s", ristra_last_error());
    free(buf);
}

ParameterizedTest(layout_case *c, score_layout,
                  column_major_and_strided_blocks_score_bit_identically)
{
    char *path = rt_source_path(c->model);
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK, "%s", ristra_last_error());
    const int64_t n = 9000, nf = ristra_model_n_features(m);
    double *x = make_block(m, n);
    const int64_t layouts[][2] = { { nf, 1 }, { 1, n }, { nf + 3, 1 }, { 2, 2 * n + 5 },
                                   { 3 * nf, 3 } };
    double *p0 = malloc((size_t)n * sizeof *p0), *m0 = malloc((size_t)n * sizeof *m0);
    double *p1 = malloc((size_t)n * sizeof *p1), *m1 = malloc((size_t)n * sizeof *m1);
    int32_t *s0 = malloc((size_t)n * sizeof *s0), *s1 = malloc((size_t)n * sizeof *s1);
    score_as(p0, m0, s0, m, x, n, c->dtype, nf, 1, 1);
    int64_t ok = 0;
    for (int64_t i = 0; i < n; i++)
        ok += s0[i] == RISTRA_ROW_OK;
    cr_assert(ok > n / 2 && ok < n, "some rows scored, some rejected (%lld ok)", (long long)ok);
    for (size_t l = 0; l < sizeof layouts / sizeof *layouts; l++)
        for (int threads = 1; threads <= 2; threads++) {
            score_as(p1, m1, s1, m, x, n, c->dtype, layouts[l][0], layouts[l][1], threads);
            cr_assert(!memcmp(s0, s1, (size_t)n * sizeof *s0), "statuses, layout %zu", l);
            cr_assert(!memcmp(p0, p1, (size_t)n * sizeof *p0), "probabilities, layout %zu", l);
            cr_assert(!memcmp(m0, m1, (size_t)n * sizeof *m0), "margins, layout %zu", l);
        }
    free(p0), free(m0), free(p1), free(m1), free(s0), free(s1), free(x), free(path);
    ristra_model_free(m);
}

Test(score_layout, overlapping_or_non_positive_strides_are_refused)
{
    char *path = rt_source_path("models/example_logistic.json");
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK);
    double x[7 * 4] = { 0 }, p[4];
    /* 4 rows x 7 columns: row-major needs row_stride >= 7, column-major col_stride >= 4 */
    cr_assert_eq(ristra_model_score(p, NULL, NULL, m, x, RISTRA_FLOAT64, 4, 7, 7, 1, NULL), 0);
    cr_assert_eq(ristra_model_score(p, NULL, NULL, m, x, RISTRA_FLOAT64, 4, 7, 1, 4, NULL), 0);
    const int64_t bad[][2] = { { 6, 1 }, { 1, 3 }, { 0, 1 }, { 1, 0 }, { -7, 1 }, { 2, 2 } };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        cr_assert_eq(ristra_model_score(p, NULL, NULL, m, x, RISTRA_FLOAT64, 4, 7, bad[k][0],
                                        bad[k][1], NULL),
                     RISTRA_EINVAL, "strides %lld, %lld", (long long)bad[k][0],
                     (long long)bad[k][1]);
        cr_assert(strstr(ristra_last_error(), "stride"), "%s", ristra_last_error());
    }
    free(path);
    ristra_model_free(m);
}
