/* The population reader (public API in include/ristra/population.h).
 *
 * Data flow of one ristra_population_read():
 *   stream (plain or gzip bytes) -> scan: split the text into records,
 *   quote-aware, counting lines (sequential, memchr-fast) -> parse: fields
 *   to numbers and identifiers, checks against the model's features
 *   (parallel over records) -> finish: practice codes interned, repeated
 *   NHS numbers found (sequential, O(1) per row) -> the block. */
#ifndef RISTRA_READER_INTERNAL_H
#define RISTRA_READER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ristra/population.h"
#include "../common/arena_internal.h"
#include "../common/hashmap_internal.h"

/* What a column of the file is used for. */
enum { COL_IGNORED = 0, COL_ID, COL_PRACTICE, COL_OUTCOME, COL_VALUE, COL_EXTRA };

typedef struct ristra__column_role {
    int role;        /* COL_* */
    int32_t index;   /* value or extra column index */
    int32_t extra;   /* also extra column `extra` (-1: no), e.g. a feature used for groups */
} ristra__column_role;

/* One record of the current block: where its text is, and what is wrong
 * with it (formatted into a reason only when asked). */
typedef struct ristra__record {
    size_t start;        /* offset of the record's text in the buffer */
    size_t len;          /* without the line end */
    int32_t bad_col;     /* the header column that rejected the row, or -1 */
    int32_t n_fields;
    int64_t other_line;  /* RISTRA_ROW_DUPLICATE: the line that had the number first */
    int has_quote;
} ristra__record;

struct ristra_population {
    char *name;                       /* file name for messages */
    struct ristra__stream *stream;
    const struct ristra_model *model;
    int eof;                          /* the stream is exhausted */
    int failed;                       /* a file-level error happened: only close */

    /* header */
    int32_t n_header;
    char **header;                    /* the file's column names */
    ristra__column_role *roles;       /* n_header */
    int64_t n_cols, n_extra;
    char **col_names;                 /* n_cols value column names */
    char **extra_names;
    int32_t *value_col;               /* header column of value j */
    int has_outcome;
    int32_t id_col, practice_col, outcome_col;
    char *id_name, *practice_name, *outcome_name;
    int check_duplicates;
    int n_threads;

    /* text buffer: buf[0..len) read, records of the block start at 0 */
    char *buf;
    size_t len, cap;
    int64_t line;                     /* lines consumed before the next record */
    int64_t rows_before;              /* data rows before the current block */

    /* the current block */
    int64_t block_rows, n_rows, row_cap;   /* row_cap: rows the arrays hold now */
    ristra__record *rec;
    int64_t *lines;
    double *values, *extra, *outcome;
    int32_t *status, *practice;
    uint64_t *nhs;               /* the identifier's key: the NHS number, or a pseudonym's hash */
    int id_kind;                 /* a ristra_id_kind */
    const char **identifier;     /* pseudonyms only: each row's identifier field (in arena) */
    uint64_t *practice_key;           /* the row's practice code packed, 0 if not valid */
    size_t consumed;                  /* bytes of buf the block used */

    /* identifiers across the file: NHS numbers with the line first seen,
     * practice codes (six characters packed into a uint64) */
    ristra__u64_map seen_nhs;
    ristra__u64_map practice_index;
    char (*practice_codes)[8];
    int32_t n_practices, practice_cap;

    /* strings handed out by reject_info until the next read */
    ristra__arena arena;
};

#endif
