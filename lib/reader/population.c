/* The population reader: CSV (plain or gzip) to checked blocks of rows.
 * See reader_internal.h for the data flow and docs/population-files.md
 * for the rules a file must follow. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/identifiers.h"
#include "ristra/population.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../common/parallel_internal.h"
#include "../io/stream_internal.h"
#include "../model/model_internal.h"
#include "../schema/identifiers_internal.h"
#include "number_internal.h"
#include "reader_internal.h"

enum {
    DEFAULT_BLOCK_ROWS = 65536,
    READ_FIRST = 256 << 10,           /* the text buffer's first size */
    READ_MIN = 64 << 10,              /* read at least this much at a time */
    BLOCK_BYTES = 32 << 20,           /* a block stops early past this much text */
    MAX_RECORD = 16 << 20,            /* longer than this is not a population file */
    MIN_ROWS_PER_THREAD = 2048,
    SHOWN_TEXT = 64                   /* characters of a bad field shown in a reason */
};

static const ristra_population_options DEFAULTS = RISTRA_POPULATION_OPTIONS_INIT;

int ristra_population_options_init(ristra_population_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_population_options,
                               "ristra_population_options_init");
}

/* ------------------------------------------------------------------ */
/* Fields.                                                              */

/* Splits off the next field of a record at p (end is the record's end).
 * Sets the field's text: inside the quotes for a quoted field (a doubled
 * quote stays doubled), the raw text otherwise. Returns where the next
 * field starts, or NULL after the last one. Text after a closing quote
 * (`"ab"c`) makes the whole raw text the field, which is then no valid
 * number or identifier. */
static const char *next_field(const char *p, const char *end, const char **f, size_t *flen)
{
    if (p < end && *p == '"') {
        const char *q = p + 1;
        for (;;) {
            q = memchr(q, '"', (size_t)(end - q));
            if (!q || q + 1 >= end || q[1] != '"')
                break;
            q += 2;
        }
        if (q && (q + 1 == end || q[1] == ',')) {
            *f = p + 1;
            *flen = (size_t)(q - p - 1);
            return q + 1 == end ? NULL : q + 2;
        }
        const char *c = q ? memchr(q, ',', (size_t)(end - q)) : NULL;
        *f = p;
        *flen = (size_t)((c ? c : end) - p);
        return c ? c + 1 : NULL;
    }
    /* Fields are short (a few characters): a plain loop beats a call to
     * memchr per field. */
    const char *c = p;
    while (c < end && *c != ',')
        c++;
    *f = p;
    *flen = (size_t)(c - p);
    return c < end ? c + 1 : NULL;
}

/* A missing value: an empty field (spaces only) or "NA", as R writes it. */
static int is_missing_text(const char *s, size_t n)
{
    while (n > 0 && *s == ' ')
        s++, n--;
    while (n > 0 && s[n - 1] == ' ')
        n--;
    return n == 0 || (n == 2 && s[0] == 'N' && s[1] == 'A');
}

static uint64_t practice_key(const char *s, size_t n)
{
    if (!ristra_ods_practice_code_valid(s, n))
        return 0;
    uint64_t k = 0;
    memcpy(&k, s, n);
    return k;
}

/* Parses one record into row r of the block. */
static void parse_record(ristra_population *pop, int64_t r)
{
    const ristra__record *rec = &pop->rec[r];
    const char *p = pop->buf + rec->start, *end = p + rec->len;
    double *vals = pop->values + r * pop->n_cols;
    double *extra = pop->extra ? pop->extra + r * pop->n_extra : NULL;
    int st_id = RISTRA_ROW_BAD_NHS_NUMBER, st_pr = RISTRA_ROW_BAD_PRACTICE;
    int st_val = RISTRA_ROW_OK;
    int32_t bad_val = -1;
    uint64_t nhs = 0, pkey = 0;
    double outcome = NAN;
    int32_t nf = 0;

    for (const char *q = p;;) {
        const char *f;
        size_t fl;
        const char *next = next_field(q, end, &f, &fl);
        int32_t c = nf++;
        if (c < pop->n_header) {
            const ristra__column_role role = pop->roles[c];
            double v = NAN;
            int st = RISTRA_ROW_OK;
            switch (role.role) {
            case COL_ID:
                st_id = ristra__identifier_check(pop->id_kind, f, fl, &nhs);
                break;
            case COL_PRACTICE:
                pkey = practice_key(f, fl);
                if (pkey)
                    st_pr = RISTRA_ROW_OK;
                break;
            case COL_VALUE:
                if (!is_missing_text(f, fl) && !ristra__parse_number(f, fl, &v))
                    st = RISTRA_ROW_NOT_NUMERIC;
                else if (pop->model) {
                    const ristra__feature *feat = &pop->model->features[role.index];
                    if (isnan(v)) {
                        if (feat->missing_policy == RISTRA_MISSING_REJECT)
                            st = RISTRA_ROW_MISSING;
                    } else if (v < feat->lo || v > feat->hi) {
                        st = RISTRA_ROW_OUT_OF_RANGE;
                    }
                }
                vals[role.index] = v;
                break;
            case COL_EXTRA:
                if (!is_missing_text(f, fl) && !ristra__parse_number(f, fl, &v))
                    st = RISTRA_ROW_NOT_NUMERIC;
                extra[role.index] = v;
                break;
            case COL_OUTCOME:
                if (!is_missing_text(f, fl) &&
                    (!ristra__parse_number(f, fl, &outcome) || (outcome != 0.0 && outcome != 1.0)))
                    st = RISTRA_ROW_BAD_OUTCOME;
                break;
            default:
                break;
            }
            if (role.extra >= 0) { /* the same column also read as an extra column */
                double e = NAN;
                if (role.role == COL_VALUE)
                    e = v;
                else if (!is_missing_text(f, fl) && !ristra__parse_number(f, fl, &e) &&
                         st == RISTRA_ROW_OK)
                    st = RISTRA_ROW_NOT_NUMERIC;
                extra[role.extra] = e;
            }
            if (st != RISTRA_ROW_OK && st_val == RISTRA_ROW_OK) {
                st_val = st;
                bad_val = c;
            }
        }
        if (!next)
            break;
        q = next;
    }

    int status = RISTRA_ROW_OK;
    int32_t bad = -1;
    if (nf != pop->n_header)
        status = RISTRA_ROW_FIELD_COUNT;
    else if (st_id != RISTRA_ROW_OK)
        status = st_id, bad = pop->id_col;
    else if (st_pr != RISTRA_ROW_OK)
        status = st_pr, bad = pop->practice_col;
    else if (st_val != RISTRA_ROW_OK)
        status = st_val, bad = bad_val;

    ristra__record *w = &pop->rec[r];
    w->n_fields = nf;
    w->bad_col = bad;
    pop->status[r] = status;
    pop->nhs[r] = nhs;
    pop->practice_key[r] = pkey;
    if (pop->outcome)
        pop->outcome[r] = status == RISTRA_ROW_OK ? outcome : NAN;
}

static int parse_range(void *ctx, int64_t begin, int64_t end, int thread_index)
{
    (void)thread_index;
    for (int64_t r = begin; r < end; r++)
        parse_record(ctx, r);
    return 0;
}

static void blank_row(ristra_population *pop, int64_t r)
{
    for (int64_t j = 0; j < pop->n_cols; j++)
        pop->values[r * pop->n_cols + j] = NAN;
    for (int64_t j = 0; j < pop->n_extra; j++)
        pop->extra[r * pop->n_extra + j] = NAN;
    if (pop->outcome)
        pop->outcome[r] = NAN;
}

/* The sequential step: practice codes to indices, repeated NHS numbers. */
static int finish_rows(ristra_population *pop)
{
    if (pop->rows_before == 0 && pop->check_duplicates && pop->n_rows > 0) {
        /* Rows in the whole file, estimated from the first block's share
         * of the bytes (compressed bytes for gzip): ample, not exact. */
        uint64_t done = ristra__stream_raw_consumed(pop->stream);
        uint64_t total = ristra__stream_raw_size(pop->stream);
        double est = done > 0 && total > done ? (double)pop->n_rows * (double)total / (double)done
                                              : (double)pop->n_rows;
        if (est > 1e9)
            est = 1e9;
        int rc = ristra__u64_map_reserve(&pop->seen_nhs, (size_t)(est * 1.1));
        if (rc)
            return rc;
    }
    enum { AHEAD = 16 };
    for (int64_t r = 0; r < pop->n_rows; r++) {
        if (r + AHEAD < pop->n_rows && pop->check_duplicates)
            ristra__u64_map_prefetch(&pop->seen_nhs, pop->nhs[r + AHEAD]);
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
            int rc = ristra__u64_map_get_or_put(&pop->seen_nhs, pop->nhs[r], pop->lines[r], &first);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                pop->status[r] = RISTRA_ROW_DUPLICATE;
                pop->rec[r].other_line = first;
                pop->rec[r].bad_col = pop->id_col;
            }
        }
        if (pop->status[r] != RISTRA_ROW_OK)
            blank_row(pop, r);
    }
    return RISTRA_OK;
}

/* ------------------------------------------------------------------ */
/* Records: the text split at line ends that are not inside quotes.     */

static int64_t count_newlines(const char *p, size_t n)
{
    int64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

/* Appends more of the stream to the buffer; sets eof at the end. from is
 * where the record being looked for starts (for messages). */
static int fill(ristra_population *pop, size_t from)
{
    if (pop->len - from > MAX_RECORD)
        return ristra__error(RISTRA_EFORMAT,
                             "%s: line %lld: a record longer than %d MiB: not a population file",
                             pop->name, (long long)(pop->line + 1), MAX_RECORD >> 20);
    if (pop->cap - pop->len < READ_MIN) {
        size_t cap = pop->cap ? pop->cap * 2 : READ_FIRST;
        char *buf = realloc(pop->buf, cap);
        if (!buf)
            return ristra__oom();
        pop->buf = buf;
        pop->cap = cap;
    }
    int64_t got = ristra__stream_read(pop->stream, pop->buf + pop->len, pop->cap - pop->len);
    if (got < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", ristra_last_error());
        return ristra__error((int)got, "%s (the file cannot be read past line %lld)", msg,
                             (long long)pop->line);
    }
    if (got == 0) {
        pop->eof = 1;
        return RISTRA_OK;
    }
    const char *nul = memchr(pop->buf + pop->len, '\0', (size_t)got);
    if (nul)
        return ristra__error(RISTRA_EFORMAT,
                             "%s: line %lld: a NUL byte: this is not a text CSV file", pop->name,
                             (long long)(pop->line + 1 +
                                         count_newlines(pop->buf + from,
                                                        (size_t)(nul - pop->buf) - from)));
    pop->len += (size_t)got;
    return RISTRA_OK;
}

/* Finds the record starting at buf[from]: its end (before the line end)
 * and where the next one starts. Returns 1, 0 at the end of the file, or
 * a negative error (an unterminated quote at the end of the file). */
static int find_record(ristra_population *pop, size_t from, size_t *rec_end, size_t *next,
                       int *has_quote)
{
    size_t i = from;
    int inq = 0;
    *has_quote = 0;
    for (;;) {
        const char *b = pop->buf;
        size_t len = pop->len;
        while (i < len) {
            if (!inq) {
                const char *nl = memchr(b + i, '\n', len - i);
                size_t lim = nl ? (size_t)(nl - b) : len;
                const char *q = memchr(b + i, '"', lim - i);
                if (q) {
                    inq = *has_quote = 1;
                    i = (size_t)(q - b) + 1;
                    continue;
                }
                if (nl) {
                    *rec_end = lim;
                    *next = lim + 1;
                    return 1;
                }
                i = len;
            } else {
                const char *q = memchr(b + i, '"', len - i);
                if (!q) {
                    i = len;
                    break;
                }
                size_t k = (size_t)(q - b);
                if (k + 1 == len && !pop->eof) {
                    i = k; /* a quote at the end of what was read: read more to know */
                    break;
                }
                if (k + 1 < len && b[k + 1] == '"')
                    i = k + 2;
                else {
                    inq = 0;
                    i = k + 1;
                }
            }
        }
        if (pop->eof) {
            if (inq)
                return ristra__error(RISTRA_EFORMAT,
                                     "%s: line %lld: a quoted field is never closed (the file "
                                     "ends inside quotes)",
                                     pop->name, (long long)(pop->line + 1));
            if (from == len)
                return 0;
            *rec_end = *next = len;
            return 1;
        }
        int rc = fill(pop, from);
        if (rc)
            return rc;
    }
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
    size_t c = (size_t)cap, nc = (size_t)(pop->n_cols > 0 ? pop->n_cols : 1);
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
    if (pop->id_kind == RISTRA_ID_PSEUDONYM)
        GROW(identifier, c);
    if (pop->n_extra)
        GROW(extra, c * (size_t)pop->n_extra);
    if (pop->has_outcome)
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
        size_t rec_end = 0, next = 0;
        int has_quote = 0;
        int rc = find_record(pop, pos, &rec_end, &next, &has_quote);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
        size_t len = rec_end - pos;
        if (len > 0 && pop->buf[rec_end - 1] == '\r')
            len--;
        int64_t start_line = pop->line + 1;
        pop->line += (next > rec_end ? 1 : 0) +
                     (has_quote ? count_newlines(pop->buf + pos, rec_end - pos) : 0);
        if (len > 0) {
            int grc = grow_rows(pop, n + 1);
            if (grc)
                return grc;
            ristra__record *rec = &pop->rec[n];
            rec->start = pos;
            rec->len = len;
            rec->has_quote = has_quote;
            rec->other_line = 0;
            pop->lines[n] = start_line;
            n++;
        }
        pos = next;
    }
    pop->n_rows = n;
    pop->consumed = pos;
    return RISTRA_OK;
}

/* ------------------------------------------------------------------ */
/* Opening: the header and the columns.                                 */

static char *unquote(const char *f, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        s[k++] = f[i];
        if (f[i] == '"' && i + 1 < n && f[i + 1] == '"')
            i++;
    }
    s[k] = '\0';
    return s;
}

static char **copy_names(const char *const *names, int64_t n)
{
    char **out = calloc((size_t)(n > 0 ? n : 1), sizeof *out);
    if (!out)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        out[i] = strdup(names[i]);
        if (!out[i]) {
            for (int64_t j = 0; j < i; j++)
                free(out[j]);
            free(out);
            return NULL;
        }
    }
    return out;
}

static void free_names(char **names, int64_t n)
{
    if (!names)
        return;
    for (int64_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int read_header(ristra_population *pop)
{
    int rc = fill(pop, 0);
    if (rc)
        return rc;
    size_t from = 0;
    if (pop->len >= 3 && !memcmp(pop->buf, "\xEF\xBB\xBF", 3))
        from = 3;
    size_t rec_end = 0, next = 0;
    int has_quote = 0;
    rc = find_record(pop, from, &rec_end, &next, &has_quote);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ristra__error(RISTRA_EFORMAT, "%s: the file is empty: no header line", pop->name);
    size_t len = rec_end - from;
    if (len > 0 && pop->buf[rec_end - 1] == '\r')
        len--;
    if (len == 0)
        return ristra__error(RISTRA_EFORMAT, "%s: line 1: the header line is empty", pop->name);
    pop->line = 1 + (has_quote ? count_newlines(pop->buf + from, rec_end - from) : 0);

    int32_t cap = 16;
    pop->header = calloc((size_t)cap, sizeof *pop->header);
    if (!pop->header)
        return ristra__oom();
    const char *p = pop->buf + from, *end = p + len;
    for (const char *q = p;;) {
        const char *f;
        size_t fl;
        const char *nx = next_field(q, end, &f, &fl);
        if (pop->n_header == cap) {
            char **h = realloc(pop->header, (size_t)cap * 2 * sizeof *h);
            if (!h)
                return ristra__oom();
            pop->header = h;
            cap *= 2;
        }
        pop->header[pop->n_header] = unquote(f, fl);
        if (!pop->header[pop->n_header])
            return ristra__oom();
        pop->n_header++;
        if (!nx)
            break;
        q = nx;
    }
    pop->consumed = next;
    return RISTRA_OK;
}

/* Appends text to a growing message buffer (for the list of missing columns). */
static void append(char *buf, size_t cap, const char *text)
{
    size_t n = strlen(buf);
    if (n + 1 < cap)
        snprintf(buf + n, cap - n, "%s", text);
}

/* Gives every header column its role; names every required column that
 * is absent in one error. */
static int map_columns(ristra_population *pop, const char *outcome, int outcome_required)
{
    pop->roles = calloc((size_t)pop->n_header, sizeof *pop->roles);
    for (int32_t c = 0; pop->roles && c < pop->n_header; c++)
        pop->roles[c].extra = -1;
    pop->value_col = malloc((size_t)(pop->n_cols > 0 ? pop->n_cols : 1) * sizeof *pop->value_col);
    if (!pop->roles || !pop->value_col)
        return ristra__oom();
    pop->id_col = pop->practice_col = pop->outcome_col = -1;
    int64_t n_wanted = 3 + pop->n_cols + pop->n_extra;
    int32_t *found = malloc((size_t)n_wanted * sizeof *found);
    if (!found)
        return ristra__oom();
    for (int64_t w = 0; w < n_wanted; w++)
        found[w] = -1;
    int rc = RISTRA_OK;
    for (int32_t c = 0; c < pop->n_header && rc == RISTRA_OK; c++) {
        const char *name = pop->header[c];
        for (int64_t w = 0; w < n_wanted; w++) {
            const char *want;
            int role;
            int32_t index = 0;
            if (w == 0)
                want = pop->id_name, role = COL_ID;
            else if (w == 1)
                want = pop->practice_name, role = COL_PRACTICE;
            else if (w == 2)
                want = outcome, role = COL_OUTCOME;
            else if (w < 3 + pop->n_cols)
                want = pop->col_names[w - 3], role = COL_VALUE, index = (int32_t)(w - 3);
            else
                want = pop->extra_names[w - 3 - pop->n_cols], role = COL_EXTRA,
                index = (int32_t)(w - 3 - pop->n_cols);
            if (!want || strcmp(want, name) != 0)
                continue;
            if (found[w] >= 0) {
                rc = ristra__error(RISTRA_EFORMAT,
                                   "%s: line 1: columns %d and %d are both named \"%s\"",
                                   pop->name, found[w] + 1, c + 1, name);
                break;
            }
            found[w] = c;
            ristra__column_role *cr = &pop->roles[c];
            if (cr->role == COL_IGNORED && role == COL_EXTRA) {
                cr->role = COL_EXTRA;
                cr->index = index;
            } else if (role == COL_EXTRA && cr->extra < 0) {
                cr->extra = index; /* e.g. "age" as a feature and for age bands */
            } else if (cr->role == COL_IGNORED) {
                cr->role = role;
                cr->index = index;
            } else {
                rc = ristra__error(RISTRA_EINVAL,
                                   "%s: column %d (\"%s\") is asked for in two roles (for example "
                                   "as the outcome and as a feature, or twice in a list)",
                                   pop->name, c + 1, name);
                break;
            }
        }
    }
    if (rc == RISTRA_OK) {
        char missing[1024] = "";
        int n_missing = 0;
        for (int64_t w = 0; w < n_wanted; w++) {
            if (found[w] >= 0 || (w == 2 && (!outcome || !outcome_required)))
                continue;
            const char *want = w == 0 ? pop->id_name
                               : w == 1 ? pop->practice_name
                               : w == 2 ? outcome
                               : w < 3 + pop->n_cols ? pop->col_names[w - 3]
                                                     : pop->extra_names[w - 3 - pop->n_cols];
            append(missing, sizeof missing, n_missing ? ", \"" : "\"");
            append(missing, sizeof missing, want);
            append(missing, sizeof missing, "\"");
            n_missing++;
        }
        if (n_missing)
            rc = ristra__error(RISTRA_ENOTFOUND, "%s: line 1: the header lacks %d required column%s: %s",
                               pop->name, n_missing, n_missing == 1 ? "" : "s", missing);
    }
    if (rc == RISTRA_OK) {
        pop->id_col = found[0];
        pop->practice_col = found[1];
        pop->outcome_col = found[2];
        pop->has_outcome = found[2] >= 0;
        for (int64_t j = 0; j < pop->n_cols; j++)
            pop->value_col[j] = found[3 + j];
    }
    free(found);
    return rc;
}

void ristra_population_close(ristra_population *pop)
{
    if (!pop)
        return;
    ristra__stream_close(pop->stream);
    free(pop->name);
    free_names(pop->header, pop->n_header);
    free(pop->roles);
    free_names(pop->col_names, pop->n_cols);
    free_names(pop->extra_names, pop->n_extra);
    free(pop->value_col);
    free(pop->id_name);
    free(pop->practice_name);
    free(pop->outcome_name);
    free(pop->buf);
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
    ristra__u64_map_free(&pop->seen_nhs);
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
        return ristra__error(RISTRA_EINVAL, "%s: opts->id_kind is %d (expected RISTRA_ID_NHS or "
                             "RISTRA_ID_PSEUDONYM)", fn, o->id_kind);
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
    if (o->n_threads < 0)
        return ristra__error(RISTRA_EINVAL, "%s: opts->n_threads must be >= 0", fn);
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
    pop->model = model;
    pop->check_duplicates = o->check_duplicates != 0;
    pop->n_threads = o->n_threads;
    pop->block_rows = o->block_rows > 0 ? o->block_rows : DEFAULT_BLOCK_ROWS;
    pop->id_kind = o->id_kind ? o->id_kind : RISTRA_ID_NHS;
    pop->id_name = strdup(o->id_column ? o->id_column : ristra_id_kind_column(pop->id_kind));
    pop->practice_name = strdup(o->practice_column);
    if (!pop->id_name || !pop->practice_name)
        return ristra__oom();
    if (o->outcome_column && !(pop->outcome_name = strdup(o->outcome_column)))
        return ristra__oom();
    if (model) {
        pop->n_cols = model->n_features;
        pop->col_names = calloc((size_t)(pop->n_cols > 0 ? pop->n_cols : 1), sizeof(char *));
        if (!pop->col_names)
            return ristra__oom();
        for (int64_t j = 0; j < pop->n_cols; j++)
            if (!(pop->col_names[j] = strdup(model->features[j].name)))
                return ristra__oom();
    } else {
        pop->n_cols = o->n_columns;
        if (!(pop->col_names = copy_names(o->columns, o->n_columns)))
            return ristra__oom();
    }
    pop->n_extra = o->n_extra;
    if (!(pop->extra_names = copy_names(o->extra_columns, o->n_extra)))
        return ristra__oom();

    int rc = read_header(pop);
    if (!rc)
        rc = map_columns(pop, pop->outcome_name, o->outcome_required);
    if (rc)
        return rc;

    return RISTRA_OK;
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
    pop->stream = stream;
    pop->name = strdup(ristra__stream_name(stream));
    rc = pop->name ? ristra__stream_start_readahead(stream) : ristra__oom();
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
                             pop->name);
    pop->rows_before += pop->n_rows;
    memmove(pop->buf, pop->buf + pop->consumed, pop->len - pop->consumed);
    pop->len -= pop->consumed;
    pop->consumed = 0;
    pop->n_rows = 0;
    ristra__arena_reset(&pop->arena);

    rc = scan_block(pop);
    if (!rc && pop->n_rows == 0 && pop->rows_before == 0)
        rc = ristra__error(RISTRA_EFORMAT, "%s: the file has a header but no rows", pop->name);
    if (!rc) {
        int nt = ristra__resolve_threads(pop->n_threads, pop->n_rows, MIN_ROWS_PER_THREAD);
        ristra__parallel_for(pop->n_rows, nt, parse_range, pop);
        rc = finish_rows(pop);
    }
    for (int64_t r = 0; !rc && pop->id_kind == RISTRA_ID_PSEUDONYM && r < pop->n_rows; r++) {
        const char *id;
        size_t idl;
        field_text(pop, r, pop->id_col, &id, &idl);
        if (!(pop->identifier[r] = ristra__arena_put(&pop->arena, id, idl)))
            rc = ristra__oom();
    }
    if (rc) {
        pop->failed = 1;
        pop->n_rows = 0;
        return rc;
    }
    ristra_population_block b = RISTRA_POPULATION_BLOCK_INIT;
    b.n_rows = pop->n_rows;
    b.n_cols = pop->n_cols;
    b.values = pop->values;
    b.status = pop->status;
    b.nhs_number = pop->id_kind == RISTRA_ID_NHS ? pop->nhs : NULL;
    b.identifier = pop->id_kind == RISTRA_ID_PSEUDONYM ? pop->identifier : NULL;
    b.practice = pop->practice;
    b.outcome = pop->has_outcome ? pop->outcome : NULL;
    b.extra = pop->n_extra ? pop->extra : NULL;
    b.line = pop->lines;
    b.first_row = pop->rows_before;
    return ristra__struct_store(out, &b, &ristra__info_population_block, "ristra_population_read");
}

/* The text of header column c in record r ("" when the row is short). */
static void field_text(const ristra_population *pop, int64_t r, int32_t c, const char **f,
                       size_t *fl)
{
    const ristra__record *rec = &pop->rec[r];
    const char *p = pop->buf + rec->start, *end = p + rec->len;
    *f = "";
    *fl = 0;
    if (c < 0)
        return;
    for (int32_t k = 0;; k++) {
        const char *t;
        size_t tl;
        const char *next = next_field(p, end, &t, &tl);
        if (k == c) {
            *f = t;
            *fl = tl;
            return;
        }
        if (!next)
            return;
        p = next;
    }
}

static const char *reason_text(ristra_population *pop, int64_t r)
{
    const ristra__record *rec = &pop->rec[r];
    int st = pop->status[r];
    char msg[512];
    const char *f = "";
    size_t fl = 0;
    int32_t c = rec->bad_col;
    field_text(pop, r, c, &f, &fl);
    int shown = (int)(fl > SHOWN_TEXT ? SHOWN_TEXT : fl);
    const char *more = fl > SHOWN_TEXT ? "..." : "";
    const char *col = c >= 0 ? pop->header[c] : "";
    switch (st) {
    case RISTRA_ROW_OK:
        msg[0] = '\0';
        break;
    case RISTRA_ROW_FIELD_COUNT:
        snprintf(msg, sizeof msg, "the row has %d field%s; the header has %d", rec->n_fields,
                 rec->n_fields == 1 ? "" : "s", pop->n_header);
        break;
    case RISTRA_ROW_BAD_NHS_NUMBER:
        snprintf(msg, sizeof msg,
                 "field \"%s\": \"%.*s%s\" is not a valid NHS number (10 digits ending in a "
                 "modulus-11 check digit)",
                 col, shown, f, more);
        break;
    case RISTRA_ROW_BAD_PSEUDONYM:
        snprintf(msg, sizeof msg,
                 "field \"%s\": \"%.*s%s\" is not a pseudonym (%d to %d of A-Z, a-z, 0-9, _ "
                 "and -)",
                 col, shown, f, more, RISTRA_PSEUDONYM_MIN_LENGTH, RISTRA_PSEUDONYM_MAX_LENGTH);
        break;
    case RISTRA_ROW_BAD_PRACTICE:
        snprintf(msg, sizeof msg,
                 "field \"%s\": \"%.*s%s\" is not an ODS practice code (a capital letter and five "
                 "digits)",
                 col, shown, f, more);
        break;
    case RISTRA_ROW_NOT_NUMERIC:
        snprintf(msg, sizeof msg, "field \"%s\": \"%.*s%s\" is not a number", col, shown, f, more);
        break;
    case RISTRA_ROW_OUT_OF_RANGE: {
        const ristra__feature *feat = &pop->model->features[pop->roles[c].index];
        snprintf(msg, sizeof msg, "field \"%s\": %.*s%s is outside the valid range [%.17g, %.17g]",
                 col, shown, f, more, feat->lo, feat->hi);
        break;
    }
    case RISTRA_ROW_MISSING:
        snprintf(msg, sizeof msg,
                 "field \"%s\" is missing, and the model rejects a row without it", col);
        break;
    case RISTRA_ROW_BAD_OUTCOME:
        snprintf(msg, sizeof msg, "field \"%s\": \"%.*s%s\" is not 0 or 1", col, shown, f, more);
        break;
    case RISTRA_ROW_DUPLICATE:
        snprintf(msg, sizeof msg, "%s %.*s%s is already on line %lld",
                 pop->id_kind == RISTRA_ID_PSEUDONYM ? "pseudonym" : "NHS number", shown, f,
                 more, (long long)rec->other_line);
        break;
    default:
        snprintf(msg, sizeof msg, "%s", ristra_row_status_string(st));
        break;
    }
    return ristra__arena_put(&pop->arena, msg, strlen(msg));
}

int ristra_population_reject_info(ristra_population_reject *out, const ristra_population *cpop,
                                  int64_t row)
{
    const char *fn = "ristra_population_reject_info";
    if (!out || !cpop)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, out ? "pop" : "out");
    int rc = ristra__struct_check_out(out, &ristra__info_population_reject, fn);
    if (rc)
        return rc;
    if (row < 0 || row >= cpop->n_rows)
        return ristra__error(RISTRA_EINVAL, "%s: row %lld is not in the current block (0..%lld)",
                             fn, (long long)row, (long long)cpop->n_rows - 1);
    /* The arena is scratch that the caller cannot see change: the reader
     * is logically const here. */
    ristra_population *pop = (ristra_population *)(uintptr_t)cpop;
    const char *id = NULL, *pr = NULL;
    size_t idl = 0, prl = 0;
    field_text(pop, row, pop->id_col, &id, &idl);
    field_text(pop, row, pop->practice_col, &pr, &prl);
    ristra_population_reject r = RISTRA_POPULATION_REJECT_INIT;
    r.line = pop->lines[row];
    r.status = pop->status[row];
    r.nhs_number = ristra__arena_put(&pop->arena, id, idl);
    r.practice = ristra__arena_put(&pop->arena, pr, prl);
    r.reason = reason_text(pop, row);
    if (!r.nhs_number || !r.practice || !r.reason)
        return ristra__oom();
    return ristra__struct_store(out, &r, &ristra__info_population_reject, fn);
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
    *bytes_done = ristra__stream_raw_consumed(pop->stream);
    *bytes_total = ristra__stream_raw_size(pop->stream);
    return RISTRA_OK;
}
