/* The tree kernel in AVX2: eight rows of the block in the lanes of a
 * register, walked down a complete tree together. The same walk as the
 * AVX-512 kernel (see gbdt_kernel_avx512.c) with half the lanes: levels of
 * up to 16 splits are looked up by in-register permutes, deeper ones and
 * each row's value are gathered; leaves are added in tree order, so the
 * margins are the scalar kernel's bits. Up to four groups of eight rows
 * go down a tree at once. Trees deeper than 6 go to the scalar walk: with
 * AVX2's gathers their deep levels measured slower than it. */
#include "gbdt_layout_internal.h"

#ifdef RISTRA__HAVE_X86_KERNELS
#include <immintrin.h>

#define TARGET __attribute__((target("avx2")))
#define INLINE static inline __attribute__((always_inline)) TARGET

enum { LANES = 8, MAX_GROUPS = 4 };

/* p[j] for each lane, where the table p holds size entries (a power of two). */
INLINE __m256i lookup(const void *p, __m256i j, int size)
{
    const int32_t *q = p;
    if (size == 1)
        return _mm256_set1_epi32(q[0]);
    if (size <= 8)
        return _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)q), j);
    if (size == 16) {
        __m256i a = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)q), j);
        __m256i b = _mm256_permutevar8x32_epi32(_mm256_loadu_si256((const __m256i *)(q + 8)), j);
        __m256 high = _mm256_castsi256_ps(_mm256_slli_epi32(j, 28)); /* bit 3 to the sign */
        return _mm256_castps_si256(
            _mm256_blendv_ps(_mm256_castsi256_ps(a), _mm256_castsi256_ps(b), high));
    }
    return _mm256_i32gather_epi32(q, j, 4);
}

/* One complete tree of depth D for G groups of 8 rows starting at row r0;
 * mask[g] (all ones in a lane whose row exists) marks group g's rows. */
INLINE void walk(float *acc, const float *thr, const uint32_t *off, const float *leaves,
                 const float *x2, int64_t r0, const __m256 *mask, int depth, int groups)
{
    const __m256i lane_bytes = _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28);
    __m256i j[MAX_GROUPS], row[MAX_GROUPS];
    for (int g = 0; g < groups; g++) {
        j[g] = _mm256_setzero_si256();
        row[g] = _mm256_add_epi32(lane_bytes, _mm256_set1_epi32((int)((r0 + g * LANES) * 4)));
    }
    for (int d = 0; d < depth; d++) {
        const int size = 1 << d, first = size - 1;
        for (int g = 0; g < groups; g++) {
            __m256 t = _mm256_castsi256_ps(lookup(thr + first, j[g], size));
            __m256i o = _mm256_add_epi32(lookup(off + first, j[g], size), row[g]);
            __m256 x = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), x2, o, mask[g], 1);
            __m256i right = _mm256_castps_si256(_mm256_cmp_ps(x, t, _CMP_GE_OQ)); /* -1 or 0 */
            j[g] = _mm256_sub_epi32(_mm256_add_epi32(j[g], j[g]), right);
        }
    }
    for (int g = 0; g < groups; g++) {
        __m256 leaf = _mm256_castsi256_ps(lookup(leaves, j[g], 1 << depth));
        float *a = acc + r0 + g * LANES;
        _mm256_storeu_ps(a, _mm256_add_ps(_mm256_loadu_ps(a), leaf));
    }
}

#define DEPTH_CASE(D)                                                                         \
    case D:                                                                                   \
        walk(acc, thr, off, leaves, x2, r0, mask, D, G);                                      \
        break;

/* Every tree for the G groups of rows from r0, rows in all (G is a
 * constant at each call site). */
INLINE void trees(float *acc, const ristra__gbdt_layout *l, const float *x2, int64_t r0,
                  int64_t rows, const __m256 *mask, int G)
{
    for (int64_t t = 0; t < l->n_trees; t++) {
        const float *thr = l->thresholds + l->offset[t];
        const uint32_t *off = l->offsets + l->offset[t];
        const float *leaves = l->leaves + l->leaf_offset[t];
        switch (l->depth[t]) {
        case 0: {
            const __m256 v = _mm256_set1_ps(leaves[0]);
            for (int g = 0; g < G; g++) {
                float *a = acc + r0 + g * LANES;
                _mm256_storeu_ps(a, _mm256_add_ps(_mm256_loadu_ps(a), v));
            }
            break;
        }
            DEPTH_CASE(1)
            DEPTH_CASE(2)
            DEPTH_CASE(3)
            DEPTH_CASE(4)
            DEPTH_CASE(5)
            DEPTH_CASE(6)
        default: /* deeper levels would be all gathers, slower than the scalar walk */
            ristra__gbdt_tree_scalar(acc + r0, l, t, x2 + r0, rows);
            break;
        }
    }
}

TARGET void ristra__gbdt_trees_avx2(float *acc, const ristra__gbdt_layout *l, const float *x2,
                                    int64_t n)
{
    if (n < LANES) { /* a few rows: the scalar walk, trees together, is faster */
        ristra__gbdt_trees_scalar(acc, l, x2, n);
        return;
    }
    /* Passes of 32 rows, each over every tree in order. */
    for (int64_t r0 = 0; r0 < n; r0 += MAX_GROUPS * LANES) {
        __m256 mask[MAX_GROUPS];
        int64_t rows = n - r0 < MAX_GROUPS * LANES ? n - r0 : MAX_GROUPS * LANES;
        int groups = (int)((rows + LANES - 1) / LANES);
        for (int g = 0; g < groups; g++) {
            __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
            __m256i left = _mm256_set1_epi32((int)(rows - g * LANES));
            mask[g] = _mm256_castsi256_ps(_mm256_cmpgt_epi32(left, lane));
        }
        switch (groups) {
        case 4: trees(acc, l, x2, r0, rows, mask, 4); break;
        case 3: trees(acc, l, x2, r0, rows, mask, 3); break;
        case 2: trees(acc, l, x2, r0, rows, mask, 2); break;
        case 1: trees(acc, l, x2, r0, rows, mask, 1); break;
        default: break;
        }
    }
}
#endif
