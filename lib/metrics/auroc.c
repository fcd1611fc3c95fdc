/* Discrimination: AUROC with DeLong's variance, and average precision, each
 * one walk over scores sorted highest first, a block of tied scores at a
 * time, so that ties are exact and nothing costs more than the sort. */
#include <math.h>
#include <stdlib.h>

#include "metrics_internal.h"

/* The end of the block of scores equal to score[i]. */
static int64_t tie_block_end(const double *score, int64_t i, int64_t n)
{
    int64_t j = i + 1;
    while (j < n && score[j] == score[i])
        j++;
    return j;
}

static void count_block(int64_t *pos, int64_t *neg, const uint8_t *outcome, int64_t i, int64_t j)
{
    int64_t p = 0;
    for (int64_t k = i; k < j; k++)
        p += outcome[k] != 0;
    *pos = p;
    *neg = (j - i) - p;
}

/*
 * Placement values (DeLong 1988) by midranks (Sun & Xu 2014): a positive's
 * placement is the fraction of negatives it outscores, ties counting one
 * half; a negative's is the fraction of positives that outscore it, ties
 * counting one half. Every member of a block of tied scores shares one
 * value, so the walk works on blocks: with pos_above / neg_above the
 * positives and negatives scored strictly higher,
 *   V10 = (n_neg - neg_above - neg_in_block / 2) / n_neg,
 *   V01 = (pos_above + pos_in_block / 2) / n_pos.
 * The AUROC is the mean V10 (= the mean V01); the variance is
 * var(V10) / n_pos + var(V01) / n_neg with sample variances.
 */
void ristra__delong_sorted(ristra__delong *out, const double *score_desc,
                           const uint8_t *outcome, int64_t n)
{
    out->auroc = NAN;
    out->variance = NAN;
    int64_t n_pos = 0;
    for (int64_t i = 0; i < n; i++)
        n_pos += outcome[i] != 0;
    int64_t n_neg = n - n_pos;
    if (n_pos == 0 || n_neg == 0)
        return;
    double sum_v10 = 0.0;
    int64_t neg_above = 0;
    for (int64_t i = 0, j; i < n; i = j) {
        j = tie_block_end(score_desc, i, n);
        int64_t pos, neg;
        count_block(&pos, &neg, outcome, i, j);
        sum_v10 += (double)pos * ((double)(n_neg - neg_above) - 0.5 * (double)neg);
        neg_above += neg;
    }
    double theta = sum_v10 / ((double)n_pos * (double)n_neg);
    out->auroc = theta;
    if (n_pos < 2 || n_neg < 2)
        return;
    double ss10 = 0.0, ss01 = 0.0;
    int64_t pos_above = 0;
    neg_above = 0;
    for (int64_t i = 0, j; i < n; i = j) {
        j = tie_block_end(score_desc, i, n);
        int64_t pos, neg;
        count_block(&pos, &neg, outcome, i, j);
        double v10 = ((double)(n_neg - neg_above) - 0.5 * (double)neg) / (double)n_neg - theta;
        double v01 = ((double)pos_above + 0.5 * (double)pos) / (double)n_pos - theta;
        ss10 += (double)pos * v10 * v10;
        ss01 += (double)neg * v01 * v01;
        pos_above += pos;
        neg_above += neg;
    }
    out->variance = ss10 / (double)(n_pos - 1) / (double)n_pos
                  + ss01 / (double)(n_neg - 1) / (double)n_neg;
}

/* sum over blocks of (recall gained) * (precision at the block's threshold). */
double ristra__average_precision_sorted(const double *score_desc, const uint8_t *outcome,
                                        int64_t n)
{
    int64_t n_pos = 0;
    for (int64_t i = 0; i < n; i++)
        n_pos += outcome[i] != 0;
    if (n_pos == 0)
        return NAN;
    double ap = 0.0;
    int64_t tp = 0;
    for (int64_t i = 0, j; i < n; i = j) {
        j = tie_block_end(score_desc, i, n);
        int64_t pos, neg;
        count_block(&pos, &neg, outcome, i, j);
        tp += pos;
        if (pos > 0)
            ap += (double)pos / (double)n_pos * ((double)tp / (double)j);
    }
    return ap;
}

double ristra__auroc(const double *score, const uint8_t *outcome, int64_t n)
{
    size_t count = (size_t)(n > 0 ? n : 1);
    uint64_t *payload = malloc(count * sizeof *payload);
    double *s = malloc(count * sizeof *s);
    uint8_t *y = malloc(count);
    ristra__delong d = { NAN, NAN };
    if (payload && s && y) {
        for (int64_t i = 0; i < n; i++)
            payload[i] = outcome[i] != 0;
        if (ristra__sort_descending(s, payload, score, n) == 0) {
            for (int64_t i = 0; i < n; i++)
                y[i] = (uint8_t)payload[i];
            ristra__delong_sorted(&d, s, y, n);
        }
    }
    free(payload), free(s), free(y);
    return d.auroc;
}
