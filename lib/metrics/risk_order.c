/* Ranking patients by risk: a stable LSD radix sort on the bits of the
 * doubles that carries a payload along, so that a million risks order in a
 * few milliseconds, ties keep their input order without a tie-break, and
 * nothing has to be gathered from the input in sorted order afterwards. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "metrics_internal.h"

int ristra__sort_descending(double *score_out, uint64_t *payload, const double *score,
                            int64_t n)
{
    size_t count = (size_t)(n > 0 ? n : 1);
    uint64_t *key = malloc(count * sizeof *key), *key_tmp = malloc(count * sizeof *key_tmp);
    uint64_t *pay_tmp = malloc(count * sizeof *pay_tmp);
    int64_t(*histogram)[RISTRA__RADIX] = calloc(RISTRA__N_DIGITS, sizeof *histogram);
    if (!key || !key_tmp || !pay_tmp || !histogram) {
        free(key), free(key_tmp), free(pay_tmp), free(histogram);
        return ristra__oom();
    }
    for (int64_t i = 0; i < n; i++) {
        key[i] = ristra__descending_key(score[i]);
        for (int d = 0; d < RISTRA__N_DIGITS; d++)
            histogram[d][ristra__radix_digit(key[i], d)]++;
    }
    uint64_t *k_src = key, *k_dst = key_tmp, *p_src = payload, *p_dst = pay_tmp;
    for (int d = 0; d < RISTRA__N_DIGITS; d++) {
        if (!ristra__radix_offsets(histogram[d], n ? k_src[0] : 0, d, n))
            continue;
        for (int64_t i = 0; i < n; i++) {
            int64_t at = histogram[d][ristra__radix_digit(k_src[i], d)]++;
            k_dst[at] = k_src[i];
            p_dst[at] = p_src[i];
        }
        uint64_t *t = k_src;
        k_src = k_dst, k_dst = t;
        t = p_src, p_src = p_dst, p_dst = t;
    }
    for (int64_t i = 0; i < n; i++)
        score_out[i] = ristra__key_value(k_src[i]);
    if (p_src != payload)
        memcpy(payload, p_src, (size_t)n * sizeof *payload);
    free(key), free(key_tmp), free(pay_tmp), free(histogram);
    return RISTRA_OK;
}

int64_t ristra__cut_count(double fraction, int64_t n)
{
    double k = ceil(fraction * (double)n * (1.0 - 1e-12));
    return k > (double)n ? n : (int64_t)k;
}
