/* The CSV layer of the reader (see csv_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ristra/common.h"
#include "../common/error_internal.h"
#include "../io/stream_internal.h"
#include "csv_internal.h"

enum {
    READ_FIRST = 256 << 10,           /* the text buffer's first size */
    READ_MIN = 64 << 10,              /* read at least this much at a time */
    MAX_RECORD = 16 << 20             /* longer than this is not a population file */
};

int64_t ristra__csv_count_newlines(const char *p, size_t n)
{
    int64_t k = 0;
    for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
        k++;
    return k;
}

void ristra__csv_field(const char *text, size_t len, int32_t c, const char **f, size_t *flen)
{
    const char *p = text, *end = text + len;
    *f = "";
    *flen = 0;
    if (c < 0)
        return;
    for (int32_t k = 0;; k++) {
        const char *t;
        size_t tl;
        const char *next = ristra__csv_next_field(p, end, &t, &tl);
        if (k == c) {
            *f = t;
            *flen = tl;
            return;
        }
        if (!next)
            return;
        p = next;
    }
}

int ristra__csv_open(ristra__csv *csv, struct ristra__stream *stream)
{
    memset(csv, 0, sizeof *csv);
    csv->stream = stream;
    csv->name = strdup(ristra__stream_name(stream));
    return csv->name ? ristra__stream_start_readahead(stream) : ristra__oom();
}

void ristra__csv_close(ristra__csv *csv)
{
    ristra__stream_close(csv->stream);
    free(csv->name);
    free(csv->buf);
    memset(csv, 0, sizeof *csv);
}

void ristra__csv_discard(ristra__csv *csv, size_t consumed)
{
    memmove(csv->buf, csv->buf + consumed, csv->len - consumed);
    csv->len -= consumed;
}

/* Appends more of the stream to the buffer; sets eof at the end. from is
 * where the record being looked for starts (for messages). */
static int fill(ristra__csv *csv, size_t from)
{
    if (csv->len - from > MAX_RECORD)
        return ristra__error(RISTRA_EFORMAT,
                             "%s: line %lld: a record longer than %d MiB: not a population file",
                             csv->name, (long long)(csv->line + 1), MAX_RECORD >> 20);
    if (csv->cap - csv->len < READ_MIN) {
        size_t cap = csv->cap ? csv->cap * 2 : READ_FIRST;
        char *buf = realloc(csv->buf, cap);
        if (!buf)
            return ristra__oom();
        csv->buf = buf;
        csv->cap = cap;
    }
    int64_t got = ristra__stream_read(csv->stream, csv->buf + csv->len, csv->cap - csv->len);
    if (got < 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", ristra_last_error());
        return ristra__error((int)got, "%s (the file cannot be read past line %lld)", msg,
                             (long long)csv->line);
    }
    if (got == 0) {
        csv->eof = 1;
        return RISTRA_OK;
    }
    const char *nul = memchr(csv->buf + csv->len, '\0', (size_t)got);
    if (nul)
        return ristra__error(RISTRA_EFORMAT,
                             "%s: line %lld: a NUL byte: this is not a text CSV file", csv->name,
                             (long long)(csv->line + 1 +
                                         ristra__csv_count_newlines(
                                             csv->buf + from, (size_t)(nul - csv->buf) - from)));
    csv->len += (size_t)got;
    return RISTRA_OK;
}

/* Moves *i past the text read so far, inside or outside quotes. Returns 1
 * with *rec_end and *next set when the record's line end was found. */
static int scan_text(const ristra__csv *csv, size_t *i, int *inq, int *has_quote,
                     size_t *rec_end, size_t *next)
{
    const char *b = csv->buf;
    size_t len = csv->len;
    while (*i < len) {
        if (!*inq) {
            const char *nl = memchr(b + *i, '\n', len - *i);
            size_t lim = nl ? (size_t)(nl - b) : len;
            const char *q = memchr(b + *i, '"', lim - *i);
            if (q) {
                *inq = *has_quote = 1;
                *i = (size_t)(q - b) + 1;
                continue;
            }
            if (nl) {
                *rec_end = lim;
                *next = lim + 1;
                return 1;
            }
            *i = len;
        } else {
            const char *q = memchr(b + *i, '"', len - *i);
            if (!q) {
                *i = len;
                break;
            }
            size_t k = (size_t)(q - b);
            if (k + 1 == len && !csv->eof) {
                *i = k; /* a quote at the end of what was read: read more to know */
                break;
            }
            if (k + 1 < len && b[k + 1] == '"')
                *i = k + 2;
            else {
                *inq = 0;
                *i = k + 1;
            }
        }
    }
    return 0;
}

/* Finds the record starting at buf[from]: its end (before the line end)
 * and where the next one starts. Returns 1, 0 at the end of the file, or
 * a negative error (an unterminated quote at the end of the file). */
static int find_record(ristra__csv *csv, size_t from, size_t *rec_end, size_t *next,
                       int *has_quote)
{
    size_t i = from;
    int inq = 0;
    *has_quote = 0;
    for (;;) {
        if (scan_text(csv, &i, &inq, has_quote, rec_end, next))
            return 1;
        if (csv->eof) {
            if (inq)
                return ristra__error(RISTRA_EFORMAT,
                                     "%s: line %lld: a quoted field is never closed (the file "
                                     "ends inside quotes)",
                                     csv->name, (long long)(csv->line + 1));
            if (from == csv->len)
                return 0;
            *rec_end = *next = csv->len;
            return 1;
        }
        int rc = fill(csv, from);
        if (rc)
            return rc;
    }
}

int ristra__csv_next_record(ristra__csv *csv, size_t from, ristra__csv_record *out)
{
    size_t rec_end = 0, next = 0;
    int has_quote = 0;
    int rc = find_record(csv, from, &rec_end, &next, &has_quote);
    if (rc <= 0)
        return rc;
    size_t len = rec_end - from;
    if (len > MAX_RECORD) /* exactly the documented limit, however much was read */
        return ristra__error(RISTRA_EFORMAT,
                             "%s: line %lld: a record longer than %d MiB: not a population file",
                             csv->name, (long long)(csv->line + 1), MAX_RECORD >> 20);
    if (len > 0 && csv->buf[rec_end - 1] == '\r')
        len--;
    out->start = from;
    out->len = len;
    out->next = next;
    out->has_quote = has_quote;
    out->line = csv->line + 1;
    csv->line += (next > rec_end ? 1 : 0) +
                 (has_quote ? ristra__csv_count_newlines(csv->buf + from, rec_end - from) : 0);
    return 1;
}

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

/* Splits the header record into unquoted names. */
static int split_header(char ***names, int32_t *n_names, const char *p, const char *end)
{
    int32_t cap = 16, n = 0;
    char **h = calloc((size_t)cap, sizeof *h);
    *names = h;
    *n_names = 0;
    if (!h)
        return ristra__oom();
    for (const char *q = p;;) {
        const char *f;
        size_t fl;
        const char *nx = ristra__csv_next_field(q, end, &f, &fl);
        if (n == cap) {
            char **bigger = realloc(h, (size_t)cap * 2 * sizeof *h);
            if (!bigger)
                return ristra__oom();
            *names = h = bigger;
            cap *= 2;
        }
        if (!(h[n] = unquote(f, fl)))
            return ristra__oom();
        *n_names = ++n;
        if (!nx)
            return RISTRA_OK;
        q = nx;
    }
}

int ristra__csv_read_header(ristra__csv *csv, char ***names, int32_t *n_names, size_t *next)
{
    *names = NULL;
    *n_names = 0;
    int rc = fill(csv, 0);
    if (rc)
        return rc;
    size_t from = 0;
    if (csv->len >= 3 && !memcmp(csv->buf, "\xEF\xBB\xBF", 3))
        from = 3;
    ristra__csv_record rec;
    rc = ristra__csv_next_record(csv, from, &rec);
    if (rc < 0)
        return rc;
    if (rc == 0)
        return ristra__error(RISTRA_EFORMAT, "%s: the file is empty: no header line", csv->name);
    if (rec.len == 0)
        return ristra__error(RISTRA_EFORMAT, "%s: line 1: the header line is empty", csv->name);
    /* The header is line 1 whether or not a line end follows it. */
    csv->line = 1 + (rec.has_quote ? ristra__csv_count_newlines(csv->buf + from, rec.len) : 0);
    *next = rec.next;
    return split_header(names, n_names, csv->buf + from, csv->buf + from + rec.len);
}
