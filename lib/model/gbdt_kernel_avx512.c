/* The tree kernels in AVX-512.
 *
 * Bit-sliced (models whose quantised form exists, see gbdt_quant.c): the
 * block's values are first turned into 8-bit bins (16-bit when a feature
 * has more than 255 cuts), one column of 64 rows in one register (two). A
 * split then tests all 64 rows at once with one integer compare (two),
 * giving a 64-bit mask of the rows that would go right
 * at it. A complete tree is evaluated level by level: at level d each of
 * the 2^d splits gives its mask, and each row's own split is selected by
 * a multiplexer over the bits of the path taken so far (its position j,
 * held bit-sliced as one 64-bit mask per level), so a level costs a
 * compare and a select per split for 64 rows, with no gather. The bits
 * of j then form each row's leaf number, the leaf is picked by permutes
 * and added, tree by tree in model order, to the row's float accumulator.
 *
 * Rows in lanes (other models): sixteen rows of the block in the lanes of a
 * register, walked down a complete tree together (see gbdt_kernel.c for
 * the layout and gbdt_internal.h for the two-column block form).
 *
 * At level d every lane holds its row's position j in [0, 2^d). A level
 * of up to 64 splits sits in at most four registers, so a lane's
 * threshold and column offset come from in-register permutes; only deeper
 * levels, and each row's value of the column, are gathered from memory.
 * Then j = 2j + (x >= threshold), as in the scalar walk, and after D
 * levels the leaf is picked the same way and added to the row's float
 * accumulator: the same additions, in the same tree order, as the scalar
 * kernel and XGBoost, so the margins are the same bits. Up to four groups
 * of sixteen rows go down a tree at once, so that their gathers overlap. */
#include "gbdt_layout_internal.h"

#ifdef RISTRA__HAVE_X86_KERNELS
#include <immintrin.h>
#include <math.h>
#include <string.h>

#define TARGET __attribute__((target("avx512f,avx512bw")))
#define INLINE static inline __attribute__((always_inline)) TARGET

enum { LANES = 16, MAX_GROUPS = RISTRA__GBDT_BLOCK_ROWS / LANES };

/* p[j] for each lane, where the table p holds size entries (a power of two). */
INLINE __m512i lookup(const void *p, __m512i j, int size)
{
    const int32_t *q = p;
    if (size == 1)
        return _mm512_set1_epi32(q[0]);
    if (size <= 16)
        return _mm512_permutexvar_epi32(j, _mm512_loadu_si512(q));
    if (size == 32)
        return _mm512_permutex2var_epi32(_mm512_loadu_si512(q), j, _mm512_loadu_si512(q + 16));
    if (size == 64) {
        __m512i a = _mm512_permutex2var_epi32(_mm512_loadu_si512(q), j, _mm512_loadu_si512(q + 16));
        __m512i b = _mm512_permutex2var_epi32(_mm512_loadu_si512(q + 32), j,
                                              _mm512_loadu_si512(q + 48));
        return _mm512_mask_blend_epi32(_mm512_test_epi32_mask(j, _mm512_set1_epi32(32)), a, b);
    }
    return _mm512_i32gather_epi32(j, q, 4);
}

/* One complete tree of depth D for G groups of 16 rows starting at row r0;
 * mask[g] marks the rows of group g that exist. */
INLINE void walk(float *acc, const float *thr, const uint32_t *off, const float *leaves,
                 const float *x2, int64_t r0, const __mmask16 *mask, int depth, int groups)
{
    const __m512i lane_bytes = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44,
                                                 48, 52, 56, 60);
    const __m512i one = _mm512_set1_epi32(1);
    __m512i j[MAX_GROUPS], row[MAX_GROUPS];
    for (int g = 0; g < groups; g++) {
        j[g] = _mm512_setzero_si512();
        row[g] = _mm512_add_epi32(lane_bytes, _mm512_set1_epi32((int)((r0 + g * LANES) * 4)));
    }
    for (int d = 0; d < depth; d++) {
        const int size = 1 << d, first = size - 1;
        for (int g = 0; g < groups; g++) {
            __m512 t = _mm512_castsi512_ps(lookup(thr + first, j[g], size));
            __m512i o = _mm512_add_epi32(lookup(off + first, j[g], size), row[g]);
            __m512 x = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), mask[g], o, x2, 1);
            __mmask16 right = _mm512_cmp_ps_mask(x, t, _CMP_GE_OQ);
            __m512i twice = _mm512_add_epi32(j[g], j[g]);
            j[g] = _mm512_mask_add_epi32(twice, right, twice, one);
        }
    }
    for (int g = 0; g < groups; g++) {
        __m512 leaf = _mm512_castsi512_ps(lookup(leaves, j[g], 1 << depth));
        float *a = acc + r0 + g * LANES;
        _mm512_storeu_ps(a, _mm512_add_ps(_mm512_loadu_ps(a), leaf));
    }
}

#define DEPTH_CASE(D)                                                                         \
    case D:                                                                                   \
        walk(acc, thr, off, leaves, x2, r0, mask, D, G);                                      \
        break;

/* Every tree for G groups of rows; G is a constant at each call site. */
INLINE void trees(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t r0,
                  const __mmask16 *mask, int G)
{
    for (int64_t t = 0; t < l->n_trees; t++) {
        const float *thr = l->thresholds + l->offset[t];
        const uint32_t *off = l->offsets + l->offset[t];
        const float *leaves = l->leaves + l->leaf_offset[t];
        switch (l->depth[t]) {
        case 0: {
            const __m512 v = _mm512_set1_ps(leaves[0]);
            for (int g = 0; g < G; g++) {
                float *a = acc + r0 + g * LANES;
                _mm512_storeu_ps(a, _mm512_add_ps(_mm512_loadu_ps(a), v));
            }
            break;
        }
            DEPTH_CASE(1)
            DEPTH_CASE(2)
            DEPTH_CASE(3)
            DEPTH_CASE(4)
            DEPTH_CASE(5)
            DEPTH_CASE(6)
            DEPTH_CASE(7)
            DEPTH_CASE(8)
            DEPTH_CASE(9)
            DEPTH_CASE(10)
        default: {
            int64_t n = 0;
            for (int g = 0; g < G; g++)
                n += __builtin_popcount(mask[g]);
            ristra__gbdt_walk_general(acc + r0, l, t, x2 + r0, n);
            break;
        }
        }
    }
}

/* Tree t alone for the n rows of the block: by the rows-in-lanes walk
 * when it is complete, else by the scalar kernel. */
static TARGET void tree_in_lanes(float *acc, const ristra__gbdt_layout *l, int64_t t,
                                 const float *x2, int64_t n)
{
    const int depth = l->depth[t];
    if (depth == RISTRA__GENERAL_TREE || n != RISTRA__GBDT_BLOCK_ROWS) {
        ristra__gbdt_tree_scalar(acc, l, t, x2, n);
        return;
    }
    const __mmask16 mask[MAX_GROUPS] = { 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF };
    const float *thr = l->thresholds + l->offset[t];
    const uint32_t *off = l->offsets + l->offset[t];
    const float *leaves = l->leaves + l->leaf_offset[t];
    const int64_t r0 = 0;
    const int G = MAX_GROUPS;
    switch (depth) {
        DEPTH_CASE(1)
        DEPTH_CASE(2)
        DEPTH_CASE(3)
        DEPTH_CASE(4)
        DEPTH_CASE(5)
        DEPTH_CASE(6)
        DEPTH_CASE(7)
        DEPTH_CASE(8)
        DEPTH_CASE(9)
        DEPTH_CASE(10)
    default: break;
    }
}

/* ---- the bit-sliced kernel ---- */

/* Bins of the used features' columns of the block (rows past n binned as
 * zeros), and the zero column that dummy splits read. */
static TARGET void bin_block(void *bins, const ristra__gbdt_quant *q, const float *x2, int64_t n)
{
    const int64_t col = RISTRA__GBDT_BLOCK_ROWS * q->bin_bytes;
    const int64_t b = RISTRA__GBDT_BLOCK_ROWS;
    const __m512 neg_inf = _mm512_set1_ps(-INFINITY), pos_inf = _mm512_set1_ps(INFINITY);
    for (int64_t f = 0; f < q->n_features; f++) {
        const int depth = q->cut_depth[f];
        if (!depth)
            continue; /* no split reads it */
        const float *cuts = q->cuts + q->cut_offset[f];
        for (int c = 0; c < MAX_GROUPS; c++) {
            int64_t left = n - c * LANES;
            __mmask16 rows = left >= LANES ? (__mmask16)0xFFFF
                             : left > 0    ? (__mmask16)((1u << left) - 1)
                                           : (__mmask16)0;
            __m512 lo = _mm512_maskz_loadu_ps(rows, x2 + 2 * f * b + c * LANES);
            __m512 hi = _mm512_maskz_loadu_ps(rows, x2 + (2 * f + 1) * b + c * LANES);
            __m512i j = _mm512_setzero_si512();
            for (int d = 0; d < depth; d++) {
                const int size = 1 << d;
                __m512 t = _mm512_castsi512_ps(lookup(cuts + size - 1, j, size));
                __mmask16 right = _mm512_cmp_ps_mask(lo, t, _CMP_GE_OQ);
                j = _mm512_mask_add_epi32(_mm512_add_epi32(j, j), right, _mm512_add_epi32(j, j),
                                          _mm512_set1_epi32(1));
            }
            /* a missing value: bin 0 in the column that sends it left, the
             * top bin in the one that sends it right */
            __mmask16 missing = _mm512_cmp_ps_mask(lo, neg_inf, _CMP_EQ_OQ) &
                                _mm512_cmp_ps_mask(hi, pos_inf, _CMP_EQ_OQ);
            __m512i j_hi = _mm512_mask_mov_epi32(j, missing, _mm512_set1_epi32(0xFFFF));
            char *lo_bins = (char *)bins + 2 * f * col + c * LANES * q->bin_bytes;
            if (q->bin_bytes == 1) {
                _mm_storeu_si128((__m128i *)lo_bins, _mm512_cvtusepi32_epi8(j));
                _mm_storeu_si128((__m128i *)(lo_bins + col), _mm512_cvtusepi32_epi8(j_hi));
            } else {
                _mm256_storeu_si256((__m256i *)lo_bins, _mm512_cvtepi32_epi16(j));
                _mm256_storeu_si256((__m256i *)(lo_bins + col), _mm512_cvtepi32_epi16(j_hi));
            }
        }
    }
    memset((char *)bins + 2 * q->n_features * col, 0, (size_t)col);
}

/* The 64-bit mask of the block's rows that go right at split k, for bins
 * of width bytes. */
INLINE uint64_t split_mask(const char *bins, const uint32_t *qoff, const uint32_t *qthr, int k,
                           int width)
{
    const char *col = bins + qoff[k];
    const __m512i t = _mm512_set1_epi32((int)qthr[k]);
    if (width == 1)
        return _mm512_cmpge_epu8_mask(_mm512_load_si512(col), t);
    __mmask32 lo = _mm512_cmpge_epu16_mask(_mm512_load_si512(col), t);
    __mmask32 hi = _mm512_cmpge_epu16_mask(_mm512_load_si512(col + 64), t);
    return (uint64_t)lo | ((uint64_t)hi << 32);
}

/* One complete tree of the given depth for the 64 rows of the block. */
INLINE void qwalk(float *acc, const char *bins, const uint32_t *qoff, const uint32_t *qthr,
                  const float *leaves, int depth, int width)
{
    uint64_t path[RISTRA__QUANT_MAX_DEPTH];             /* path[d]: rows that went right at level d */
    uint64_t m[1 << (RISTRA__QUANT_MAX_DEPTH - 1)];
    /* fully unrolled (depth is a constant), so that m[] lives in registers */
#pragma GCC unroll 6
    for (int d = 0; d < depth; d++) {
        const int size = 1 << d;
#pragma GCC unroll 32
        for (int k = 0; k < size; k++)
            m[k] = split_mask(bins, qoff, qthr, size - 1 + k, width);
        /* select each row's split by the bits of j, last level first */
#pragma GCC unroll 6
        for (int s = 0; s < d; s++) {
            const uint64_t bit = path[d - 1 - s];
#pragma GCC unroll 16
            for (int k = 0; k < size >> (s + 1); k++)
                m[k] = m[2 * k] ^ ((m[2 * k] ^ m[2 * k + 1]) & bit);
        }
        path[d] = m[0];
    }
    __m512i leaf_no = _mm512_setzero_si512(); /* one byte a row */
#pragma GCC unroll 6
    for (int d = 0; d < depth; d++)
        leaf_no = _mm512_mask_add_epi8(leaf_no, (__mmask64)path[d], leaf_no,
                                       _mm512_set1_epi8((char)(1u << (depth - 1 - d))));
    /* Through memory rather than _mm512_extracti32x4_epi32(leaf_no, g): that
     * intrinsic needs an immediate, which an unoptimised build never folds g into. */
    uint8_t leaf_bytes[64];
    _mm512_storeu_si512(leaf_bytes, leaf_no);
    for (int g = 0; g < MAX_GROUPS; g++) {
        __m512i j = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)(leaf_bytes + 16 * g)));
        __m512 leaf = _mm512_castsi512_ps(lookup(leaves, j, 1 << depth));
        float *a = acc + g * LANES;
        _mm512_storeu_ps(a, _mm512_add_ps(_mm512_loadu_ps(a), leaf));
    }
}

#define QDEPTH_CASE(D)                                                                        \
    case D:                                                                                   \
        qwalk(acc, (const char *)bins, q->qoff + l->offset[t], q->qthr + l->offset[t],        \
              l->leaves + l->leaf_offset[t], D, W);                                           \
        break;

/* Every tree, for bins of W bytes (a constant at each call site). */
INLINE void trees_quant_w(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t n,
                          const void *bins, int W)
{
    const ristra__gbdt_quant *q = l->quant;
    for (int64_t t = 0; t < l->n_trees; t++) {
        switch (l->depth[t]) {
        case 0: {
            const __m512 v = _mm512_set1_ps(l->leaves[l->leaf_offset[t]]);
            for (int g = 0; g < MAX_GROUPS; g++)
                _mm512_storeu_ps(acc + g * LANES, _mm512_add_ps(_mm512_loadu_ps(acc + g * LANES), v));
            break;
        }
            QDEPTH_CASE(1)
            QDEPTH_CASE(2)
            QDEPTH_CASE(3)
            QDEPTH_CASE(4)
            QDEPTH_CASE(5)
            QDEPTH_CASE(6)
        default:
            tree_in_lanes(acc, l, t, x2, n);
            break;
        }
    }
}

static TARGET void trees_quant(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t n)
{
    _Alignas(64) char bins[(2 * RISTRA__QUANT_MAX_FEATURES + 1) * RISTRA__QUANT_MAX_COLUMN_BYTES];
    bin_block(bins, l->quant, x2, n);
    if (l->quant->bin_bytes == 1)
        trees_quant_w(acc, l, x2, n, bins, 1);
    else
        trees_quant_w(acc, l, x2, n, bins, 2);
}

/* ---- one row at a time (AVX-512 VBMI) ---- */

#define TARGET_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi,bmi2")))
#define INLINE_VBMI static inline __attribute__((always_inline)) TARGET_VBMI

/* The row's bins, as bin_block makes them for one row: byte 2f the bin of
 * feature f with missing values low, 2f + 1 with them high (255); the
 * rest, the zero column included, 0. Sixteen features at a time, each
 * lane walking its feature's cut tree (gathers; lanes whose tree is
 * shallower stop early). */
static TARGET_VBMI void bin_row(uint8_t *bins, const ristra__gbdt_quant *q, const float *x2)
{
    const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512i one = _mm512_set1_epi32(1);
    const __m512 neg_inf = _mm512_set1_ps(-INFINITY), pos_inf = _mm512_set1_ps(INFINITY);
    memset(bins, 0, RISTRA__ROW_TABLE_COLUMNS);
    for (int64_t f0 = 0; f0 < q->n_features; f0 += LANES) {
        const int64_t left = q->n_features - f0;
        const __mmask16 live = left >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
        const __m512i depth = _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(live, q->cut_depth + f0));
        const __m512i start = _mm512_maskz_loadu_epi32(live, q->cut_offset + f0);
        /* feature f's two columns: floats 2f * 64 and (2f + 1) * 64 of the block */
        const __m512i col = _mm512_slli_epi32(_mm512_add_epi32(iota, _mm512_set1_epi32((int)f0)), 7);
        const __m512 lo = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), live, col, x2, 4);
        const __m512 hi = _mm512_mask_i32gather_ps(
            _mm512_setzero_ps(), live, _mm512_add_epi32(col, _mm512_set1_epi32(RISTRA__GBDT_BLOCK_ROWS)),
            x2, 4);
        const int max_depth = _mm512_reduce_max_epi32(_mm512_maskz_mov_epi32(live, depth));
        __m512i j = _mm512_setzero_si512();
        for (int d = 0; d < max_depth; d++) {
            const __mmask16 active = _mm512_mask_cmpgt_epi32_mask(live, depth, _mm512_set1_epi32(d));
            const __m512i at = _mm512_add_epi32(_mm512_add_epi32(start, j),
                                                _mm512_set1_epi32((1 << d) - 1));
            const __m512 t = _mm512_mask_i32gather_ps(pos_inf, active, at, q->cuts, 4);
            const __mmask16 right = _mm512_mask_cmp_ps_mask(active, lo, t, _CMP_GE_OQ);
            j = _mm512_mask_add_epi32(j, active, j, j);
            j = _mm512_mask_add_epi32(j, right, j, one);
        }
        const __mmask16 missing = _mm512_cmp_ps_mask(lo, neg_inf, _CMP_EQ_OQ) &
                                  _mm512_cmp_ps_mask(hi, pos_inf, _CMP_EQ_OQ);
        const __m512i j_hi = _mm512_mask_mov_epi32(j, missing, _mm512_set1_epi32(255));
        const __m512i pair = _mm512_or_si512(j, _mm512_slli_epi32(j_hi, 8));
        _mm256_mask_storeu_epi16(bins + 2 * f0, live, _mm512_cvtepi32_epi16(pair));
    }
}

/* The position reached after three levels of a complete subtree, from its
 * seven split bits in breadth-first order (bit 0 its root). */
static const uint8_t PATH3[128] = {
    0, 4, 2, 4, 0, 6, 2, 6, 1, 4, 2, 4, 1, 6, 2, 6, 0, 4, 3, 4, 0, 6, 3, 6, 1, 4, 3, 4, 1, 6,
    3, 6, 0, 5, 2, 5, 0, 6, 2, 6, 1, 5, 2, 5, 1, 6, 2, 6, 0, 5, 3, 5, 0, 6, 3, 6, 1, 5, 3, 5,
    1, 6, 3, 6, 0, 4, 2, 4, 0, 7, 2, 7, 1, 4, 2, 4, 1, 7, 2, 7, 0, 4, 3, 4, 0, 7, 3, 7, 1, 4,
    3, 4, 1, 7, 3, 7, 0, 5, 2, 5, 0, 7, 2, 7, 1, 5, 2, 5, 1, 7, 2, 7, 0, 5, 3, 5, 0, 7, 3, 7,
    1, 5, 3, 5, 1, 7, 3, 7
};

/* In a depth-6 tree, the split bits of the subtree under level-3 position j
 * (its root, two children and four grandchildren, in that order when
 * gathered by pext). */
#define SUBTREE3(j) ((1ull << (7 + (j))) | (3ull << (15 + 2 * (j))) | (15ull << (31 + 4 * (j))))
static const uint64_t SUBTREE3_BITS[8] = { SUBTREE3(0), SUBTREE3(1), SUBTREE3(2), SUBTREE3(3),
                                           SUBTREE3(4), SUBTREE3(5), SUBTREE3(6), SUBTREE3(7) };

/* The leaf number of one tree of the given depth: every split's bin
 * fetched by one permute and decided by one compare; then the path read
 * from those bits, three levels a table look-up for depth 6, else level
 * by level. */
INLINE_VBMI uint32_t row_leaf(const uint8_t *table, __m512i bins_lo, __m512i bins_hi, int depth)
{
    const __m512i column = _mm512_load_si512(table), threshold = _mm512_load_si512(table + 64);
    const __m512i v = _mm512_permutex2var_epi8(bins_lo, column, bins_hi);
    const uint64_t right = _mm512_cmpge_epu8_mask(v, threshold);
    if (depth == 6) {
        const uint32_t top = PATH3[right & 0x7f];
        return top * 8 + PATH3[_pext_u64(right, SUBTREE3_BITS[top])];
    }
    uint32_t i = 0;
    for (int d = 0; d < depth; d++)
        i = 2 * i + 1 + (uint32_t)((right >> i) & 1u);
    return i - ((1u << depth) - 1);
}

#define ROW_CASE(D)                                                                           \
    case D:                                                                                   \
        a += leaves[row_leaf(table, bins_lo, bins_hi, D)];                                    \
        break;

/* Every tree for row 0 of x2 (the block form), adding leaves in model order. */
static TARGET_VBMI float trees_row(float a, const ristra__gbdt_layout *l, const float *x2)
{
    const ristra__gbdt_quant *q = l->quant;
    _Alignas(64) uint8_t bins[RISTRA__ROW_TABLE_COLUMNS];
    bin_row(bins, q, x2);
    const __m512i bins_lo = _mm512_load_si512(bins), bins_hi = _mm512_load_si512(bins + 64);
    for (int64_t t = 0; t < l->n_trees; t++) {
        const uint8_t *table = q->row_table + t * RISTRA__ROW_TABLE_BYTES;
        const float *leaves = l->leaves + l->leaf_offset[t];
        switch (l->depth[t]) {
        case 0: a += leaves[0]; break;
            ROW_CASE(1)
            ROW_CASE(2)
            ROW_CASE(3)
            ROW_CASE(4)
            ROW_CASE(5)
            ROW_CASE(6)
        default: break; /* no row table for deeper trees */
        }
    }
    return a;
}

/* ---- dispatch ---- */

/* Below this many rows the one-row kernel, row after row, beats the
 * bit-sliced kernel, whose cost is that of a whole block of 64 rows. */
enum { ROW_KERNEL_MAX_ROWS = 20 };

TARGET void ristra__gbdt_trees_avx512(float *acc, const ristra__gbdt_layout *l, const float *x2,
                                      int64_t n)
{
    /* The bit-sliced kernel costs the same for any rows up to 64; for a
     * few rows the one-row kernel, or else the scalar walk, trees together,
     * is faster. */
    if (l->quant && l->quant->row_table && n < ROW_KERNEL_MAX_ROWS) {
        for (int64_t r = 0; r < n; r++)
            acc[r] = trees_row(acc[r], l, x2 + r);
        return;
    }
    if (n < LANES) {
        ristra__gbdt_trees_scalar(acc, l, x2, n);
        return;
    }
    if (l->quant) {
        trees_quant(acc, l, x2, n);
        return;
    }
    __mmask16 mask[MAX_GROUPS];
    int groups = (int)((n + LANES - 1) / LANES);
    for (int g = 0; g < groups; g++) {
        int64_t left = n - g * LANES;
        mask[g] = left >= LANES ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1);
    }
    switch (groups) {
    case 4: trees(acc, l, x2, 0, mask, 4); break;
    case 3: trees(acc, l, x2, 0, mask, 3); break;
    case 2: trees(acc, l, x2, 0, mask, 2); break;
    case 1: trees(acc, l, x2, 0, mask, 1); break;
    default: break;
    }
}
#endif
