/* Stratification of a scored population: ranks within each practice and
 * overall, percentiles, risk tiers and the per-practice summary. */
#ifndef RISTRA_STRATIFY_INTERNAL_H
#define RISTRA_STRATIFY_INTERNAL_H

#include <stdint.h>

#include "ristra/batch.h"

/* An outcome that the file left empty. */
#define RISTRA__OUTCOME_UNKNOWN 2

/* The scored patients, one entry each, in any order. */
typedef struct ristra__scored {
    int64_t n;                   /* at most UINT32_MAX */
    const uint64_t *nhs_number;  /* 10-digit values, below 10^10 */
    const int32_t *practice;     /* 0 .. n_practices - 1 */
    const double *risk;          /* finite */
    const uint8_t *outcome;      /* 0, 1 or RISTRA__OUTCOME_UNKNOWN; NULL: no outcomes */
    int32_t n_practices;
    const char *const *practice_code;  /* n_practices distinct codes */
    int n_tiers;                 /* 0 .. RISTRA_MAX_TIERS */
    const double *tier_cut;      /* n_tiers cut-points, strictly increasing in (0, 1] */
} ristra__scored;

/* One practice's patients and figures. */
typedef struct ristra__practice_stats {
    int32_t practice;            /* index into practice_code */
    int64_t first;               /* its patients are order[first .. first + list_size) */
    int64_t list_size;
    /* rank_in_practice <= tier_end[k]: in tier k or a tighter one */
    int64_t tier_end[RISTRA_MAX_TIERS];
    int64_t tier_count[RISTRA_MAX_TIERS];
    double expected;             /* sum of risks */
    int64_t observed;            /* outcome 1; -1 without outcomes */
    double auroc;                /* NaN without both outcomes among the known */
} ristra__practice_stats;

typedef struct ristra__stratification {
    int64_t n;
    /* Positions 0 .. n - 1 list the patients by practice code, then by rank
     * within the practice. At position i: the patient (input index) and his
     * rank among everyone (1 for the highest risk of all); his risk is
     * ristra__stratified_risk(st, i). */
    uint32_t *order;
    uint32_t *overall_rank;
    const double *patient_risk;  /* the scored risks, borrowed: by input index */
    int32_t n_practices;
    ristra__practice_stats *practice;  /* n_practices, in practice-code order */
    int n_tiers;
    /* everyone together */
    int64_t tier_count[RISTRA_MAX_TIERS];
    double expected;
    int64_t observed;
    double auroc;
} ristra__stratification;

/*
 * Ranks patients by risk, highest first; equal risks by NHS number,
 * lowest first, and then by practice code, so that nothing depends on the
 * input order. Ranks within the practice number 1 .. list_size, overall
 * 1 .. n. A patient of rank r in a practice of n_p is in the first tier k
 * with r <= ristra__cut_count(tier_cut[k], n_p).
 *
 * Memory beyond the inputs: 8 bytes per patient kept (order,
 * overall_rank; the risks are the scored ones, borrowed: they must outlive
 * the stratification), at most 12 while they are made (the sort is in
 * place), plus 12 per patient of the largest block of tied risks while it
 * is sorted. Radix passes from the top bits (insertion sort for small
 * blocks).
 * Returns 0, RISTRA_ENOMEM or RISTRA_EINVAL (more than UINT32_MAX patients,
 * or more than 2^30 practices).
 */
int ristra__stratify(ristra__stratification *out, const ristra__scored *scored);

/* Sorts key[0..n) ascending, equal keys by idx, carrying idx along, in
 * place (the ranking's radix sort, for other orderings of patients). */
void ristra__sort_keys(uint64_t *key, uint32_t *idx, int64_t n);

void ristra__stratification_free(ristra__stratification *st);

/* The risk of the patient at position i (a zero's sign dropped, as the
 * ranking compares it). */
static inline double ristra__stratified_risk(const ristra__stratification *st, int64_t i)
{
    return st->patient_risk[st->order[i]] + 0.0;
}

/* The tier (0 .. n_tiers - 1) of the patient at rank r in practice ps, or
 * n_tiers when in none. */
static inline int ristra__tier_of(const ristra__practice_stats *ps, int n_tiers, int64_t r)
{
    int k = 0;
    while (k < n_tiers && r > ps->tier_end[k])
        k++;
    return k;
}

#endif
