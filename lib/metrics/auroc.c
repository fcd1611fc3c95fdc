/* AUROC by sorting: O(n log n), ties handled exactly. */
#include <math.h>
#include <stdlib.h>

#include "metrics_internal.h"

typedef struct scored {
    double score;
    uint8_t outcome;
} scored;

static int by_score(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return (x > y) - (x < y);
}

double ristra__auroc(const double *score, const uint8_t *outcome, int64_t n)
{
    scored *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return NAN;
    for (int64_t i = 0; i < n; i++) {
        v[i].score = score[i];
        v[i].outcome = outcome[i] != 0;
    }
    qsort(v, (size_t)n, sizeof *v, by_score);
    /* Walk groups of equal scores upwards: each positive beats every
     * negative below its group and ties with half of those in it. */
    double wins = 0.0, negatives_below = 0.0, positives = 0.0;
    for (int64_t i = 0; i < n;) {
        int64_t j = i;
        double pos = 0.0, neg = 0.0;
        while (j < n && v[j].score == v[i].score) {
            if (v[j].outcome)
                pos += 1.0;
            else
                neg += 1.0;
            j++;
        }
        wins += pos * negatives_below + 0.5 * pos * neg;
        negatives_below += neg;
        positives += pos;
        i = j;
    }
    free(v);
    if (positives == 0.0 || negatives_below == 0.0)
        return NAN;
    return wins / (positives * negatives_below);
}
