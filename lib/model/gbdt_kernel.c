/* The tree-scoring kernel.
 *
 * Layout. A tree with no categorical split and depth D <= PERFECT_MAX_DEPTH
 * is stored as a complete binary tree: 2^D - 1 split nodes {threshold,
 * column} in breadth-first order and 2^D leaf values. A leaf shallower
 * than D is pushed down: the splits below it are dummies and every leaf
 * under it holds its value, so the walk is always exactly D steps of
 *     i = 2i + 1 + (x[column[i]] >= threshold[i])
 * with no branch and no NaN test (see the two-column block form in
 * gbdt_internal.h), where a split stores its column already multiplied
 * by the block's row count. Other trees keep an explicit node array and are walked
 * node by node.
 *
 * Order. For each block of rows the trees are visited in model order and
 * each tree's leaf is added to a float accumulator per row: exactly the
 * float additions, in exactly the order, that XGBoost performs, so the
 * margins are bit-identical. Inside one tree several rows are walked
 * together so that their independent load chains overlap. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../common/error_internal.h"
#include "../common/cpu_internal.h"
#include "gbdt_layout_internal.h"

enum { PERFECT_MAX_DEPTH = RISTRA__PERFECT_MAX_DEPTH, GENERAL = RISTRA__GENERAL_TREE };

/* A complete tree's splits as two parallel arrays: the threshold, and the
 * byte offset of the column it reads in the block (column * RISTRA__GBDT_BLOCK_ROWS * sizeof(float),
 * column = 2 * feature + (missing goes right)). */
typedef struct splits {
    const float *threshold;
    const uint32_t *offset;
} splits;

typedef ristra__gnode gnode;

void ristra__gbdt_layout_free(ristra__gbdt_layout *l)
{
    if (!l)
        return;
    free(l->depth);
    free(l->offset);
    free(l->leaf_offset);
    free(l->thresholds);
    free(l->offsets);
    free(l->leaves);
    free(l->gnodes);
    free(l->categories);
    ristra__gbdt_quant_free(l->quant);
    free(l);
}

static uint32_t column_of(const ristra__tree *t, int32_t node)
{
    return 2u * (uint32_t)t->feature[node] + (t->default_left[node] ? 0u : 1u);
}

static int is_perfect_candidate(const ristra__tree *t)
{
    if (t->depth > PERFECT_MAX_DEPTH)
        return 0;
    for (int32_t i = 0; t->cat_count && i < t->n_nodes; i++)
        if (t->cat_count[i])
            return 0;
    return 1;
}

/* Fills a complete tree of the given depth from t. node_at has room for
 * 2^(depth + 1) - 1 entries. */
static void fill_perfect(float *threshold, uint32_t *offset, int32_t *feature_at, float *leaves,
                         int depth, const ristra__tree *t, int32_t *node_at)
{
    const int64_t n_splits = ((int64_t)1 << depth) - 1;
    /* Breadth-first over perfect positions: node_at[p] is the original node
     * at position p, or the leaf that was pushed down into it. */
    node_at[0] = 0;
    for (int64_t p = 0; p < n_splits; p++) {
        int32_t node = node_at[p];
        if (t->left[node] == -1) {
            threshold[p] = 0.0f; /* dummy: both children hold the same leaf */
            offset[p] = 0;
            feature_at[p] = -1;
            node_at[2 * p + 1] = node_at[2 * p + 2] = node;
        } else {
            threshold[p] = (float)t->value[node];
            offset[p] = column_of(t, node) * RISTRA__GBDT_BLOCK_ROWS * (uint32_t)sizeof(float);
            feature_at[p] = t->feature[node];
            node_at[2 * p + 1] = t->left[node];
            node_at[2 * p + 2] = t->right[node];
        }
    }
    for (int64_t q = 0; q <= n_splits; q++)
        leaves[q] = (float)t->value[node_at[n_splits + q]];
}

int ristra__gbdt_layout_build(ristra__gbdt *g, int64_t n_features)
{
    ristra__gbdt_layout *l = calloc(1, sizeof *l);
    if (!l)
        return ristra__oom();
    const int64_t nt = g->n_trees;
    l->n_trees = nt;
    l->depth = calloc((size_t)(nt ? nt : 1), 1);
    l->offset = calloc((size_t)(nt ? nt : 1), sizeof *l->offset);
    l->leaf_offset = calloc((size_t)(nt ? nt : 1), sizeof *l->leaf_offset);
    l->categories = calloc((size_t)(nt ? nt : 1), sizeof *l->categories);
    int64_t n_splits = 0, n_leaves = 0, n_gnodes = 0;
    for (int64_t i = 0; i < nt; i++) {
        const ristra__tree *t = &g->trees[i];
        if (is_perfect_candidate(t)) {
            l->depth[i] = (uint8_t)t->depth;
            l->offset[i] = n_splits;
            l->leaf_offset[i] = n_leaves;
            n_splits += ((int64_t)1 << t->depth) - 1;
            n_leaves += (int64_t)1 << t->depth;
        } else {
            l->depth[i] = GENERAL;
            l->offset[i] = n_gnodes;
            n_gnodes += t->n_nodes;
        }
    }
    l->thresholds = calloc((size_t)(n_splits + RISTRA__LAYOUT_PAD), sizeof *l->thresholds);
    l->offsets = calloc((size_t)(n_splits + RISTRA__LAYOUT_PAD), sizeof *l->offsets);
    l->leaves = calloc((size_t)(n_leaves + RISTRA__LAYOUT_PAD), sizeof *l->leaves);
    l->gnodes = malloc((size_t)(n_gnodes ? n_gnodes : 1) * sizeof *l->gnodes);
    int32_t *node_at = malloc(((size_t)2 << PERFECT_MAX_DEPTH) * sizeof *node_at);
    int32_t *feature_at = malloc((size_t)(n_splits ? n_splits : 1) * sizeof *feature_at);
    if (!l->depth || !l->offset || !l->leaf_offset || !l->categories || !l->thresholds || !l->offsets ||
        !l->leaves || !l->gnodes || !node_at || !feature_at) {
        free(node_at);
        free(feature_at);
        ristra__gbdt_layout_free(l);
        return ristra__oom();
    }
    for (int64_t i = 0; i < nt; i++) {
        const ristra__tree *t = &g->trees[i];
        if (l->depth[i] != GENERAL) {
            fill_perfect(l->thresholds + l->offset[i], l->offsets + l->offset[i],
                         feature_at + l->offset[i], l->leaves + l->leaf_offset[i], l->depth[i], t,
                         node_at);
            continue;
        }
        gnode *gn = l->gnodes + l->offset[i];
        l->categories[i] = t->categories;
        for (int32_t k = 0; k < t->n_nodes; k++) {
            int leaf = t->left[k] == -1;
            gn[k].left = t->left[k];
            gn[k].right = t->right[k];
            gn[k].column = leaf ? 0 : column_of(t, k);
            gn[k].threshold = (float)t->value[k];
            gn[k].cat_begin = t->cat_count ? t->cat_begin[k] : 0;
            gn[k].cat_count = t->cat_count ? t->cat_count[k] : 0;
        }
    }
    free(node_at);
    /* Only trees the bit-sliced kernel walks give cuts to bin. */
    int any_quant = 0;
    for (int64_t i = 0; i < nt; i++) {
        if (l->depth[i] == GENERAL)
            continue;
        if (l->depth[i] > RISTRA__QUANT_MAX_DEPTH)
            for (int64_t p = 0; p < ((int64_t)1 << l->depth[i]) - 1; p++)
                feature_at[l->offset[i] + p] = -2;
        else
            any_quant |= l->depth[i] > 0;
    }
    int rc = 1;
    if (any_quant && ristra__cpu_isa_supported(RISTRA__ISA_AVX512))
        rc = ristra__gbdt_quant_build(&l->quant, l, feature_at, n_splits, n_features);
    free(feature_at);
    if (rc < 0) {
        ristra__gbdt_layout_free(l);
        return ristra__oom();
    }
    ristra__gbdt_layout_free(g->layout);
    g->layout = l;
    return RISTRA_OK;
}

/* XGBoost's categorical decision (common::Decision, 1.7): the listed
 * categories go right; anything else, including negative and too-large
 * values, goes left. */
static int category_goes_right(const int32_t *cats, int32_t count, float x)
{
    if (x < 0.0f || x >= 16777216.0f)
        return 0;
    int32_t c = (int32_t)x;
    int32_t lo = 0, hi = count;
    while (lo < hi) {
        int32_t mid = (lo + hi) / 2;
        if (cats[mid] < c)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < count && cats[lo] == c;
}

/* One step of a node-by-node walk for row r of the block. */
static inline int32_t general_step(const gnode *n, const int32_t *cats, const float *x2)
{
    const int64_t b = RISTRA__GBDT_BLOCK_ROWS;
    if (n->cat_count) {
        float lo = x2[(n->column & ~1u) * b], hi = x2[(n->column | 1u) * b];
        if (lo == -INFINITY && hi == INFINITY) /* missing */
            return (n->column & 1u) ? n->right : n->left;
        return category_goes_right(cats + n->cat_begin, n->cat_count, lo) ? n->right : n->left;
    }
    return x2[n->column * b] >= n->threshold ? n->right : n->left;
}

void ristra__gbdt_walk_general(float *acc, const ristra__gbdt_layout *l, int64_t t,
                               const float *x2, int64_t n)
{
    const gnode *nodes = l->gnodes + l->offset[t];
    const int32_t *cats = l->categories[t];
    for (int64_t r = 0; r < n; r++) {
        int32_t k = 0;
        while (nodes[k].left != -1)
            k = general_step(&nodes[k], cats, x2 + r);
        acc[r] += nodes[k].threshold;
    }
}

/* D branch-free steps for ROWS_AT_ONCE rows together (their load chains
 * are independent, so the core overlaps them); D is a compile-time
 * constant at every call site so the loops unroll. */
enum { ROWS_AT_ONCE = 8 };

static inline __attribute__((always_inline)) void
walk_perfect(float *acc, splits s, const float *leaves, const float *x2, int64_t n, int depth)
{
    const int64_t first_leaf = ((int64_t)1 << depth) - 1;
    int64_t r = 0;
    for (; r + ROWS_AT_ONCE <= n; r += ROWS_AT_ONCE) {
        const char *base = (const char *)(x2 + r);
        size_t i[ROWS_AT_ONCE] = { 0 };
        for (int d = 0; d < depth; d++) {
            /* Keeps gcc from turning base + 4k into eight pointers that no
             * longer fit in registers: one base plus a displacement each. */
            __asm__("" : "+r"(base));
            for (int k = 0; k < ROWS_AT_ONCE; k++) {
                float v = *(const float *)(base + s.offset[i[k]] + k * sizeof(float));
                i[k] = 2 * i[k] + 1 + (v >= s.threshold[i[k]]);
            }
        }
        for (int k = 0; k < ROWS_AT_ONCE; k++)
            acc[r + k] += leaves[i[k] - first_leaf];
    }
    for (; r < n; r++) {
        uint32_t i = 0;
        for (int d = 0; d < depth; d++) {
            float v = *(const float *)((const char *)(x2 + r) + s.offset[i]);
            i = 2 * i + 1 + (v >= s.threshold[i]);
        }
        acc[r] += leaves[i - first_leaf];
    }
}


#define PERFECT_CASE(D)                                                                      \
    case D:                                                                                  \
        walk_perfect(acc, sp, leaves, x2, n, D);                                             \
        break;

/* For a single row, the independent load chains come from trees instead:
 * TREES_AT_ONCE consecutive complete trees of the same depth are walked
 * together, and their leaves then added one by one in model order. */
enum { TREES_AT_ONCE = 8 };

/* Trees t .. t + TREES_AT_ONCE - 1 for row r when they are complete and of
 * one depth; returns 0 (and does nothing) otherwise. */
static int walk_trees_together(float *acc, const ristra__gbdt_layout *l, int64_t t,
                               const float *x2, int64_t r)
{
    const int depth = l->depth[t];
    if (t + TREES_AT_ONCE > l->n_trees || depth == 0 || depth > PERFECT_MAX_DEPTH)
        return 0;
    for (int k = 1; k < TREES_AT_ONCE; k++)
        if (l->depth[t + k] != depth)
            return 0;
    const char *base = (const char *)(x2 + r);
    const float *thr[TREES_AT_ONCE];
    const uint32_t *off[TREES_AT_ONCE];
    uint32_t i[TREES_AT_ONCE];
    for (int k = 0; k < TREES_AT_ONCE; k++) {
        thr[k] = l->thresholds + l->offset[t + k];
        off[k] = l->offsets + l->offset[t + k];
        i[k] = 0;
    }
    for (int d = 0; d < depth; d++)
        for (int k = 0; k < TREES_AT_ONCE; k++) {
            float v = *(const float *)(base + off[k][i[k]]);
            i[k] = 2 * i[k] + 1 + (v >= thr[k][i[k]]);
        }
    const uint32_t first_leaf = (1u << depth) - 1;
    float a = acc[r];
    for (int k = 0; k < TREES_AT_ONCE; k++)
        a += l->leaves[l->leaf_offset[t + k] + (i[k] - first_leaf)];
    acc[r] = a;
    return 1;
}

void ristra__gbdt_trees_scalar(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t n)
{
    /* Whole groups of ROWS_AT_ONCE rows tree by tree; the rows left over
     * each on its own, TREES_AT_ONCE trees together, rather than one tree
     * after another (a chain of dependent loads per tree). */
    const int64_t grouped = n - n % ROWS_AT_ONCE;
    if (grouped > 0)
        for (int64_t t = 0; t < l->n_trees; t++)
            ristra__gbdt_tree_scalar(acc, l, t, x2, grouped);
    for (int64_t r = grouped; r < n; r++)
        for (int64_t t = 0; t < l->n_trees;) {
            if (walk_trees_together(acc, l, t, x2, r)) {
                t += TREES_AT_ONCE;
                continue;
            }
            ristra__gbdt_tree_scalar(acc + r, l, t, x2 + r, 1);
            t++;
        }
}

void ristra__gbdt_tree_scalar(float *acc, const ristra__gbdt_layout *l, int64_t t, const float *x2,
                              int64_t n)
{
    const splits sp = { l->thresholds + l->offset[t], l->offsets + l->offset[t] };
    const float *leaves = l->leaves + l->leaf_offset[t];
    switch (l->depth[t]) {
    case 0: {
        const float v = l->leaves[l->leaf_offset[t]];
        for (int64_t r = 0; r < n; r++)
            acc[r] += v;
        break;
    }
        PERFECT_CASE(1)
        PERFECT_CASE(2)
        PERFECT_CASE(3)
        PERFECT_CASE(4)
        PERFECT_CASE(5)
        PERFECT_CASE(6)
        PERFECT_CASE(7)
        PERFECT_CASE(8)
        PERFECT_CASE(9)
        PERFECT_CASE(10)
    default:
        ristra__gbdt_walk_general(acc, l, t, x2, n);
        break;
    }
}

void ristra__gbdt_margin_isa(float *margin, const ristra__gbdt *g, const float *x2, int64_t n,
                             int isa)
{
    float acc[RISTRA__GBDT_BLOCK_ROWS];
    for (int64_t r = 0; r < RISTRA__GBDT_BLOCK_ROWS; r++)
        acc[r] = (float)g->base_margin;
#ifdef RISTRA__HAVE_X86_KERNELS
    if (isa == RISTRA__ISA_AVX512)
        ristra__gbdt_trees_avx512(acc, g->layout, x2, n);
    else if (isa == RISTRA__ISA_AVX2)
        ristra__gbdt_trees_avx2(acc, g->layout, x2, n);
    else
#endif
        ristra__gbdt_trees_scalar(acc, g->layout, x2, n);
    (void)isa;
    memcpy(margin, acc, (size_t)n * sizeof *margin);
}

void ristra__gbdt_margin(float *margin, const ristra__gbdt *g, const float *x2, int64_t n,
                         int64_t n_features)
{
    (void)n_features;
    ristra__gbdt_margin_isa(margin, g, x2, n, ristra__cpu_isa());
}

void ristra__gbdt_margin_reference(float *margin, const ristra__gbdt *g, const float *x2,
                                   int64_t n, int64_t n_features)
{
    (void)n_features;
    const int64_t b = RISTRA__GBDT_BLOCK_ROWS;
    for (int64_t r = 0; r < n; r++) {
        float acc = (float)g->base_margin;
        for (int64_t i = 0; i < g->n_trees; i++) {
            const ristra__tree *t = &g->trees[i];
            int32_t k = 0;
            while (t->left[k] != -1) {
                int32_t f = t->feature[k];
                float lo = x2[2 * f * b + r], hi = x2[(2 * f + 1) * b + r];
                int missing = lo == -INFINITY && hi == INFINITY;
                int right;
                if (missing)
                    right = !t->default_left[k];
                else if (t->cat_count && t->cat_count[k])
                    right = category_goes_right(t->categories + t->cat_begin[k], t->cat_count[k], lo);
                else
                    right = !(lo < (float)t->value[k]);
                k = right ? t->right[k] : t->left[k];
            }
            acc += (float)t->value[k];
        }
        margin[r] = acc;
    }
}

float ristra__gbdt_sigmoid(float margin)
{
    /* XGBoost 1.7 common::Sigmoid, operation for operation. */
    const float eps = 1e-16f;
    float x = fminf(-margin, 88.7f);
    return 1.0f / (expf(x) + 1.0f + eps);
}

