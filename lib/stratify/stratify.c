/* Ranks, percentiles, tiers and per-practice figures of a scored population.
 *
 * One sort serves everything: all patients are ordered by risk (an
 * in-place MSD radix sort on the bits of the doubles, 32-bit payloads, so
 * 12 bytes a patient while it runs), blocks of tied risks are then
 * ordered by NHS number, and a stable counting sort by practice code
 * splits that one order into each practice's ranked list, so a practice's
 * patients come out already ranked. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/big_alloc_internal.h"
#include "../common/error_internal.h"
#include "../metrics/metrics_internal.h"
#include "stratify_internal.h"

/* ------------------------------------------------------------ sorting */

/* Below this many, insertion sort beats the radix sort's fixed costs. */
enum { SMALL_TIE_BLOCK = 48 };

/* Sorts by key, then idx: the order a stable sort of input in idx order
 * gives, whatever order the block is in. */
static void insertion_sort(uint64_t *key, uint32_t *idx, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        uint64_t k = key[i];
        uint32_t v = idx[i];
        int64_t j = i;
        for (; j > 0 && (key[j - 1] > k || (key[j - 1] == k && idx[j - 1] > v)); j--) {
            key[j] = key[j - 1];
            idx[j] = idx[j - 1];
        }
        key[j] = k;
        idx[j] = v;
    }
}

/* Sorts key[0..n) ascending in place, carrying idx along, equal keys by
 * idx (the order a stable sort of input in idx order gives): an MSD radix
 * sort (American flag sort) of the bits from shift + 7 down, each bucket
 * permuted by swapping, so that it needs no second copy of the arrays (an
 * LSD sort's 12 bytes a patient more, a third of the batch's memory
 * target). */
static void flag_sort(uint64_t *key, uint32_t *idx, int64_t n, int shift)
{
    while (n >= SMALL_TIE_BLOCK) {
        int64_t count[RISTRA__RADIX] = { 0 };
        for (int64_t i = 0; i < n; i++)
            count[(key[i] >> shift) & (RISTRA__RADIX - 1)]++;
        if (count[(key[0] >> shift) & (RISTRA__RADIX - 1)] == n) { /* one bucket */
            if (shift > 0) {
                shift -= RISTRA__DIGIT_BITS;
                continue;
            }
            /* All equal: by idx (distinct), sorted as the keys for now. */
            const uint64_t same = key[0];
            for (int64_t i = 0; i < n; i++)
                key[i] = idx[i];
            flag_sort(key, idx, n, 32 - RISTRA__DIGIT_BITS);
            for (int64_t i = 0; i < n; i++)
                key[i] = same;
            return;
        }
        int64_t next[RISTRA__RADIX], end[RISTRA__RADIX], pos = 0;
        for (int b = 0; b < RISTRA__RADIX; b++) {
            next[b] = pos;
            pos += count[b];
            end[b] = pos;
        }
        for (int b = 0; b < RISTRA__RADIX; b++) {
            while (next[b] < end[b]) {
                uint64_t k = key[next[b]];
                uint32_t v = idx[next[b]];
                unsigned d = (unsigned)(k >> shift) & (RISTRA__RADIX - 1);
                while (d != (unsigned)b) { /* k belongs in bucket d: swap it there */
                    int64_t at = next[d]++;
                    uint64_t kt = key[at];
                    uint32_t vt = idx[at];
                    key[at] = k, idx[at] = v;
                    k = kt, v = vt;
                    d = (unsigned)(k >> shift) & (RISTRA__RADIX - 1);
                }
                key[next[b]] = k, idx[next[b]] = v;
                next[b]++;
            }
        }
        if (shift == 0)
            return;
        for (int64_t b = 0, first = 0; b < RISTRA__RADIX; first += count[b++])
            if (count[b] > 1)
                flag_sort(key + first, idx + first, count[b], shift - RISTRA__DIGIT_BITS);
        return;
    }
    insertion_sort(key, idx, n);
}

void ristra__sort_keys(uint64_t *key, uint32_t *idx, int64_t n)
{
    if (n > 1)
        flag_sort(key, idx, n, 64 - RISTRA__DIGIT_BITS);
}

/* Orders each block of equal risks by NHS number, then practice code. The
 * two fit one 64-bit key: a 10-digit NHS number is below 2^34 and leaves
 * 30 bits for the practice's position in code order. (Rows alike in all
 * three, possible only when duplicate NHS numbers are allowed, keep their
 * input order.) */
static int break_ties(uint32_t *idx, const uint64_t *key, int64_t n, const ristra__scored *s,
                      const uint32_t *code_rank)
{
    if (s->n_practices > (INT32_C(1) << 30))
        return ristra__error(RISTRA_EINVAL, "%d practices: at most 2^30 can be ranked",
                             (int)s->n_practices);
    uint64_t *tie_key = NULL;
    uint32_t *tie_idx = NULL;
    int64_t cap = 0;
    int rc = RISTRA_OK;
    for (int64_t i = 0, j; i < n && !rc; i = j) {
        for (j = i + 1; j < n && key[j] == key[i]; j++)
            ;
        int64_t len = j - i;
        if (len < 2)
            continue;
        if (len > cap) {
            ristra__big_free(tie_key, (size_t)cap * sizeof *tie_key);
            ristra__big_free(tie_idx, (size_t)cap * sizeof *tie_idx);
            cap = len;
            tie_key = ristra__big_alloc((size_t)cap * sizeof *tie_key);
            tie_idx = ristra__big_alloc((size_t)cap * sizeof *tie_idx);
            if (!tie_key || !tie_idx) {
                rc = ristra__oom();
                break;
            }
        }
        for (int64_t k = 0; k < len; k++) {
            uint32_t p = idx[i + k];
            tie_key[k] = (s->nhs_number[p] << 30) | code_rank[s->practice[p]];
            tie_idx[k] = p;
        }
        flag_sort(tie_key, tie_idx, len, 64 - RISTRA__DIGIT_BITS);
        memcpy(idx + i, tie_idx, (size_t)len * sizeof *tie_idx);
    }
    ristra__big_free(tie_key, (size_t)cap * sizeof *tie_key);
    ristra__big_free(tie_idx, (size_t)cap * sizeof *tie_idx);
    return rc;
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

/* Expected and observed events and the AUROC of a run of patients in
 * rank order: risk[i] (in that order) belongs to patient idx[i]. */
static int figures(double *expected, int64_t *observed, double *auroc, const double *risk,
                   const uint32_t *idx, int64_t n, const uint8_t *outcome)
{
    compensated_sum sum = { 0.0, 0.0 };
    for (int64_t i = 0; i < n; i++)
        sum_add(&sum, risk[i]);
    *expected = sum_value(&sum);
    *observed = -1;
    *auroc = NAN;
    if (!outcome)
        return RISTRA_OK;
    const size_t y_bytes = (size_t)(n > 0 ? n : 1);
    uint8_t *y = ristra__big_alloc(y_bytes);
    if (!y)
        return ristra__oom();
    int64_t events = 0, unknown = 0;
    for (int64_t i = 0; i < n; i++) {
        y[i] = outcome[idx[i]];
        unknown += y[i] == RISTRA__OUTCOME_UNKNOWN;
        events += y[i] == 1;
    }
    ristra__delong d;
    if (unknown == 0) {
        ristra__delong_sorted(&d, risk, y, n);
    } else { /* the AUROC of the patients whose outcome is known */
        const size_t known_bytes = (size_t)(n - unknown > 0 ? n - unknown : 1) * sizeof(double);
        double *known_risk = ristra__big_alloc(known_bytes);
        if (!known_risk) {
            ristra__big_free(y, y_bytes);
            return ristra__oom();
        }
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++)
            if (y[i] != RISTRA__OUTCOME_UNKNOWN) {
                known_risk[k] = risk[i];
                y[k++] = y[i];
            }
        ristra__delong_sorted(&d, known_risk, y, k);
        ristra__big_free(known_risk, known_bytes);
    }
    ristra__big_free(y, y_bytes);
    *observed = events;
    *auroc = d.auroc;
    return RISTRA_OK;
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

static int practice_figures(ristra__stratification *st, const ristra__scored *s)
{
    int64_t largest = 1;
    for (int32_t r = 0; r < st->n_practices; r++)
        if (st->practice[r].list_size > largest)
            largest = st->practice[r].list_size;
    const size_t bytes = (size_t)largest * sizeof(double);
    double *risk = ristra__big_alloc(bytes); /* one practice's, in rank order */
    if (!risk)
        return ristra__oom();
    int rc = RISTRA_OK;
    for (int32_t r = 0; r < st->n_practices && !rc; r++) {
        ristra__practice_stats *ps = &st->practice[r];
        int64_t prev = 0;
        for (int k = 0; k < s->n_tiers; k++) {
            ps->tier_end[k] = ristra__cut_count(s->tier_cut[k], ps->list_size);
            ps->tier_count[k] = ps->tier_end[k] - prev;
            prev = ps->tier_end[k];
            st->tier_count[k] += ps->tier_count[k];
        }
        for (int64_t i = 0; i < ps->list_size; i++)
            risk[i] = ristra__stratified_risk(st, ps->first + i);
        rc = figures(&ps->expected, &ps->observed, &ps->auroc, risk, st->order + ps->first,
                     ps->list_size, s->outcome);
    }
    ristra__big_free(risk, bytes);
    return rc;
}

/* ------------------------------------------------------------ the whole */

void ristra__stratification_free(ristra__stratification *st)
{
    if (!st)
        return;
    const size_t count = (size_t)(st->n > 0 ? st->n : 1);
    ristra__big_free(st->order, count * sizeof *st->order);
    ristra__big_free(st->overall_rank, count * sizeof *st->overall_rank);
    free(st->practice);
    memset(st, 0, sizeof *st);
}

/* Everyone in ranked order: patient idx[i] has the i-th highest risk,
 * risk_out[i] (both allocated here, 12 bytes a patient: the sort keys
 * become the risks in place). */
static int rank_everyone(uint32_t **idx_out, double **risk_out, const ristra__scored *s,
                         const uint32_t *code_rank)
{
    size_t count = (size_t)(s->n > 0 ? s->n : 1);
    uint64_t *key = ristra__big_alloc(count * sizeof *key);
    uint32_t *idx = ristra__big_alloc(count * sizeof *idx);
    if (!key || !idx) {
        ristra__big_free(key, count * sizeof *key);
        ristra__big_free(idx, count * sizeof *idx);
        return ristra__oom();
    }
    for (int64_t i = 0; i < s->n; i++) {
        key[i] = ristra__descending_key(s->risk[i]);
        idx[i] = (uint32_t)i;
    }
    if (s->n > 0)
        flag_sort(key, idx, s->n, 64 - RISTRA__DIGIT_BITS);
    int rc = break_ties(idx, key, s->n, s, code_rank);
    if (rc) {
        ristra__big_free(key, count * sizeof *key);
        ristra__big_free(idx, count * sizeof *idx);
        return rc;
    }
    double *risk = (double *)(void *)key; /* same size: each key becomes its risk */
    for (int64_t i = 0; i < s->n; i++) {
        double x = ristra__key_value(key[i]);
        memcpy(&risk[i], &x, sizeof x);
    }
    *idx_out = idx;
    *risk_out = risk;
    return RISTRA_OK;
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
    uint32_t *code_rank = malloc(n_prac * sizeof *code_rank), *idx = NULL;
    int32_t *by_rank = malloc(n_prac * sizeof *by_rank);
    int64_t *start = calloc(n_prac + 1, sizeof *start);
    double *risk_ranked = NULL;
    out->practice = calloc(n_prac, sizeof *out->practice);
    int rc = RISTRA_OK;
    if (!code_rank || !by_rank || !start || !out->practice)
        rc = ristra__oom();
    if (!rc)
        rc = rank_codes(code_rank, by_rank, s);
    if (!rc)
        rc = rank_everyone(&idx, &risk_ranked, s, code_rank);
    if (!rc)
        rc = figures(&out->expected, &out->observed, &out->auroc, risk_ranked, idx, n,
                     s->outcome);
    if (rc)
        goto done;

    /* A stable counting sort by practice code turns everyone's order into
     * each practice's, one after another; what the list prints goes along
     * in that order, so that writing it reads memory in sequence. */
    for (int64_t i = 0; i < n; i++)
        start[code_rank[s->practice[i]] + 1]++;
    for (int32_t r = 0; r < s->n_practices; r++) {
        out->practice[r].practice = by_rank[r];
        out->practice[r].first = start[r];
        out->practice[r].list_size = start[r + 1];
        start[r + 1] += start[r];
    }
    /* the ranked risks are not kept: the scored ones are read through order */
    ristra__big_free(risk_ranked, count * sizeof *risk_ranked);
    risk_ranked = NULL;
    out->patient_risk = s->risk;
    out->order = ristra__big_alloc(count * sizeof *out->order);
    out->overall_rank = ristra__big_alloc(count * sizeof *out->overall_rank);
    if (!out->order || !out->overall_rank) {
        rc = ristra__oom();
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        uint32_t p = idx[i];
        int64_t at = start[code_rank[s->practice[p]]]++;
        out->order[at] = p;
        out->overall_rank[at] = (uint32_t)(i + 1);
    }
    ristra__big_free(idx, count * sizeof *idx);
    idx = NULL;
    rc = practice_figures(out, s);

done:
    free(code_rank), free(by_rank), free(start);
    ristra__big_free(idx, count * sizeof *idx);
    ristra__big_free(risk_ranked, count * sizeof *risk_ranked);
    if (rc)
        ristra__stratification_free(out);
    return rc;
}
