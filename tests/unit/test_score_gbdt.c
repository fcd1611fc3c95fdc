/* gbdt scoring against XGBoost's own predictions (golden vectors made by
 * tests/golden/make_gbdt_golden.py), and the fast kernel against the plain
 * node-by-node traversal. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ristra/ristra.h>

#include "common/cpu_internal.h"
#include "model/gbdt_internal.h"
#include "model/gbdt_layout_internal.h"
#include "model/model_internal.h"
#include "test_util.h"

static ristra_model *load_golden(const char *name, rt_table *input, rt_table *expected)
{
    char rel[256];
    ristra_model *m = NULL;
    snprintf(rel, sizeof rel, "tests/golden/%s/model.json", name);
    char *path = rt_source_path(rel);
    cr_assert_eq(ristra_model_load(&m, path), RISTRA_OK, "%s", ristra_last_error());
    free(path);
    snprintf(rel, sizeof rel, "tests/golden/%s/input.csv", name);
    path = rt_source_path(rel);
    cr_assert_eq(rt_table_read(input, path), 0);
    free(path);
    snprintf(rel, sizeof rel, "tests/golden/%s/expected.csv", name);
    path = rt_source_path(rel);
    cr_assert_eq(rt_table_read(expected, path), 0);
    free(path);
    cr_assert_eq(input->cols, ristra_model_n_features(m));
    return m;
}

static void check_golden(const char *name, ristra_dtype dtype)
{
    rt_table in, ex;
    ristra_model *m = load_golden(name, &in, &ex);
    int64_t n = in.rows, nf = in.cols;
    double *prob = malloc((size_t)n * sizeof *prob), *margin = malloc((size_t)n * sizeof *margin);
    int32_t *status = malloc((size_t)n * sizeof *status);
    void *x = in.values;
    float *xf = NULL;
    if (dtype == RISTRA_FLOAT32) {
        xf = malloc((size_t)(n * nf) * sizeof *xf);
        for (int64_t i = 0; i < n * nf; i++)
            xf[i] = (float)in.values[i];
        x = xf;
    }
    cr_assert_eq(ristra_model_score(prob, margin, status, m, x, dtype, n, nf, nf, 1, NULL), RISTRA_OK,
                 "%s", ristra_last_error());
    for (int64_t r = 0; r < n; r++) {
        const double *e = ex.values + r * 3;
        cr_assert_eq(status[r], 0);
        /* XGBoost computes in float32 in the same order: expect equality. */
        cr_assert(fabs(margin[r] - e[1]) <= 1e-6, "%s row %lld: margin %.9g, XGBoost %.9g", name,
                  (long long)r, margin[r], e[1]);
        cr_assert(fabs(prob[r] - e[2]) <= 1e-6, "%s row %lld: prob %.9g, XGBoost %.9g", name,
                  (long long)r, prob[r], e[2]);
        cr_assert_eq((float)margin[r], (float)e[1], "%s row %lld: not bit-identical", name,
                     (long long)r);
    }
    free(xf);
    free(prob);
    free(margin);
    free(status);
    rt_table_free(&in);
    rt_table_free(&ex);
    ristra_model_free(m);
}

Test(score_gbdt, matches_xgboost_numeric_splits_with_missing_values)
{
    check_golden("gbdt_numeric", RISTRA_FLOAT64);
    check_golden("gbdt_numeric", RISTRA_FLOAT32);
}

Test(score_gbdt, matches_xgboost_categorical_splits)
{
    check_golden("gbdt_categorical", RISTRA_FLOAT64);
}

Test(score_gbdt, matches_xgboost_trees_deeper_than_the_complete_layout)
{
    check_golden("gbdt_deep", RISTRA_FLOAT64);
}

Test(score_gbdt, tree_summary_describes_the_model)
{
    rt_table in, ex;
    ristra_model *m = load_golden("gbdt_deep", &in, &ex);
    ristra_tree_summary ts = RISTRA_TREE_SUMMARY_INIT;
    cr_assert_eq(ristra_model_trees(&ts, m), RISTRA_OK);
    cr_assert_eq(ts.n_trees, 8);
    cr_assert(ts.max_depth > 10 && ts.max_depth <= 13, "depth %lld", (long long)ts.max_depth);
    cr_assert_eq(ts.n_categorical, 0);
    ristra_model_free(m);
    rt_table_free(&in);
    rt_table_free(&ex);
    m = load_golden("gbdt_categorical", &in, &ex);
    cr_assert_eq(ristra_model_trees(&ts, m), RISTRA_OK);
    cr_assert(ts.n_categorical > 0);
    ristra_model_free(m);
    rt_table_free(&in);
    rt_table_free(&ex);
}

Test(score_gbdt, save_and_load_keep_every_tree_exactly)
{
    rt_table in, ex;
    ristra_model *a = load_golden("gbdt_categorical", &in, &ex);
    char *text = NULL;
    size_t size = 0;
    cr_assert_eq(ristra_model_save_buffer(&text, &size, a, NULL), RISTRA_OK);
    ristra_model *b = NULL;
    cr_assert_eq(ristra_model_load_buffer(&b, text, size, "resaved"), RISTRA_OK, "%s",
                 ristra_last_error());
    char *text2 = NULL;
    size_t size2 = 0;
    cr_assert_eq(ristra_model_save_buffer(&text2, &size2, b, NULL), RISTRA_OK);
    cr_assert_eq(size, size2);
    cr_assert_eq(memcmp(text, text2, size), 0);
    int64_t n = in.rows, nf = in.cols;
    double *pa = malloc((size_t)n * sizeof *pa), *pb = malloc((size_t)n * sizeof *pb);
    ristra_model_score(pa, NULL, NULL, a, in.values, RISTRA_FLOAT64, n, nf, nf, 1, NULL);
    ristra_model_score(pb, NULL, NULL, b, in.values, RISTRA_FLOAT64, n, nf, nf, 1, NULL);
    cr_assert_eq(memcmp(pa, pb, (size_t)n * sizeof *pa), 0);
    free(pa);
    free(pb);
    ristra_free(text);
    ristra_free(text2);
    ristra_model_free(a);
    ristra_model_free(b);
    rt_table_free(&in);
    rt_table_free(&ex);
}

/* Random trees of every depth and shape, with values placed exactly on
 * thresholds, missing values both ways and infinities: every kernel this
 * CPU can run (scalar, AVX2, AVX-512) must agree bit for bit with the
 * node-by-node walk, for every row count of a block. */
static uint64_t rng_state = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }

static int few_thresholds;
static int shallow_only; /* every tree of depth <= 6: the one-row kernel's models */

static int32_t grow(ristra__tree *t, int32_t *next, int depth, int max_depth, int nf,
                    float *thresholds, int *nthr)
{
    int32_t k = (*next)++;
    if (depth == max_depth || (depth > 0 && unif() < 0.25)) {
        t->value[k] = (float)(unif() - 0.5);
        return k;
    }
    t->feature[k] = (int32_t)(rnd() % (uint64_t)nf);
    /* few distinct thresholds (8-bit bins) or nearly all distinct (16-bit) */
    t->value[k] = few_thresholds ? (float)((int)(rnd() % 200) - 100) / 50.0f : (float)(unif() * 4 - 2);
    thresholds[(*nthr)++ % 4096] = (float)t->value[k];
    t->default_left[k] = rnd() & 1;
    t->left[k] = grow(t, next, depth + 1, max_depth, nf, thresholds, nthr);
    t->right[k] = grow(t, next, depth + 1, max_depth, nf, thresholds, nthr);
    return k;
}

static void check_kernels_on_random_trees(void);

Test(score_gbdt, fast_kernels_equal_node_by_node_walk_on_random_trees)
{
    few_thresholds = 0;
    shallow_only = 0;
    check_kernels_on_random_trees();
}

Test(score_gbdt, fast_kernels_equal_node_by_node_walk_on_trees_with_few_thresholds)
{
    few_thresholds = 1;
    shallow_only = 0;
    check_kernels_on_random_trees();
}

Test(score_gbdt, one_row_kernel_equals_node_by_node_walk_on_trees_of_depth_up_to_6)
{
    few_thresholds = 1;
    shallow_only = 1;
    check_kernels_on_random_trees();
}

static void check_kernels_on_random_trees(void)
{
    /* the extra depth-6 trees give over 255 cuts a feature: 16-bit bins */
    const int nf = 7, n_trees = few_thresholds ? 60 : 200;
    static float thresholds[4096];
    int nthr = 0;
    ristra__gbdt *g = ristra__gbdt_new(n_trees);
    for (int i = 0; i < n_trees; i++) {
        /* 0 .. 13: every kernel and the general walk; or 0 .. 6 */
        int depth = shallow_only ? i % 7 : i < 60 ? i % 14 : 6;
        int32_t cap = (int32_t)((2 << depth) - 1);
        cr_assert_eq(ristra__tree_alloc(&g->trees[i], cap, 0, 0), RISTRA_OK);
        int32_t next = 0;
        grow(&g->trees[i], &next, 0, depth, nf, thresholds, &nthr);
        g->trees[i].n_nodes = next;
    }
    g->base_margin = 0.25;
    cr_assert_eq(ristra__gbdt_finish(g, nf, "random"), RISTRA_OK, "%s", ristra_last_error());
    const int64_t rows = RISTRA__GBDT_BLOCK_ROWS;
    float x2[RISTRA__GBDT_BLOCK_ROWS * 14], fast[RISTRA__GBDT_BLOCK_ROWS],
        ref[RISTRA__GBDT_BLOCK_ROWS];
    for (int rep = 0; rep < 200; rep++) {
        for (int64_t r = 0; r < rows; r++) {
            for (int j = 0; j < nf; j++) {
                double u = unif();
                float v = u < 0.15 ? NAN : u < 0.35 ? thresholds[rnd() % (uint64_t)(nthr < 4096 ? nthr : 4096)]
                        : u < 0.38 ? (u < 0.365 ? -INFINITY : INFINITY) : (float)(unif() * 5 - 2.5);
                x2[2 * j * rows + r] = isnan(v) ? -INFINITY : v;
                x2[(2 * j + 1) * rows + r] = isnan(v) ? INFINITY : v;
            }
        }
        int64_t n = rep < rows ? rep + 1 : 1 + (int64_t)(rnd() % (uint64_t)rows);
        ristra__gbdt_margin_reference(ref, g, x2, n, nf);
        for (int isa = RISTRA__ISA_SCALAR; isa <= RISTRA__ISA_AVX512; isa++) {
            if (!ristra__cpu_isa_supported(isa))
                continue;
            if (rep == 0 && isa == RISTRA__ISA_AVX512) {
                cr_assert(g->layout->quant && g->layout->quant->bin_bytes == (few_thresholds ? 1 : 2));
                /* the one-row table exists exactly where AVX-512 VBMI does */
                cr_assert_eq(g->layout->quant->row_table != NULL,
                             shallow_only && __builtin_cpu_supports("avx512vbmi"));
            }
            /* AVX-512 twice: bit-sliced, then (quantised form hidden) the
             * rows-in-lanes kernel that models beyond its limits use */
            for (int hide = 0; hide <= (isa == RISTRA__ISA_AVX512); hide++) {
                ristra__gbdt_quant *quant = g->layout->quant;
                if (hide)
                    g->layout->quant = NULL;
                ristra__gbdt_margin_isa(fast, g, x2, n, isa);
                g->layout->quant = quant;
                for (int64_t r = 0; r < n; r++)
                    cr_assert_eq(memcmp(&fast[r], &ref[r], sizeof(float)), 0,
                                 "isa %d%s rep %d row %lld of %lld: fast %.9g, reference %.9g",
                                 isa, hide ? " (rows in lanes)" : "", rep, (long long)r,
                                 (long long)n, fast[r], ref[r]);
            }
        }
    }
    ristra__gbdt_free(g);
}

Test(score_gbdt, this_machine_runs_the_vector_kernels_it_is_tested_with)
{
    /* The forced-kernel runs of this file (ctest score_gbdt_isa_*) are only
     * a test of the vector kernels where the CPU has them: say which. */
    cr_log_info("kernel in use: %d (scalar 0, AVX2 1, AVX-512 2); AVX2 %s, AVX-512 %s",
                ristra__cpu_isa(), ristra__cpu_isa_supported(RISTRA__ISA_AVX2) ? "yes" : "no",
                ristra__cpu_isa_supported(RISTRA__ISA_AVX512) ? "yes" : "no");
    cr_assert(ristra__cpu_isa() >= RISTRA__ISA_SCALAR && ristra__cpu_isa() <= RISTRA__ISA_AVX512);
    cr_assert(ristra__cpu_isa_supported(ristra__cpu_isa()));
}
