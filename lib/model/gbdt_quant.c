/* The quantised form of a model's complete trees, for the bit-sliced
 * AVX-512 kernel (gbdt_kernel_avx512.c).
 *
 * Each feature's distinct split thresholds t_0 < ... < t_{m-1} cut the
 * line into m + 1 bins; a value x falls in bin b(x) = #{i : x >= t_i}, and
 * x >= t_i exactly when b(x) >= i + 1. So a split on (feature, t_i) becomes
 * the integer test b >= i + 1, exact for every float including the
 * infinities that stand for missing values (thresholds are finite: -inf
 * falls in bin 0 and goes left, +inf in the last and goes right). The
 * cuts of each feature are stored as a complete binary search tree in
 * breadth-first order, padded with +inf, so that binning a value is the
 * same branch-free walk the kernel makes down a tree. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gbdt_layout_internal.h"

void ristra__gbdt_quant_free(ristra__gbdt_quant *q)
{
    if (!q)
        return;
    free(q->cut_offset);
    free(q->cut_depth);
    free(q->cuts);
    free(q->qoff);
    free(q->qthr);
    free(q->row_table);
    free(q);
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Position of t in the sorted distinct values v[0 .. m). */
static int64_t rank_of(const float *v, int64_t m, float t)
{
    int64_t lo = 0, hi = m;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (v[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* In-order fill of the complete tree at node i of n nodes from sorted. */
static void fill_search_tree(float *tree, int64_t i, int64_t n, const float *sorted, int64_t *k)
{
    if (i >= n)
        return;
    fill_search_tree(tree, 2 * i + 1, n, sorted, k);
    tree[i] = sorted[(*k)++];
    fill_search_tree(tree, 2 * i + 2, n, sorted, k);
}

/* Sorted distinct thresholds of feature f over the n_splits splits, into
 * v (room for n_splits); returns their number. */
static int64_t distinct_thresholds(float *v, const ristra__gbdt_layout *l,
                                   const int32_t *feature_at, int64_t n_splits, int32_t f)
{
    int64_t m = 0;
    for (int64_t p = 0; p < n_splits; p++)
        if (feature_at[p] == f)
            v[m++] = l->thresholds[p];
    qsort(v, (size_t)m, sizeof *v, cmp_float);
    int64_t u = 0;
    for (int64_t i = 0; i < m; i++)
        if (u == 0 || v[i] != v[u - 1])
            v[u++] = v[i];
    return u;
}

/* The cut trees of every feature; 0 when a feature has too many cuts. */
static int build_cuts(ristra__gbdt_quant *q, const ristra__gbdt_layout *l,
                      const int32_t *feature_at, int64_t n_splits, float *work)
{
    int64_t total = 0;
    for (int32_t f = 0; f < q->n_features; f++) {
        int64_t m = distinct_thresholds(work, l, feature_at, n_splits, f);
        int depth = 0;
        while (((int64_t)1 << depth) - 1 < m)
            depth++;
        if (depth > RISTRA__QUANT_MAX_CUT_DEPTH)
            return 0;
        q->cut_depth[f] = (uint8_t)depth;
        if (depth > 8)
            q->bin_bytes = 2;
        q->cut_offset[f] = (int32_t)total;
        total += ((int64_t)1 << depth) - 1;
    }
    q->cuts = malloc((size_t)(total + RISTRA__LAYOUT_PAD) * sizeof *q->cuts);
    if (!q->cuts)
        return -1;
    for (int32_t f = 0; f < q->n_features; f++) {
        int64_t m = distinct_thresholds(work, l, feature_at, n_splits, f);
        int64_t n = ((int64_t)1 << q->cut_depth[f]) - 1, k = 0;
        for (int64_t i = m; i < n; i++)
            work[i] = INFINITY;
        fill_search_tree(q->cuts + q->cut_offset[f], 0, n, work, &k);
    }
    for (int64_t i = 0; i < RISTRA__LAYOUT_PAD; i++)
        q->cuts[total + i] = INFINITY;
    return 1;
}

/* Each split's column offset in the bins block and its bin threshold. */
static void build_splits(ristra__gbdt_quant *q, const ristra__gbdt_layout *l,
                         const int32_t *feature_at, int64_t n_splits, float *work)
{
    const uint32_t zero_column = 2u * (uint32_t)q->n_features;
    for (int32_t f = 0; f < q->n_features; f++) {
        int64_t m = distinct_thresholds(work, l, feature_at, n_splits, f);
        for (int64_t p = 0; p < n_splits; p++) {
            if (feature_at[p] != f)
                continue;
            uint32_t column = l->offsets[p] / (RISTRA__GBDT_BLOCK_ROWS * (uint32_t)sizeof(float));
            uint32_t b = (uint32_t)rank_of(work, m, l->thresholds[p]) + 1u;
            q->qoff[p] = column * RISTRA__GBDT_BLOCK_ROWS * (uint32_t)q->bin_bytes;
            q->qthr[p] = b * (q->bin_bytes == 1 ? 0x01010101u : 0x00010001u);
        }
    }
    for (int64_t p = 0; p < n_splits; p++)
        if (feature_at[p] < 0) { /* a dummy: always true, on the zero column */
            q->qoff[p] = zero_column * RISTRA__GBDT_BLOCK_ROWS * (uint32_t)q->bin_bytes;
            q->qthr[p] = 0;
        }
}

static int row_kernel_supported(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    return __builtin_cpu_supports("avx512vbmi") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("bmi2");
#else
    return 0;
#endif
}

/* The one-row table (see ristra__gbdt_quant): 1 with it built, 0 when the
 * model or the CPU does not fit it, -1 when out of memory. */
static int build_row_table(ristra__gbdt_quant *q, const ristra__gbdt_layout *l)
{
    const uint32_t zero_column = 2u * (uint32_t)q->n_features;
    if (q->bin_bytes != 1 || zero_column >= RISTRA__ROW_TABLE_COLUMNS || !row_kernel_supported())
        return 0;
    for (int64_t t = 0; t < l->n_trees; t++)
        if (l->depth[t] > RISTRA__QUANT_MAX_DEPTH)
            return 0;
    const size_t bytes = (size_t)(l->n_trees ? l->n_trees : 1) * RISTRA__ROW_TABLE_BYTES;
    q->row_table = aligned_alloc(64, bytes);
    if (!q->row_table)
        return -1;
    for (int64_t t = 0; t < l->n_trees; t++) {
        uint8_t *column = q->row_table + t * RISTRA__ROW_TABLE_BYTES, *threshold = column + 64;
        memset(column, (int)zero_column, 64);
        memset(threshold, 0, 64);
        const int64_t n_splits = ((int64_t)1 << l->depth[t]) - 1;
        for (int64_t k = 0; k < n_splits; k++) {
            const int64_t p = l->offset[t] + k;
            column[k] = (uint8_t)(q->qoff[p] / RISTRA__GBDT_BLOCK_ROWS);
            threshold[k] = (uint8_t)q->qthr[p];
        }
    }
    return 1;
}

int ristra__gbdt_quant_build(ristra__gbdt_quant **out, const ristra__gbdt_layout *l,
                             const int32_t *feature_at, int64_t n_splits, int64_t n_features)
{
    *out = NULL;
    if (n_features > RISTRA__QUANT_MAX_FEATURES)
        return 0;
    ristra__gbdt_quant *q = calloc(1, sizeof *q);
    float *work = malloc((size_t)(n_splits + ((int64_t)1 << RISTRA__QUANT_MAX_CUT_DEPTH)) *
                         sizeof *work);
    if (!q || !work) {
        free(work);
        free(q);
        return -1;
    }
    q->n_features = n_features;
    q->bin_bytes = 1;
    q->cut_offset = calloc((size_t)(n_features ? n_features : 1), sizeof *q->cut_offset);
    q->cut_depth = calloc((size_t)(n_features ? n_features : 1), 1);
    q->qoff = calloc((size_t)(n_splits + RISTRA__LAYOUT_PAD), sizeof *q->qoff);
    q->qthr = calloc((size_t)(n_splits + RISTRA__LAYOUT_PAD), sizeof *q->qthr);
    int ok = q->cut_offset && q->cut_depth && q->qoff && q->qthr ? 1 : -1;
    if (ok == 1)
        ok = build_cuts(q, l, feature_at, n_splits, work);
    if (ok == 1) {
        build_splits(q, l, feature_at, n_splits, work);
        ok = build_row_table(q, l) < 0 ? -1 : 1;
    }
    free(work);
    if (ok != 1) {
        ristra__gbdt_quant_free(q);
        return ok;
    }
    *out = q;
    return 1;
}
