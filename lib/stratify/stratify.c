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
#include "../common/big_alloc_internal.h"
#include "../common/error_internal.h"
#include "../metrics/metrics_internal.h"
#include "stratify_internal.h"

/* ------------------------------------------------------------ sorting */

/* Sorts key[0..n) ascending, carrying idx along (stable). key and idx
 * are ristra__big_alloc() blocks of cap >= n entries; the sorted arrays
 * come back through *key and *idx, which may be swapped with scratch blocks
 * of the same capacity (the other pair is freed). */
static int radix_sort(uint64_t **key_io, uint32_t **idx_io, int64_t n, size_t cap)
{
    uint64_t *key_tmp = ristra__big_alloc(cap * sizeof *key_tmp);
    uint32_t *idx_tmp = ristra__big_alloc(cap * sizeof *idx_tmp);
    int64_t(*histogram)[RISTRA__RADIX] = calloc(RISTRA__N_DIGITS, sizeof *histogram);
    if (!key_tmp || !idx_tmp || !histogram) {
        ristra__big_free(key_tmp, cap * sizeof *key_tmp);
        ristra__big_free(idx_tmp, cap * sizeof *idx_tmp);
        free(histogram);
        return ristra__oom();
    }
    uint64_t *k_src = *key_io, *k_dst = key_tmp;
    uint32_t *i_src = *idx_io, *i_dst = idx_tmp;
    for (int64_t i = 0; i < n; i++)
        for (int d = 0; d < RISTRA__N_DIGITS; d++)
            histogram[d][ristra__radix_digit(k_src[i], d)]++;
    for (int d = 0; d < RISTRA__N_DIGITS; d++) {
        if (!ristra__radix_offsets(histogram[d], n ? k_src[0] : 0, d, n))
            continue;
        for (int64_t i = 0; i < n; i++) {
            int64_t at = histogram[d][ristra__radix_digit(k_src[i], d)]++;
            k_dst[at] = k_src[i];
            i_dst[at] = i_src[i];
        }
        uint64_t *kt = k_src;
        k_src = k_dst, k_dst = kt;
        uint32_t *it = i_src;
        i_src = i_dst, i_dst = it;
    }
    ristra__big_free(k_dst, cap * sizeof *k_dst);
    ristra__big_free(i_dst, cap * sizeof *i_dst);
    free(histogram);
    *key_io = k_src;
    *idx_io = i_src;
    return RISTRA_OK;
}

/* Below this many, insertion sort beats the radix sort's fixed costs. */
enum { SMALL_TIE_BLOCK = 48 };

static void insertion_sort(uint64_t *key, uint32_t *idx, int64_t n)
{
    for (int64_t i = 1; i < n; i++) {
        uint64_t k = key[i];
        uint32_t v = idx[i];
        int64_t j = i;
        for (; j > 0 && key[j - 1] > k; j--) {
            key[j] = key[j - 1];
            idx[j] = idx[j - 1];
        }
        key[j] = k;
        idx[j] = v;
    }
}

/* Orders each block of equal risks by NHS number, then practice code. The
 * two fit one 64-bit key: a 10-digit NHS number is below 2^34 and leaves
 * 30 bits for the practice's position in code order. (Rows alike in all
 * three, possible only when duplicate NHS numbers are allowed, keep their
 * input order: they would print the same anyway.) */
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
        uint64_t *sk = tie_key;
        uint32_t *si = tie_idx;
        if (len < SMALL_TIE_BLOCK)
            insertion_sort(sk, si, len);
        else if ((rc = radix_sort(&sk, &si, len, (size_t)cap)))
            break;
        memcpy(idx + i, si, (size_t)len * sizeof *si);
        tie_key = sk, tie_idx = si; /* radix_sort may hand back its scratch */
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
    for (int32_t r = 0; r < st->n_practices; r++) {
        ristra__practice_stats *ps = &st->practice[r];
        int64_t prev = 0;
        for (int k = 0; k < s->n_tiers; k++) {
            ps->tier_end[k] = ristra__cut_count(s->tier_cut[k], ps->list_size);
            ps->tier_count[k] = ps->tier_end[k] - prev;
            prev = ps->tier_end[k];
            st->tier_count[k] += ps->tier_count[k];
        }
        int rc = figures(&ps->expected, &ps->observed, &ps->auroc, st->risk + ps->first,
                         st->order + ps->first, ps->list_size, s->outcome);
        if (rc)
            return rc;
    }
    return RISTRA_OK;
}

/* ------------------------------------------------------------ the whole */

void ristra__stratification_free(ristra__stratification *st)
{
    if (!st)
        return;
    const size_t count = (size_t)(st->n > 0 ? st->n : 1);
    ristra__big_free(st->order, count * sizeof *st->order);
    ristra__big_free(st->risk, count * sizeof *st->risk);
    ristra__big_free(st->overall_rank, count * sizeof *st->overall_rank);
    free(st->practice);
    memset(st, 0, sizeof *st);
}

/* Everyone in ranked order: patient idx[i] has the i-th highest risk,
 * risk_out[i] (both allocated here). */
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
    int rc = radix_sort(&key, &idx, s->n, count);
    if (!rc)
        rc = break_ties(idx, key, s->n, s, code_rank);
    double *risk = rc ? NULL : ristra__big_alloc(count * sizeof *risk);
    if (!rc && !risk)
        rc = ristra__oom();
    for (int64_t i = 0; !rc && i < s->n; i++) /* read in order, not gathered */
        risk[i] = ristra__key_value(key[i]);
    ristra__big_free(key, count * sizeof *key);
    if (rc) {
        ristra__big_free(idx, count * sizeof *idx);
        return rc;
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
    out->order = ristra__big_alloc(count * sizeof *out->order);
    out->risk = ristra__big_alloc(count * sizeof *out->risk);
    out->overall_rank = ristra__big_alloc(count * sizeof *out->overall_rank);
    if (!out->order || !out->risk || !out->overall_rank) {
        rc = ristra__oom();
        goto done;
    }
    for (int64_t i = 0; i < n; i++) {
        uint32_t p = idx[i];
        int64_t at = start[code_rank[s->practice[p]]]++;
        out->order[at] = p;
        out->risk[at] = risk_ranked[i];
        out->overall_rank[at] = (uint32_t)(i + 1);
    }
    ristra__big_free(idx, count * sizeof *idx);
    ristra__big_free(risk_ranked, count * sizeof *risk_ranked);
    idx = NULL, risk_ranked = NULL;
    rc = practice_figures(out, s);

done:
    free(code_rank), free(by_rank), free(start);
    ristra__big_free(idx, count * sizeof *idx);
    ristra__big_free(risk_ranked, count * sizeof *risk_ranked);
    if (rc)
        ristra__stratification_free(out);
    return rc;
}
