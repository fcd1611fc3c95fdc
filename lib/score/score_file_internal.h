/* The batch's result object and its CSV writers (score_file.c, score_file_write.c). */
#ifndef RISTRA_SCORE_FILE_INTERNAL_H
#define RISTRA_SCORE_FILE_INTERNAL_H

#include "ristra/batch.h"
#include "../io/output_internal.h"
#include "../stratify/stratify_internal.h"

struct ristra_score_result {
    ristra_score_totals totals;
    ristra_practice_summary *practice;   /* totals.n_practices, in practice-code order */
    char *code_storage;                  /* the practices' codes, NUL-separated */
    char *tier_name[RISTRA_MAX_TIERS];
    char *untiered_name;
};

/* The ranked list: one row per scored patient, by practice code and rank. */
typedef struct ristra__ranked_list {
    const ristra__stratification *st;
    const uint64_t *nhs_number;          /* per patient */
    const double *risk;                  /* per patient */
    const char *const *practice_code;    /* per practice index */
    const char *const *tier_name;        /* n_tiers + 1: the last for "in no tier" */
    int n_threads;
} ristra__ranked_list;

int ristra__write_ranked_list(ristra__output *o, const ristra__ranked_list *list);

int ristra__write_summary(ristra__output *o, const ristra_score_result *result);

/* The header of the rejects file, and one line of it. */
int ristra__write_rejects_header(ristra__output *o);
int ristra__write_reject(ristra__output *o, int64_t line, const char *nhs_number,
                         const char *practice, int32_t status, const char *reason);

#endif
