/* Ranks, percentiles, tiers and per-practice figures of a scored population.
 *
 * One sort serves everything: all patients are ordered by risk (a stable
 * LSD radix sort on the bits of the doubles, 32-bit payloads to keep the
 * memory at 24 bytes a patient while it runs), blocks of tied risks are
 * then ordered by NHS number, and a stable counting sort by practice code
 * splits that one order into each practice's ranked list, so a practice's
 * patients come out already ranked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "../metrics/metrics_internal.h"
#include "stratify_internal.h"

/* ------------------------------------------------------------ sorting */

static const uint64_t SIGN = UINT64_C(0x8000000000000000);

/* An unsigned key that orders like the double, highest first (as in
 * metrics/risk_order.c); -0.0 ties with 0.0. */
static uint64_t descending_key(double x)
{
    uint64_t u;
    x += 0.0;
    memcpy(&u, &x, sizeof u);
    return ~((u & SIGN) ? ~u : (u | SIGN));
}

enum { DIGIT_BITS = 8, N_DIGITS = 64 / DIGIT_BITS, RADIX = 1 << DIGIT_BITS };

static unsigned digit(uint64_t key, int d)
{
    return (unsigned)(key >> (d * DIGIT_BITS)) & (RADIX - 1);
}

/* Sorts key[0..n) ascending, carrying idx along (stable). The sorted arrays
 * come back through *key and *idx, which may be swapped with the scratch
 * (the other pair is freed). */
static int radix_sort(uint64_t **key_io, uint32_t **idx_io, int64_t n)
{
    size_t count = (size_t)(n > 0 ? n : 1);
    uint64_t *key_tmp = malloc(count * sizeof *key_tmp);
    uint32_t *idx_tmp = malloc(count * sizeof *idx_tmp);
    int64_t(*histogram)[RADIX] = calloc(N_DIGITS, sizeof *histogram);
    if (!key_tmp || !idx_tmp || !histogram) {
        free(key_tmp), free(idx_tmp), free(histogram);
        return ristra__oom();
    }
    uint64_t *k_src = *key_io, *k_dst = key_tmp;
    uint32_t *i_src = *idx_io, *i_dst = idx_tmp;
    for (int64_t i = 0; i < n; i++)
        for (int d = 0; d < N_DIGITS; d++)
            histogram[d][digit(k_src[i], d)]++;
    for (int d = 0; d < N_DIGITS; d++) {
        if (n == 0 || histogram[d][digit(k_src[0], d)] == n)
            continue; /* one digit value for everyone: nothing would move */
        int64_t start = 0;
        for (int b = 0; b < RADIX; b++) {
            int64_t c = histogram[d][b];
            histogram[d][b] = start;
            start += c;
        }
        for (int64_t i = 0; i < n; i++) {
            int64_t at = histogram[d][digit(k_src[i], d)]++;
            k_dst[at] = k_src[i];
            i_dst[at] = i_src[i];
        }
        uint64_t *kt = k_src;
        k_src = k_dst, k_dst = kt;
        uint32_t *it = i_src;
        i_src = i_dst, i_dst = it;
    }
    free(k_dst), free(i_dst), free(histogram);
    *key_io = k_src;
    *idx_io = i_src;
    return RISTRA_OK;
}

typedef struct tie_entry {
    uint64_t nhs_number;
    uint32_t code_rank;
    uint32_t idx;
} tie_entry;

static int compare_ties(const void *a, const void *b)
{
    const tie_entry *x = a, *y = b;
    if (x->nhs_number != y->nhs_number)
        return x->nhs_number < y->nhs_number ? -1 : 1;
    if (x->code_rank != y->code_rank)
        return x->code_rank < y->code_rank ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Orders each block of equal keys by NHS number, then practice code (then
 * input position, which only separates rows that are alike in all three). */
static int break_ties(uint32_t *idx, const uint64_t *key, int64_t n, const ristra__scored *s,
                      const uint32_t *code_rank)
{
    tie_entry *tmp = NULL;
    int64_t cap = 0;
    for (int64_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && key[j] == key[i]; j++)
            ;
        int64_t len = j - i;
        if (len < 2)
            continue;
        if (len > cap) {
            free(tmp);
            cap = len;
            tmp = malloc((size_t)cap * sizeof *tmp);
            if (!tmp)
                return ristra__oom();
        }
        for (int64_t k = 0; k < len; k++) {
            uint32_t p = idx[i + k];
            tmp[k] = (tie_entry){ s->nhs_number[p], code_rank[s->practice[p]], p };
        }
        qsort(tmp, (size_t)len, sizeof *tmp, compare_ties);
        for (int64_t k = 0; k < len; k++)
            idx[i + k] = tmp[k].idx;
    }
    free(tmp);
    return RISTRA_OK;
}

/* ------------------------------------------------------------ figures */

/* Neumaier's compensated sum: the sum of a million risks to the last bit
 * or so, whatever their order. */
typedef struct compensated_sum {
    double sum, carry;
} compensated_sum;

static void sum_add(compensated_sum *s, double x)
{
    double t = s->sum + x;
    if (fabs(s->sum) >= fabs(x))
        s->carry += (s->sum - t) + x;
    else
        s->carry += (x - t) + s->sum;
    s->sum = t;
}

static double sum_value(const compensated_sum *s)
{
    return s->sum + s->carry;
}

/* AUROC and observed events of patients idx[0..n) (ranked), with the known
 * outcomes gathered into the scratch arrays. */
static void discrimination(double *auroc, int64_t *observed, const uint32_t *idx, int64_t n,
                           const ristra__scored *s, double *risk_tmp, uint8_t *y_tmp)
{
    int64_t known = 0, events = 0;
    for (int64_t i = 0; i < n; i++) {
        uint8_t y = s->outcome[idx[i]];
        if (y == RISTRA__OUTCOME_UNKNOWN)
            continue;
        risk_tmp[known] = s->risk[idx[i]];
        y_tmp[known++] = y;
        events += y;
    }
    ristra__delong d;
    ristra__delong_sorted(&d, risk_tmp, y_tmp, known);
    *auroc = d.auroc;
    *observed = events;
}

typedef struct code_entry {
    const char *code;
    int32_t practice;
} code_entry;

static int compare_codes(const void *a, const void *b)
{
    return strcmp(((const code_entry *)a)->code, ((const code_entry *)b)->code);
}

/* code_rank[practice index] = position of its code in sorted order; and
 * by_rank[position] = practice index. */
static int rank_codes(uint32_t *code_rank, int32_t *by_rank, const ristra__scored *s)
{
    code_entry *e = malloc((size_t)(s->n_practices > 0 ? s->n_practices : 1) * sizeof *e);
    if (!e)
        return ristra__oom();
    for (int32_t p = 0; p < s->n_practices; p++)
        e[p] = (code_entry){ s->practice_code[p], p };
    qsort(e, (size_t)s->n_practices, sizeof *e, compare_codes);
    for (int32_t r = 0; r < s->n_practices; r++) {
        code_rank[e[r].practice] = (uint32_t)r;
        by_rank[r] = e[r].practice;
    }
    free(e);
    return RISTRA_OK;
}

static void practice_figures(ristra__stratification *st, const ristra__scored *s,
                             double *risk_tmp, uint8_t *y_tmp)
{
    for (int32_t r = 0; r < st->n_practices; r++) {
        ristra__practice_stats *ps = &st->practice[r];
        const uint32_t *idx = st->order + ps->first;
        int64_t prev = 0;
        for (int k = 0; k < s->n_tiers; k++) {
            ps->tier_end[k] = ristra__cut_count(s->tier_cut[k], ps->list_size);
            ps->tier_count[k] = ps->tier_end[k] - prev;
            prev = ps->tier_end[k];
            st->tier_count[k] += ps->tier_count[k];
        }
        compensated_sum sum = { 0.0, 0.0 };
        for (int64_t i = 0; i < ps->list_size; i++)
            sum_add(&sum, s->risk[idx[i]]);
        ps->expected = sum_value(&sum);
        ps->observed = -1;
        ps->auroc = NAN;
        if (s->outcome)
            discrimination(&ps->auroc, &ps->observed, idx, ps->list_size, s, risk_tmp, y_tmp);
    }
}

/* ------------------------------------------------------------ the whole */

void ristra__stratification_free(ristra__stratification *st)
{
    if (!st)
        return;
    free(st->order);
    free(st->overall_rank);
    free(st->practice);
    memset(st, 0, sizeof *st);
}

/* Everyone in ranked order: idx (allocated here) by risk, ties broken. */
static int rank_everyone(uint32_t **idx_out, const ristra__scored *s, const uint32_t *code_rank)
{
    size_t count = (size_t)(s->n > 0 ? s->n : 1);
    uint64_t *key = malloc(count * sizeof *key);
    uint32_t *idx = malloc(count * sizeof *idx);
    if (!key || !idx) {
        free(key), free(idx);
        return ristra__oom();
    }
    for (int64_t i = 0; i < s->n; i++) {
        key[i] = descending_key(s->risk[i]);
        idx[i] = (uint32_t)i;
    }
    int rc = radix_sort(&key, &idx, s->n);
    if (!rc)
        rc = break_ties(idx, key, s->n, s, code_rank);
    free(key);
    if (rc)
        free(idx);
    else
        *idx_out = idx;
    return rc;
}

int ristra__stratify(ristra__stratification *out, const ristra__scored *s)
{
    memset(out, 0, sizeof *out);
    if (s->n < 0 || (uint64_t)s->n > UINT32_MAX)
        return ristra__error(RISTRA_EINVAL, "%lld patients: at most %lu can be ranked at once",
                             (long long)s->n, (unsigned long)UINT32_MAX);
    const int64_t n = s->n;
    const size_t count = (size_t)(n > 0 ? n : 1);
    const size_t n_prac = (size_t)(s->n_practices > 0 ? s->n_practices : 1);
    out->n = n;
    out->n_practices = s->n_practices;
    out->n_tiers = s->n_tiers;
    out->observed = -1;
    out->auroc = NAN;
    uint32_t *code_rank = malloc(n_prac * sizeof *code_rank), *idx = NULL;
    int32_t *by_rank = malloc(n_prac * sizeof *by_rank);
    int64_t *start = calloc(n_prac + 1, sizeof *start);
    double *risk_tmp = NULL;
    uint8_t *y_tmp = NULL;
    out->practice = calloc(n_prac, sizeof *out->practice);
    out->overall_rank = malloc(count * sizeof *out->overall_rank);
    int rc = RISTRA_OK;
    if (!code_rank || !by_rank || !start || !out->practice || !out->overall_rank)
        rc = ristra__oom();
    if (!rc)
        rc = rank_codes(code_rank, by_rank, s);
    if (!rc)
        rc = rank_everyone(&idx, s, code_rank);
    if (rc)
        goto done;

    compensated_sum sum = { 0.0, 0.0 };
    for (int64_t i = 0; i < n; i++) {
        out->overall_rank[idx[i]] = (uint32_t)(i + 1);
        sum_add(&sum, s->risk[idx[i]]);
    }
    out->expected = sum_value(&sum);
    if (s->outcome) {
        risk_tmp = malloc(count * sizeof *risk_tmp);
        y_tmp = malloc(count);
        if (!risk_tmp || !y_tmp) {
            rc = ristra__oom();
            goto done;
        }
        discrimination(&out->auroc, &out->observed, idx, n, s, risk_tmp, y_tmp);
        free(risk_tmp), free(y_tmp); /* the practices need only their own size */
        risk_tmp = NULL, y_tmp = NULL;
    }

    /* A stable counting sort by practice code turns everyone's order into
     * each practice's, one after another. */
    for (int64_t i = 0; i < n; i++)
        start[code_rank[s->practice[i]] + 1]++;
    for (int32_t r = 0; r < s->n_practices; r++) {
        out->practice[r].practice = by_rank[r];
        out->practice[r].first = start[r];
        out->practice[r].list_size = start[r + 1];
        start[r + 1] += start[r];
    }
    out->order = malloc(count * sizeof *out->order);
    if (!out->order) {
        rc = ristra__oom();
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        uint32_t p = idx[i];
        out->order[start[code_rank[s->practice[p]]]++] = p;
    }
    free(idx);
    idx = NULL;
    if (s->outcome) {
        int64_t largest = 1;
        for (int32_t r = 0; r < s->n_practices; r++)
            if (out->practice[r].list_size > largest)
                largest = out->practice[r].list_size;
        risk_tmp = malloc((size_t)largest * sizeof *risk_tmp);
        y_tmp = malloc((size_t)largest);
        if (!risk_tmp || !y_tmp) {
            rc = ristra__oom();
            goto done;
        }
    }
    practice_figures(out, s, risk_tmp, y_tmp);

done:
    free(code_rank), free(by_rank), free(start), free(idx), free(risk_tmp), free(y_tmp);
    if (rc)
        ristra__stratification_free(out);
    return rc;
}
