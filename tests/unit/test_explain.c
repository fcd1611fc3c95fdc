/* ristra_model_explain(): arguments, rejected rows, threads, calibration,
 * logistic references, models without covers, and TreeSHAP at depth 16
 * against an exhaustive Shapley computation written here from the
 * definition (every subset of the features). XGBoost parity is in
 * tests/parity/test_explain_parity.py. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "test_util.h"

/* ---------------------------------------------------------------- a chain tree of depth D */

enum { DEPTH = 16 };

typedef struct chain {
    int n_features, feature[DEPTH];
    double threshold[DEPTH], leaf[DEPTH + 1], frac_right[DEPTH];
    double cover[2 * DEPTH + 1];
} chain;

/* Internal node k (id 2k) splits on feature[k]: its left child (2k + 1)
 * is a leaf, its right child (2k + 2) the next split; the last split's
 * right child is the last leaf. */
static void chain_make(chain *c, int n_features)
{
    c->n_features = n_features;
    double cover = 1000.0;
    for (int k = 0; k < DEPTH; k++) {
        c->feature[k] = k % n_features;
        c->threshold[k] = 0.25 + 0.03 * k;
        c->frac_right[k] = 0.55 + 0.4 * sin(1.7 * k) * 0.5;
        c->leaf[k] = 0.1 * cos(2.3 * k) - 0.02 * k;
        c->cover[2 * k] = cover;
        c->cover[2 * k + 1] = cover * (1 - c->frac_right[k]);
        cover *= c->frac_right[k];
    }
    c->leaf[DEPTH] = 0.37;
    c->cover[2 * DEPTH] = cover;
}

static char *chain_json(const chain *c, const char *extra_tree_member)
{
    size_t cap = 1 << 16, len = 0;
    char *s = malloc(cap);
#define OUT(...) (len += (size_t)snprintf(s + len, cap - len, __VA_ARGS__))
    OUT("{\"format\":\"ristra-model\",\"format_version\":2,\"kind\":\"gbdt\",\"metadata\":{"
        "\"name\":\"chain\",\"version\":\"1\",\"outcome\":\"x\",\"horizon_days\":365,"
        "\"intended_use\":\"test\",\"training_population\":{}},\"features\":[");
    for (int j = 0; j < c->n_features; j++)
        OUT("%s{\"name\":\"f%d\",\"missing\":{\"policy\":\"native\"}}", j ? "," : "", j);
    OUT("],\"link\":\"logit\",\"gbdt\":{\"semantics\":\"xgboost\",\"base_margin\":-1.5,"
        "\"trees\":[{");
    const char *names[] = { "left", "right", "feature", "value", "default_left", "cover" };
    for (int a = 0; a < 6; a++) {
        if (a == 5 && !extra_tree_member)
            break;
        OUT("%s\"%s\":[", a ? "," : "", names[a]);
        for (int id = 0; id <= 2 * DEPTH; id++) {
            int internal = id % 2 == 0 && id < 2 * DEPTH, k = id / 2;
            const char *sep = id ? "," : "";
            switch (a) {
            case 0: OUT("%s%d", sep, internal ? id + 1 : -1); break;
            case 1: OUT("%s%d", sep, internal ? id + 2 : -1); break;
            case 2: OUT("%s%d", sep, internal ? c->feature[k] : -1); break;
            case 3: OUT("%s%.17g", sep, internal ? c->threshold[k]
                                       : c->leaf[id == 2 * DEPTH ? DEPTH : k]); break;
            case 4: OUT("%s%d", sep, internal ? k % 2 : 0); break;
            default: OUT("%s%.17g", sep, c->cover[id]); break;
            }
        }
        OUT("]");
    }
    OUT("}]}}");
#undef OUT
    return s;
}

/* The path-dependent value function: E[tree | x_S], a feature in S
 * following x (missing: default_left), one outside averaging by cover. */
static double chain_value(const chain *c, const float *x, unsigned subset, int k)
{
    if (k == DEPTH)
        return (double)(float)c->leaf[DEPTH];
    double left = (double)(float)c->leaf[k];
    int f = c->feature[k];
    if (subset & (1u << f)) {
        float v = x[f];
        int go_left = isnan(v) ? k % 2 : v < (float)c->threshold[k];
        return go_left ? left : chain_value(c, x, subset, k + 1);
    }
    double w = c->cover[2 * k + 1] / c->cover[2 * k];
    return w * left + c->cover[2 * k + 2] / c->cover[2 * k] * chain_value(c, x, subset, k + 1);
}

static void chain_shapley(double *phi, const chain *c, const float *x)
{
    const int m = c->n_features;
    double *f = malloc(sizeof(double) << m);
    for (unsigned s = 0; s < 1u << m; s++)
        f[s] = chain_value(c, x, s, 0);
    double fact[DEPTH + 2];
    fact[0] = 1;
    for (int i = 1; i <= DEPTH + 1; i++)
        fact[i] = fact[i - 1] * i;
    for (int i = 0; i < m; i++) {
        phi[i] = 0;
        for (unsigned s = 0; s < 1u << m; s++) {
            if (s & (1u << i))
                continue;
            int size = __builtin_popcount(s);
            phi[i] += fact[size] * fact[m - size - 1] / fact[m] * (f[s | (1u << i)] - f[s]);
        }
    }
    phi[m] = f[0] - 1.5;
    free(f);
}

static void check_chain(int n_features)
{
    chain c;
    chain_make(&c, n_features);
    char *text = chain_json(&c, "cover");
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, strlen(text), "chain"), RISTRA_OK, "%s",
                 ristra_last_error());
    enum { ROWS = 37 };
    float *x = malloc(sizeof(float) * ROWS * (size_t)n_features);
    for (int r = 0; r < ROWS; r++)
        for (int j = 0; j < n_features; j++)
            x[r * n_features + j] = (r * 7 + j * 3) % 11 == 0 ? NAN
                                                               : (float)(((r * 13 + j * 5) % 17) / 16.0);
    double *out = malloc(sizeof(double) * ROWS * (size_t)(n_features + 1));
    double *want = malloc(sizeof(double) * (size_t)(n_features + 1));
    double margin[ROWS];
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, RISTRA_FLOAT32, ROWS, n_features,
                                      n_features, 1, NULL), RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(ristra_model_score(NULL, margin, NULL, m, x, RISTRA_FLOAT32, ROWS, n_features,
                                    n_features, 1, NULL), RISTRA_OK);
    for (int r = 0; r < ROWS; r++) {
        chain_shapley(want, &c, x + r * n_features);
        double sum = 0;
        for (int j = 0; j <= n_features; j++) {
            double got = out[r * (n_features + 1) + j];
            sum += got;
            cr_assert(fabs(got - want[j]) <= 1e-12, "row %d feature %d: %.17g, Shapley %.17g",
                      r, j, got, want[j]);
        }
        cr_assert(fabs(sum - margin[r]) <= 1e-6, "row %d: sum %.9g, margin %.9g", r, sum,
                  margin[r]);
    }
    free(x);
    free(out);
    free(want);
    free(text);
    ristra_model_free(m);
}

Test(explain_gbdt, is_exact_at_depth_16_with_sixteen_distinct_features)
{
    check_chain(16);
}

Test(explain_gbdt, is_exact_at_depth_16_when_features_repeat_along_the_path)
{
    check_chain(5);
}

Test(explain_gbdt, refuses_a_model_without_covers_and_names_them)
{
    chain c;
    chain_make(&c, 4);
    char *text = chain_json(&c, NULL);
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, strlen(text), "chain"), RISTRA_OK);
    float x[4] = { 0 };
    double out[5], margin;
    cr_assert_eq(ristra_model_score(NULL, &margin, NULL, m, x, RISTRA_FLOAT32, 1, 4, 4, 1, NULL),
                 RISTRA_OK, "a model without covers still scores");
    cr_assert_eq(ristra_model_explainable(m), RISTRA_EUNSUPPORTED);
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, RISTRA_FLOAT32, 1, 4, 4, 1, NULL),
                 RISTRA_EUNSUPPORTED);
    cr_assert(strstr(ristra_last_error(), "cover"), "%s", ristra_last_error());
    free(text);
    ristra_model_free(m);
}

/* ---------------------------------------------------------------- logistic */

static const char LOGISTIC[] =
    "{\"format\":\"ristra-model\",\"format_version\":2,\"kind\":\"logistic\",\"metadata\":{"
    "\"name\":\"l\",\"version\":\"1\",\"outcome\":\"x\",\"horizon_days\":365,"
    "\"intended_use\":\"test\",\"training_population\":{}},\"features\":["
    "{\"name\":\"age\",\"valid_range\":[0,120],\"missing\":{\"policy\":\"reject\"}},"
    "{\"name\":\"n_ltc\",\"missing\":{\"policy\":\"impute\",\"value\":2}}],"
    "\"link\":\"logit\",\"calibration\":{\"intercept\":0.2,\"slope\":0.8},"
    "\"logistic\":{\"intercept\":-4,\"coefficients\":[0.03,0.25],\"reference\":[50,1.5]}}";

Test(explain_logistic, measures_from_the_reference_and_explains_imputed_values_as_imputed)
{
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, LOGISTIC, strlen(LOGISTIC), NULL), RISTRA_OK, "%s",
                 ristra_last_error());
    double x[] = { 80, NAN, 30, 4, NAN, 1, 130, 1 };
    double out[4 * 3], prob[4];
    int32_t status[4];
    cr_assert_eq(ristra_model_explain(out, status, m, x, RISTRA_FLOAT64, 4, 2, 2, 1, NULL),
                 RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(ristra_model_score(prob, NULL, NULL, m, x, RISTRA_FLOAT64, 4, 2, 2, 1, NULL),
                 RISTRA_OK);
    cr_assert_float_eq(out[0], 0.8 * 0.03 * (80 - 50), 1e-12);
    cr_assert_float_eq(out[1], 0.8 * 0.25 * (2 - 1.5), 1e-12, "the imputed 2, not missing");
    cr_assert_float_eq(out[2], 0.2 + 0.8 * (-4 + 0.03 * 50 + 0.25 * 1.5), 1e-12);
    for (int r = 0; r < 2; r++) {
        double sum = out[r * 3] + out[r * 3 + 1] + out[r * 3 + 2];
        cr_assert_float_eq(sum, log(prob[r] / (1 - prob[r])), 1e-9, "row %d", r);
    }
    cr_assert_eq(status[2], RISTRA_ROW_MISSING);
    cr_assert_eq(status[3], RISTRA_ROW_OUT_OF_RANGE);
    for (int j = 6; j < 12; j++)
        cr_assert(isnan(out[j]), "rejected rows are NaN");
    ristra_model_free(m);
}

Test(explain_logistic, refuses_a_model_without_reference_values)
{
    char *text = strdup(LOGISTIC);
    char *ref = strstr(text, ",\"reference\"");
    memcpy(ref, "}}", 3);
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, text, strlen(text), NULL), RISTRA_OK, "%s",
                 ristra_last_error());
    double x[2] = { 50, 1 }, out[3];
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL),
                 RISTRA_EUNSUPPORTED);
    cr_assert(strstr(ristra_last_error(), "reference"), "%s", ristra_last_error());
    free(text);
    ristra_model_free(m);
}

Test(explain_logistic, saves_and_reloads_its_reference)
{
    ristra_model *m = NULL, *m2 = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, LOGISTIC, strlen(LOGISTIC), NULL), RISTRA_OK);
    char *buf = NULL;
    size_t size = 0;
    cr_assert_eq(ristra_model_save_buffer(&buf, &size, m, NULL), RISTRA_OK);
    cr_assert(strstr(buf, "\"reference\""));
    cr_assert(strstr(buf, "\"format_version\": 2") || strstr(buf, "\"format_version\":2"));
    cr_assert_eq(ristra_model_load_buffer(&m2, buf, size, NULL), RISTRA_OK);
    double x[2] = { 70, 3 }, a[3], b[3];
    cr_assert_eq(ristra_model_explain(a, NULL, m, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL), RISTRA_OK);
    cr_assert_eq(ristra_model_explain(b, NULL, m2, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL), RISTRA_OK);
    cr_assert_arr_eq(a, b, sizeof a);
    ristra_free(buf);
    ristra_model_free(m);
    ristra_model_free(m2);
}

/* ---------------------------------------------------------------- arguments and threads */

Test(explain_arguments, are_checked_before_anything_is_written)
{
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load_buffer(&m, LOGISTIC, strlen(LOGISTIC), NULL), RISTRA_OK);
    double x[2] = { 50, 1 }, out[3] = { 7, 7, 7 };
    ristra_explain_options bad = RISTRA_EXPLAIN_OPTIONS_INIT;
    bad.version = 99;
    cr_assert_eq(ristra_model_explain(NULL, NULL, m, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL),
                 RISTRA_EINVAL);
    cr_assert_eq(ristra_model_explain(out, NULL, NULL, x, RISTRA_FLOAT64, 1, 2, 2, 1, NULL),
                 RISTRA_EINVAL);
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, RISTRA_FLOAT64, 1, 3, 3, 1, NULL),
                 RISTRA_EINVAL);
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, RISTRA_FLOAT64, 2, 2, 1, 1, NULL),
                 RISTRA_EINVAL);
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, (ristra_dtype)9, 1, 2, 2, 1, NULL),
                 RISTRA_EINVAL);
    cr_assert_eq(ristra_model_explain(out, NULL, m, x, RISTRA_FLOAT64, 1, 2, 2, 1, &bad),
                 RISTRA_EINVAL);
    cr_assert_eq(ristra_model_explain(out, NULL, m, NULL, RISTRA_FLOAT64, 0, 2, 2, 1, NULL),
                 RISTRA_OK);
    cr_assert(out[0] == 7 && out[1] == 7 && out[2] == 7);
    ristra_explain_options o;
    cr_assert_eq(ristra_explain_options_init(&o, RISTRA_EXPLAIN_OPTIONS_VERSION), RISTRA_OK);
    cr_assert_eq(o.n_threads, 1);
    ristra_model_free(m);
}

/* Row r, feature j at x[r * row_stride + j * col_stride]: a column-major
 * float block with padding between columns, and a row-major double block
 * with padding between rows, explain as the plain row-major block does. */
Test(explain_strides, column_major_and_padded_blocks_give_the_row_major_numbers)
{
    char *path = rt_source_path("models/demo_gbdt.json.gz");
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK, "%s", ristra_last_error());
    const int64_t n = 45, nf = ristra_model_n_features(m), w = nf + 1, pad = 3;
    double *x = malloc(sizeof(double) * (size_t)(n * nf));
    double *rows = malloc(sizeof(double) * (size_t)(n * (nf + pad)));
    float *cols = malloc(sizeof(float) * (size_t)((n + pad) * nf));
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < nf; j++) {
            double v = (i + j) % 13 == 0 ? NAN : (double)((i * 7 + j * 11) % 9);
            x[i * nf + j] = (double)(float)v;
            rows[i * (nf + pad) + j] = (double)(float)v;
            cols[j * (n + pad) + i] = (float)v;
        }
    double *want = malloc(sizeof(double) * (size_t)(n * w));
    double *got = malloc(sizeof(double) * (size_t)(n * w));
    cr_assert_eq(ristra_model_explain(want, NULL, m, x, RISTRA_FLOAT64, n, nf, nf, 1, NULL),
                 RISTRA_OK, "%s", ristra_last_error());
    cr_assert_eq(ristra_model_explain(got, NULL, m, cols, RISTRA_FLOAT32, n, nf, 1, n + pad,
                                      NULL), RISTRA_OK, "%s", ristra_last_error());
    for (int64_t i = 0; i < n * w; i++)
        cr_assert(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])), "column-major %lld",
                  (long long)i);
    cr_assert_eq(ristra_model_explain(got, NULL, m, rows, RISTRA_FLOAT64, n, nf, nf + pad, 1,
                                      NULL), RISTRA_OK, "%s", ristra_last_error());
    for (int64_t i = 0; i < n * w; i++)
        cr_assert(got[i] == want[i] || (isnan(got[i]) && isnan(want[i])), "padded rows %lld",
                  (long long)i);
    free(x), free(rows), free(cols), free(want), free(got), free(path);
    ristra_model_free(m);
}

Test(explain_threads, give_the_same_numbers_as_one_thread)
{
    char *path = rt_source_path("models/demo_gbdt.json.gz");
    ristra_model *m = NULL;
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK, "%s", ristra_last_error());
    const int64_t n = 3000, nf = ristra_model_n_features(m);
    double *x = malloc(sizeof(double) * (size_t)(n * nf));
    for (int64_t i = 0; i < n * nf; i++)
        x[i] = i % 23 == 0 ? NAN : (double)((i * 2654435761u) % 90) / (i % nf == 0 ? 1 : 30);
    double *a = malloc(sizeof(double) * (size_t)(n * (nf + 1)));
    double *b = malloc(sizeof(double) * (size_t)(n * (nf + 1)));
    int32_t *sa = malloc(sizeof(int32_t) * (size_t)n), *sb = malloc(sizeof(int32_t) * (size_t)n);
    ristra_explain_options two = RISTRA_EXPLAIN_OPTIONS_INIT;
    two.n_threads = 2;
    cr_assert_eq(ristra_model_explain(a, sa, m, x, RISTRA_FLOAT64, n, nf, nf, 1, NULL), RISTRA_OK,
                 "%s", ristra_last_error());
    cr_assert_eq(ristra_model_explain(b, sb, m, x, RISTRA_FLOAT64, n, nf, nf, 1, &two), RISTRA_OK);
    for (int64_t i = 0; i < n * (nf + 1); i++)
        cr_assert(a[i] == b[i] || (isnan(a[i]) && isnan(b[i])), "element %lld", (long long)i);
    cr_assert_arr_eq(sa, sb, sizeof(int32_t) * (size_t)n);
    free(x);
    free(a);
    free(b);
    free(sa);
    free(sb);
    free(path);
    ristra_model_free(m);
}
