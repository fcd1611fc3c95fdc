/* Ranking patients by risk: a stable radix sort on the bits of the doubles,
 * so that a million risks order in a few milliseconds and ties keep their
 * input order without a comparison-based tie-break. */
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "metrics_internal.h"

/* An unsigned key that orders like the double, highest first. Adding 0.0
 * turns -0.0 into 0.0 so that the two tie. */
static uint64_t descending_key(double x)
{
    uint64_t u;
    x += 0.0;
    memcpy(&u, &x, sizeof u);
    u = (u >> 63) ? ~u : (u | UINT64_C(0x8000000000000000));
    return ~u;
}

enum { DIGIT_BITS = 8, N_DIGITS = 64 / DIGIT_BITS, RADIX = 1 << DIGIT_BITS };

int ristra__order_descending(int64_t *order, const double *score, int64_t n)
{
    size_t count = (size_t)(n > 0 ? n : 1);
    uint64_t *key = malloc(count * sizeof *key), *key_tmp = malloc(count * sizeof *key_tmp);
    int64_t *idx_tmp = malloc(count * sizeof *idx_tmp);
    int64_t(*histogram)[RADIX] = calloc(N_DIGITS, sizeof *histogram);
    if (!key || !key_tmp || !idx_tmp || !histogram) {
        free(key), free(key_tmp), free(idx_tmp), free(histogram);
        return ristra__oom();
    }
    for (int64_t i = 0; i < n; i++) {
        key[i] = descending_key(score[i]);
        order[i] = i;
        for (int d = 0; d < N_DIGITS; d++)
            histogram[d][(key[i] >> (d * DIGIT_BITS)) & (RADIX - 1)]++;
    }
    uint64_t *k_src = key, *k_dst = key_tmp;
    int64_t *i_src = order, *i_dst = idx_tmp;
    for (int d = 0; d < N_DIGITS; d++) {
        int shift = d * DIGIT_BITS;
        if (n == 0 || histogram[d][(k_src[0] >> shift) & (RADIX - 1)] == n)
            continue; /* every key has the same digit here: the pass would not move anything */
        int64_t start = 0;
        for (int b = 0; b < RADIX; b++) {
            int64_t c = histogram[d][b];
            histogram[d][b] = start;
            start += c;
        }
        for (int64_t i = 0; i < n; i++) {
            int64_t at = histogram[d][(k_src[i] >> shift) & (RADIX - 1)]++;
            k_dst[at] = k_src[i];
            i_dst[at] = i_src[i];
        }
        uint64_t *kt = k_src;
        k_src = k_dst, k_dst = kt;
        int64_t *it = i_src;
        i_src = i_dst, i_dst = it;
    }
    if (i_src != order)
        memcpy(order, i_src, (size_t)n * sizeof *order);
    free(key), free(key_tmp), free(idx_tmp), free(histogram);
    return RISTRA_OK;
}
