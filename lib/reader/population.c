/* The population reader: CSV (plain or gzip) to checked blocks of rows.
 * See reader_internal.h for the data flow and docs/population-files.md
 * for the rules a file must follow. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/population.h"
#include "../common/error_internal.h"
#include "../common/reject_mark_internal.h"
#include "../common/struct_version_internal.h"
#include "../common/parallel_internal.h"
#include "../io/stream_internal.h"
#include "reader_internal.h"

/* 16,384 rows a block: the batch holds three blocks at once (the reader's
 * and its two read-ahead slots), 60 MB with 40 features at 65,536 rows,
 * against a memory target of 64 MB plus 32 bytes a patient; smaller blocks
 * measured no slower (they stay nearer the cache). */
enum {
    DEFAULT_BLOCK_ROWS = 16384,
    BLOCK_BYTES = 32 << 20,           /* a block stops early past this much text */
    MIN_ROWS_PER_THREAD = 2048
};

static const ristra_population_options DEFAULTS = RISTRA_POPULATION_OPTIONS_INIT;

int ristra_population_options_init(ristra_population_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_population_options,
                               "ristra_population_options_init");
}

/* Parses one record into row r of the block: the csv layer splits it,
 * the schema decodes and checks each field. */
static void parse_record(ristra_population *pop, int64_t r)
{
    const ristra__schema *sc = &pop->schema;
    ristra__record *rec = &pop->rec[r];
    const char *p = pop->csv.buf + rec->start, *end = p + rec->len;
    ristra__row_fields row;
    ristra__row_start(&row, pop->values + r * sc->n_cols,
                      pop->extra ? pop->extra + r * sc->n_extra : NULL);
    int32_t nf = 0;
    for (const char *q = p;;) {
        const char *f;
        size_t fl;
        const char *next = ristra__csv_next_field(q, end, &f, &fl);
        int32_t c = nf++;
        if (c < sc->n_header)
            ristra__schema_field(sc, &row, c, f, fl);
        if (!next)
            break;
        q = next;
    }
    int32_t bad = -1;
    int status = ristra__row_status(sc, &row, nf, &bad);
    rec->n_fields = nf;
    rec->bad_col = bad;
    pop->status[r] = status;
    pop->nhs[r] = row.nhs;
    pop->practice_key[r] = row.pkey;
    if (pop->outcome)
        pop->outcome[r] = status == RISTRA_ROW_OK ? row.outcome : NAN;
}

static int parse_range(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    (void)thread_index;
    for (int64_t r = begin; r < end; r++)
        parse_record(ctx, r);
    return 0;
}

/* A rejected row's values are NaNs carrying its status, so that scoring
 * the block as it is reports the reader's status for the row. */
static void blank_row(ristra_population *pop, int64_t r)
{
    const double mark = ristra__reject_mark(pop->status[r]);
    for (int64_t j = 0; j < pop->schema.n_cols; j++)
        pop->values[r * pop->schema.n_cols + j] = mark;
    for (int64_t j = 0; j < pop->schema.n_extra; j++)
        pop->extra[r * pop->schema.n_extra + j] = NAN;
    if (pop->outcome)
        pop->outcome[r] = NAN;
}

/* Pseudonyms: each row's identifier field as written, NUL-terminated in
 * the block's arena (a usable row's is its pseudonym). */
static int keep_identifiers(ristra_population *pop)
{
    for (int64_t r = 0; r < pop->n_rows; r++) {
        const ristra__record *rec = &pop->rec[r];
        const char *f;
        size_t fl;
        ristra__csv_field(pop->csv.buf + rec->start, rec->len, pop->schema.id_col, &f, &fl);
        if (!(pop->identifier[r] = ristra__arena_put(&pop->arena, f, fl)))
            return ristra__oom();
    }
    return RISTRA_OK;
}

/* The identifiers seen so far: NHS numbers in the compact line map,
 * pseudonyms' 64-bit hashes in the token map. */
static int seen_reserve(ristra_population *pop, size_t n)
{
    if (pop->schema.id_kind == RISTRA_ID_PSEUDONYM)
        return ristra__token_map_reserve(&pop->seen_tokens, n);
    return ristra__line_map_reserve(&pop->seen_nhs, n);
}

static void seen_prefetch(const ristra_population *pop, uint64_t key)
{
    if (pop->schema.id_kind == RISTRA_ID_PSEUDONYM)
        ristra__token_map_prefetch(&pop->seen_tokens, key);
    else
        ristra__line_map_prefetch(&pop->seen_nhs, key);
}

static int seen_get_or_put(ristra_population *pop, uint64_t key, int64_t line, int64_t *first)
{
    if (pop->schema.id_kind == RISTRA_ID_PSEUDONYM)
        return ristra__token_map_get_or_put(&pop->seen_tokens, key, line, first);
    return ristra__line_map_get_or_put(&pop->seen_nhs, key, line, first);
}

static void seen_free(ristra_population *pop)
{
    ristra__line_map_free(&pop->seen_nhs);
    ristra__token_map_free(&pop->seen_tokens);
}

/* The sequential step: practice codes to indices, repeated NHS numbers. */
static int finish_rows(ristra_population *pop)
{
    if (pop->rows_before == 0 && pop->check_duplicates && pop->n_rows > 0) {
        /* Rows in the whole file, estimated from the first block's share
         * of the bytes (compressed bytes for gzip): ample, not exact. */
        uint64_t done = ristra__stream_raw_consumed(pop->csv.stream);
        uint64_t total = ristra__stream_raw_size(pop->csv.stream);
        double est = done > 0 && total > done ? (double)pop->n_rows * (double)total / (double)done
                                              : (double)pop->n_rows;
        if (est > 1e9)
            est = 1e9;
        int rc = seen_reserve(pop, (size_t)(est * 1.1));
        if (rc)
            return rc;
    }
    enum { AHEAD = 16 };
    for (int64_t r = 0; r < pop->n_rows; r++) {
        if (r + AHEAD < pop->n_rows && pop->check_duplicates)
            seen_prefetch(pop, pop->nhs[r + AHEAD]);
        pop->practice[r] = -1;
        uint64_t key = pop->practice_key[r];
        if (key) {
            int64_t idx = 0;
            int rc = ristra__u64_map_get_or_put(&pop->practice_index, key, pop->n_practices, &idx);
            if (rc < 0)
                return rc;
            if (rc == 0) {
                if (pop->n_practices == pop->practice_cap) {
                    int32_t cap = pop->practice_cap ? pop->practice_cap * 2 : 64;
                    void *codes = realloc(pop->practice_codes, (size_t)cap * sizeof *pop->practice_codes);
                    if (!codes)
                        return ristra__oom();
                    pop->practice_codes = codes;
                    pop->practice_cap = cap;
                }
                memset(pop->practice_codes[pop->n_practices], 0, 8);
                memcpy(pop->practice_codes[pop->n_practices], &key, 6);
                idx = pop->n_practices++;
            }
            pop->practice[r] = (int32_t)idx;
        }
        if (pop->status[r] == RISTRA_ROW_OK && pop->check_duplicates) {
            int64_t first = 0;
            int rc = seen_get_or_put(pop, pop->nhs[r], pop->lines[r], &first);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                pop->status[r] = RISTRA_ROW_DUPLICATE;
                pop->rec[r].other_line = first;
                pop->rec[r].bad_col = pop->schema.id_col;
            }
        }
        if (pop->status[r] != RISTRA_ROW_OK)
            blank_row(pop, r);
    }
    return RISTRA_OK;
}

/* Grows the per-row arrays of a block to hold n rows (they start small,
 * so that a file of a few patients costs a few bytes). */
static int grow_rows(ristra_population *pop, int64_t n)
{
    if (n <= pop->row_cap)
        return RISTRA_OK;
    int64_t cap = pop->row_cap ? pop->row_cap : 256;
    while (cap < n)
        cap *= 2;
    if (cap > pop->block_rows)
        cap = pop->block_rows;
    size_t c = (size_t)cap, nc = (size_t)(pop->schema.n_cols > 0 ? pop->schema.n_cols : 1);
#define GROW(field, count)                                                                    \
    do {                                                                                      \
        void *p_ = realloc(pop->field, (count) * sizeof *pop->field);                         \
        if (!p_)                                                                              \
            return ristra__oom();                                                             \
        pop->field = p_;                                                                      \
    } while (0)
    GROW(rec, c);
    GROW(lines, c);
    GROW(values, c * nc);
    GROW(status, c);
    GROW(practice, c);
    GROW(nhs, c);
    GROW(practice_key, c);
    if (pop->schema.id_kind == RISTRA_ID_PSEUDONYM)
        GROW(identifier, c);
    if (pop->schema.n_extra)
        GROW(extra, c * (size_t)pop->schema.n_extra);
    if (pop->schema.has_outcome)
        GROW(outcome, c);
#undef GROW
    pop->row_cap = cap;
    return RISTRA_OK;
}

/* Scans up to block_rows records into pop->rec. */
static int scan_block(ristra_population *pop)
{
    size_t pos = 0;
    int64_t n = 0;
    while (n < pop->block_rows && pos < BLOCK_BYTES) {
        ristra__csv_record cr;
        int rc = ristra__csv_next_record(&pop->csv, pos, &cr);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        if (cr.len > 0) {
            int grc = grow_rows(pop, n + 1);
            if (grc)
                return grc;
            ristra__record *rec = &pop->rec[n];
            rec->start = cr.start;
            rec->len = cr.len;
            rec->has_quote = cr.has_quote;
            rec->other_line = 0;
            pop->lines[n] = cr.line;
            n++;
        }
        pos = cr.next;
    }
    pop->n_rows = n;
    pop->consumed = pos;
    return RISTRA_OK;
}

/* ------------------------------------------------------------------ */
/* Opening and closing.                                                 */

void ristra_population_close(ristra_population *pop)
{
    if (!pop)
        return;
    ristra__csv_close(&pop->csv);
    ristra__schema_free(&pop->schema);
    free(pop->rec);
    free(pop->lines);
    free(pop->values);
    free(pop->extra);
    free(pop->outcome);
    free(pop->status);
    free(pop->practice);
    free(pop->nhs);
    free(pop->identifier);
    free(pop->practice_key);
    seen_free(pop);
    ristra__u64_map_free(&pop->practice_index);
    free(pop->practice_codes);
    ristra__arena_free(&pop->arena);
    free(pop);
}

static int check_options(const ristra_model *model, const ristra_population_options *o)
{
    const char *fn = "ristra_population_open";
    if ((o->id_column && !*o->id_column) || !o->practice_column || !*o->practice_column)
        return ristra__error(RISTRA_EINVAL, "%s: id_column and practice_column must be named", fn);
    if (o->id_kind != 0 && o->id_kind != RISTRA_ID_NHS && o->id_kind != RISTRA_ID_PSEUDONYM)
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->id_kind is %d (expected RISTRA_ID_NHS or "
                             "RISTRA_ID_PSEUDONYM)",
                             fn, o->id_kind);
    if ((model != NULL) == (o->columns != NULL))
        return ristra__error(RISTRA_EINVAL,
                             "%s: give either a model or opts->columns, not %s", fn,
                             model ? "both" : "neither");
    if (o->columns && o->n_columns < 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_columns must be at least 1", fn);
    if (o->n_extra < 0 || (o->n_extra > 0 && !o->extra_columns))
        return ristra__error(RISTRA_EINVAL, "%s: opts->extra_columns does not match n_extra", fn);
    if (o->block_rows < 0)
        return ristra__error(RISTRA_EINVAL, "%s: opts->block_rows must be >= 0", fn);
    if (ristra__check_threads(o->n_threads, fn))
        return RISTRA_EINVAL;
    for (int64_t i = 0; o->columns && i < o->n_columns; i++)
        if (!o->columns[i])
            return ristra__error(RISTRA_EINVAL, "%s: opts->columns[%lld] is NULL", fn, (long long)i);
    for (int64_t i = 0; i < o->n_extra; i++)
        if (!o->extra_columns[i])
            return ristra__error(RISTRA_EINVAL, "%s: opts->extra_columns[%lld] is NULL", fn,
                                 (long long)i);
    return RISTRA_OK;
}

static int setup(ristra_population *pop, const ristra_model *model,
                 const ristra_population_options *o)
{
    pop->check_duplicates = o->check_duplicates != 0;
    pop->n_threads = o->n_threads;
    pop->block_rows = o->block_rows > 0 ? o->block_rows : DEFAULT_BLOCK_ROWS;
    int rc = ristra__schema_init(&pop->schema, model, o);
    char **header = NULL;
    int32_t n_header = 0;
    if (!rc)
        rc = ristra__csv_read_header(&pop->csv, &header, &n_header, &pop->consumed);
    if (rc) { /* the schema owns the names, to free them */
        pop->schema.header = header;
        pop->schema.n_header = n_header;
        return rc;
    }
    return ristra__schema_map_columns(&pop->schema, header, n_header, pop->csv.name,
                                      o->outcome_required);
}

static int open_common(ristra_population **out, ristra__stream *stream,
                       const ristra_model *model, const ristra_population_options *opts)
{
    ristra_population_options full;
    const ristra_population_options *o = &full;
    int rc = ristra__struct_load(&full, opts, &DEFAULTS, &ristra__info_population_options,
                                 "ristra_population_open");
    if (!rc)
        rc = check_options(model, o);
    if (rc) {
        ristra__stream_close(stream);
        return rc;
    }
    ristra_population *pop = calloc(1, sizeof *pop);
    if (!pop) {
        ristra__stream_close(stream);
        return ristra__oom();
    }
    rc = ristra__csv_open(&pop->csv, stream);
    if (!rc)
        rc = setup(pop, model, o);
    if (rc) {
        ristra_population_close(pop);
        return rc;
    }
    *out = pop;
    return RISTRA_OK;
}

int ristra_population_open(ristra_population **out, const char *path, const ristra_model *model,
                           const ristra_population_options *opts)
{
    if (!out)
        return ristra__error(RISTRA_EINVAL, "ristra_population_open: out is NULL");
    *out = NULL;
    if (!path)
        return ristra__error(RISTRA_EINVAL, "ristra_population_open: path is NULL");
    ristra__stream *s = NULL;
    int rc = ristra__stream_open_file(&s, path);
    if (rc)
        return rc;
    return open_common(out, s, model, opts);
}

int ristra_population_open_buffer(ristra_population **out, const void *data, size_t size,
                                  const char *source_name, const ristra_model *model,
                                  const ristra_population_options *opts)
{
    if (!out)
        return ristra__error(RISTRA_EINVAL, "ristra_population_open_buffer: out is NULL");
    *out = NULL;
    if (!data && size > 0)
        return ristra__error(RISTRA_EINVAL, "ristra_population_open_buffer: data is NULL");
    ristra__stream *s = NULL;
    int rc = ristra__stream_open_memory(&s, data ? data : "", size,
                                        source_name ? source_name : "<buffer>");
    if (rc)
        return rc;
    return open_common(out, s, model, opts);
}

int ristra_population_read(ristra_population_block *out, ristra_population *pop)
{
    if (!out || !pop)
        return ristra__error(RISTRA_EINVAL, "ristra_population_read: %s is NULL",
                             out ? "pop" : "out");
    int rc = ristra__struct_check_out(out, &ristra__info_population_block,
                                      "ristra_population_read");
    if (rc)
        return rc;
    if (pop->failed)
        return ristra__error(RISTRA_EINVAL,
                             "ristra_population_read: %s: an earlier read failed; close the reader",
                             pop->csv.name);
    pop->rows_before += pop->n_rows;
    ristra__csv_discard(&pop->csv, pop->consumed);
    pop->consumed = 0;
    pop->n_rows = 0;
    ristra__arena_reset(&pop->arena);

    rc = scan_block(pop);
    if (!rc && pop->n_rows == 0 && pop->rows_before == 0)
        rc = ristra__error(RISTRA_EFORMAT, "%s: the file has a header but no rows", pop->csv.name);
    if (!rc && pop->n_rows == 0) /* the end: no row is left to compare */
        seen_free(pop);
    if (!rc) {
        int nt = ristra__resolve_threads(pop->n_threads, pop->n_rows, MIN_ROWS_PER_THREAD);
        ristra__parallel_for(pop->n_rows, nt, parse_range, pop);
        rc = finish_rows(pop);
    }
    if (!rc && pop->schema.id_kind == RISTRA_ID_PSEUDONYM)
        rc = keep_identifiers(pop);
    if (rc) {
        pop->failed = 1;
        pop->n_rows = 0;
        return rc;
    }
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    b.n_rows = pop->n_rows;
    b.n_cols = pop->schema.n_cols;
    b.values = pop->values;
    b.status = pop->status;
    b.nhs_number = pop->schema.id_kind == RISTRA_ID_NHS ? pop->nhs : NULL;
    b.identifier = pop->schema.id_kind == RISTRA_ID_PSEUDONYM ? pop->identifier : NULL;
    b.practice = pop->practice;
    b.outcome = pop->schema.has_outcome ? pop->outcome : NULL;
    b.extra = pop->schema.n_extra ? pop->extra : NULL;
    b.line = pop->lines;
    b.first_row = pop->rows_before;
    return ristra__struct_store(out, &b, &ristra__info_population_block, "ristra_population_read");
}

int32_t ristra_population_n_practices(const ristra_population *pop)
{
    return pop ? pop->n_practices : 0;
}

const char *ristra_population_practice(const ristra_population *pop, int32_t index)
{
    if (!pop || index < 0 || index >= pop->n_practices)
        return NULL;
    return pop->practice_codes[index];
}

int ristra_population_progress(uint64_t *bytes_done, uint64_t *bytes_total,
                               const ristra_population *pop)
{
    if (!bytes_done || !bytes_total || !pop)
        return ristra__error(RISTRA_EINVAL, "ristra_population_progress: NULL argument");
    *bytes_done = ristra__stream_raw_consumed(pop->csv.stream);
    *bytes_total = ristra__stream_raw_size(pop->csv.stream);
    return RISTRA_OK;
}
