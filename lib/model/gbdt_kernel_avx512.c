/* The tree kernel in AVX-512: sixteen rows of the block in the lanes of a
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

#define TARGET __attribute__((target("avx512f")))
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

TARGET void ristra__gbdt_trees_avx512(float *acc, const ristra__gbdt_layout *l, const float *x2,
                                      int64_t n)
{
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
