/* The batch's result object and its CSV writers (score_file.c, score_file_write.c). */
#ifndef RISTRA_SCORE_FILE_INTERNAL_H
#define RISTRA_SCORE_FILE_INTERNAL_H

#include "ristra/batch.h"
#include "ristra/identifiers.h"
#include "../io/output_internal.h"
#include "../stratify/stratify_internal.h"

struct ristra_score_result {
    ristra_score_totals totals;
    ristra_practice_summary *practice;   /* totals.n_practices, in practice-code order */
    /* (n_practices + 1) x n_tiers: everyone's, then each practice's */
    int64_t *tier_count;
    char *code_storage;                  /* the practices' codes, NUL-separated */
    char *tier_name[RISTRA_MAX_TIERS];     /* a limit of this release, not of the ABI */
    char *untiered_name;
    char *model_name, *model_version;    /* from the model's metadata, for the summary */
};

/* The ranked list: one row per scored patient, by practice code and rank. */
typedef struct ristra__ranked_list {
    const ristra__stratification *st;
    const uint64_t *nhs_number;          /* per patient */
    const char *const *token;            /* per patient: pseudonyms, or NULL for NHS numbers */
    const char *const *practice_code;    /* per practice index */
    const char *const *tier_name;        /* n_tiers + 1: the last for "in no tier" */
    int n_threads;
    const struct ristra__explained *reasons; /* NULL: no reason columns */
} ristra__ranked_list;

int ristra__write_ranked_list(ristra__output *o, const ristra__ranked_list *list);

int ristra__write_summary(ristra__output *o, const ristra_score_result *result);

/* The n_tiers counts of practice p, or of everyone for RISTRA_SCORE_RESULT_ALL. */
static inline const int64_t *ristra__result_tier_counts(const ristra_score_result *r, int32_t p)
{
    return r->tier_count + (size_t)(p + 1) * (size_t)r->totals.n_tiers;
}

/* Growing text. */
typedef struct ristra__text {
    char *data;
    size_t len, cap;
} ristra__text;

/* The header of the rejects file, and one line of it appended to t. */
int ristra__write_rejects_header(ristra__output *o, int id_kind);
/* Makes room for `more` bytes after t->len (the buffer doubles). */
int ristra__text_reserve(ristra__text *t, size_t more);
int ristra__text_reject(ristra__text *t, int64_t line, const char *nhs_number,
                        const char *practice, int32_t status, const char *reason);

/* ------------------------------------------------------------ the feed
 * Blocks from the reader (score_feed.c), read ahead on a thread when
 * pipelined. */

typedef struct ristra__feed_block {
    int64_t n_rows, n_cols;
    const double *values;
    const int32_t *status;       /* the reader's */
    const uint64_t *nhs_number;  /* NULL for pseudonyms */
    const char *const *identifier;  /* pseudonyms only: each row's field as written */
    const int32_t *practice;
    const double *outcome;       /* NULL without the outcome column */
    const double *extra;         /* n_rows x n_extra; NULL without extra columns */
    const int64_t *line;
    /* the rows the reader rejected, in order, as lines of the rejects file:
     * the j-th ends at reject_end[j] (only when rejects were asked for) */
    const char *reject_text;
    const size_t *reject_end;
    uint64_t bytes_done, bytes_total;
} ristra__feed_block;

typedef struct ristra__feed ristra__feed;

/* How many times the feed's per-block arrays were reallocated (for a test
 * that the growth is geometric: a block of n rejected rows costs
 * O(log n) reallocations, never one per row). */
extern _Atomic int64_t ristra__feed_grow_count;

int ristra__feed_open(ristra__feed **out, ristra_population *pop, int pipelined,
                      int want_rejects, int64_t n_extra);
/* The next block (n_rows 0 at the end), valid until ristra__feed_release(). */
int ristra__feed_next(ristra__feed *f, const ristra__feed_block **out);
void ristra__feed_release(ristra__feed *f);
/* The code of practice index (known once a block naming it was handed out). */
const char *ristra__feed_practice(const ristra__feed *f, int32_t index);
/* Stops the reader thread; the population may be used again after this. */
void ristra__feed_close(ristra__feed *f);

/* ------------------------------------------------------------ recorded runs */

/* A run read again from its manifest (score_report.c): the report's pages
 * show the recorded run's manifest hash and start, not this call's. */
typedef struct ristra__recorded_run {
    const char *manifest_sha256;
    const char *started_utc;
} ristra__recorded_run;

/* ristra_score_file(), with the record of the run it repeats (or NULL). */
int ristra__score_file_recorded(ristra_score_result **out, const ristra_model *model,
                                const char *input, const char *output,
                                const ristra_score_file_options *opts,
                                const ristra__recorded_run *recorded);

/* ------------------------------------------------------------ explanations
 * The contributions file and the reason codes (score_file_explain.c). */

typedef struct ristra__explained {
    const ristra_model *model;
    int k;                     /* reasons per patient (0: none) */
    int64_t nf;
    ristra__output *out;       /* the contributions file, or NULL */
    char **name, **label, **unit;  /* per feature: CSV name, description, unit */
    size_t row_text_max;       /* most text the reasons add to one ranked-list row */
    double *contrib;           /* the block's: n x (nf + 1) */
    int32_t *status;
    int64_t block_cap;
    char *line;
    size_t line_cap;
    int32_t *feature;          /* per patient kept: k features (-1: none), values, contributions */
    double *value, *contribution;
    int64_t cap;
} ristra__explained;

/* Checks the model can be explained when anything is asked for, and
 * writes the contributions file's header. */
int ristra__explained_open(ristra__explained *e, const ristra_model *m,
                           const ristra_score_file_options *o, ristra__output *out);
void ristra__explained_free(ristra__explained *e);
/* Explains a block (nothing when nothing was asked for). */
int ristra__explained_block(ristra__explained *e, const ristra__feed_block *v, int n_threads);
/* Row i of the block is kept as scored patient number `patient`: keeps
 * its reasons and writes its contributions line. */
int ristra__explained_keep(ristra__explained *e, const ristra__feed_block *v, int64_t i,
                           int64_t patient, const char *practice_csv);
/* The ranked list's extra header columns, and one patient's fields. */
void ristra__explained_header(char *buf, size_t size, int k);
char *ristra__explained_format(char *o, const ristra__explained *e, int64_t patient);
/* One patient's reasons as one readable text ("age: 85 years (+0.40); ..."),
 * as the ranked list's readable columns say them; "" when none raise the
 * risk. ctx is the ristra__explained (the FHIR writer's callback). */
void ristra__explained_rationale(const void *ctx, int64_t patient, char *buf, size_t size);

#endif
