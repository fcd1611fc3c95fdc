/* The population reader (public API in include/ristra/population.h).
 *
 * Data flow of one ristra_population_read():
 *   stream (plain or gzip bytes) -> csv (csv.c): split the text into
 *   records, quote-aware, counting lines (sequential, memchr-fast) ->
 *   parse: each record's fields handed to the schema step
 *   (lib/schema/schema_internal.h), which decodes and checks them
 *   (parallel over records) -> finish: practice codes interned, repeated
 *   NHS numbers found (sequential, O(1) per row) -> the block.
 * Rejected rows are described on request (rejects.c), in the schema's
 * words. */
#ifndef RISTRA_READER_INTERNAL_H
#define RISTRA_READER_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ristra/population.h"
#include "../common/arena_internal.h"
#include "../common/hashmap_internal.h"
#include "../schema/schema_internal.h"
#include "csv_internal.h"

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
    ristra__csv csv;                  /* the text, and the file's name */
    ristra__schema schema;            /* what the columns mean */
    int failed;                       /* a file-level error happened: only close */
    int check_duplicates;
    int n_threads;
    int64_t rows_before;              /* data rows before the current block */

    /* the current block */
    int64_t block_rows, n_rows, row_cap;   /* row_cap: rows the arrays hold now */
    ristra__record *rec;
    int64_t *lines;
    double *values, *extra, *outcome;
    int32_t *status, *practice;
    uint64_t *nhs;               /* the identifier's key: the NHS number, or a pseudonym's hash */
    const char **identifier;     /* pseudonyms only: each row's identifier field (in arena) */
    uint64_t *practice_key;           /* the row's practice code packed, 0 if not valid */
    size_t consumed;                  /* bytes of the csv buffer the block used */

    /* identifiers across the file, with the line first seen (NHS numbers
     * 8 bytes a slot, pseudonyms' hashes 12; freed at the end of the file),
     * practice codes (six characters packed into a uint64) */
    ristra__line_map seen_nhs;
    ristra__token_map seen_tokens;
    ristra__u64_map practice_index;
    char (*practice_codes)[8];
    int32_t n_practices, practice_cap;

    /* strings handed out by reject_info until the next read */
    ristra__arena arena;
};

#endif
