/* The reader's CSV layer: a growing text buffer over a stream, split into
 * records at line ends outside quotes (RFC 4180), and records into
 * fields. It knows nothing of what a column means (lib/schema does). */
#ifndef RISTRA_CSV_INTERNAL_H
#define RISTRA_CSV_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct ristra__stream;

typedef struct ristra__csv {
    char *name;                       /* the file's name, for messages */
    struct ristra__stream *stream;
    int eof;                          /* the stream is exhausted */
    char *buf;                        /* buf[0..len) read so far */
    size_t len, cap;
    int64_t line;                     /* lines consumed before the next record */
} ristra__csv;

/* One record found in the buffer. */
typedef struct ristra__csv_record {
    size_t start, len;                /* its text, without the line end */
    size_t next;                      /* where the next record starts */
    int64_t line;                     /* the line it starts on */
    int has_quote;
} ristra__csv_record;

/* Splits off the next field of a record at p (end is the record's end).
 * Sets the field's text: inside the quotes for a quoted field (a doubled
 * quote stays doubled), the raw text otherwise. Returns where the next
 * field starts, or NULL after the last one. Text after a closing quote
 * (`"ab"c`) makes the whole raw text the field, which is then no valid
 * number or identifier. Inline: the reader calls it once per field. */
static inline const char *ristra__csv_next_field(const char *p, const char *end, const char **f,
                                                 size_t *flen)
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

/* Field number c of the record text[0..len) ("" when the record is
 * shorter, or c < 0). */
void ristra__csv_field(const char *text, size_t len, int32_t c, const char **f, size_t *flen);

/* Lines ends in p[0..n). */
int64_t ristra__csv_count_newlines(const char *p, size_t n);

/* Starts reading stream (taken over: closed by ristra__csv_close, also
 * on failure). */
int ristra__csv_open(ristra__csv *csv, struct ristra__stream *stream);
void ristra__csv_close(ristra__csv *csv);

/* Finds the record that starts at buf[from], reading more of the stream
 * as needed, and counts its lines. Returns 1, 0 at the end of the file,
 * or a negative error (a record longer than 16 MiB, a NUL byte, an
 * unterminated quote at the end, an unreadable stream). */
int ristra__csv_next_record(ristra__csv *csv, size_t from, ristra__csv_record *out);

/* Reads the header line (after a UTF-8 byte-order mark, if any) into
 * *names (n_names unquoted, NUL-terminated strings; free each and the
 * array) and sets *next to where the first data record starts. */
int ristra__csv_read_header(ristra__csv *csv, char ***names, int32_t *n_names, size_t *next);

/* Forgets buf[0..consumed): the records there have been used. */
void ristra__csv_discard(ristra__csv *csv, size_t consumed);

#endif
