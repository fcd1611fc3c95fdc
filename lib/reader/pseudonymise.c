/* Keyed pseudonyms for NHS numbers (ristra_pseudonym, ristra_pseudonymise_file).
 *
 * pseudonym = the first `length` characters of base64url (or hex) of
 * HMAC-SHA-256(key, the ten digits of the NHS number), through libcrypto
 * (lib/common/digest.c). The same key gives the same pseudonym for the
 * same patient in every file, so the practice that holds the key re-links
 * a pseudonymised list to its own patients by pseudonymising its own list
 * and joining; without the key the pseudonym says nothing about the
 * number. The key is read, used and wiped here; it never reaches a
 * message or an output. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ristra/identifiers.h"
#include "../common/digest_internal.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "../io/output_internal.h"
#include "../io/stream_internal.h"
#include "../schema/identifiers_internal.h"

static const ristra_pseudonymise_options DEFAULTS = RISTRA_PSEUDONYMISE_OPTIONS_INIT;

enum {
    DEFAULT_LENGTH = 32,
    BASE64URL_CHARS = 43,         /* 32 bytes, unpadded */
    MAX_RECORD = 32 << 20,        /* bytes of one CSV record */
    CHUNK = 1 << 16,
    GZIP_LEVEL = 1
};

int ristra_pseudonymise_options_init(ristra_pseudonymise_options *opts, int version)
{
    return ristra__struct_init(opts, version, &DEFAULTS, &ristra__info_pseudonymise_options,
                               "ristra_pseudonymise_options_init");
}

/* Wipes secrets in a way the compiler may not drop. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

static void base64url(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        int chars = i + 2 < n ? 4 : i + 1 < n ? 3 : 2;
        for (int k = 0; k < chars; k++)
            out[o++] = digits[(v >> (18 - 6 * k)) & 63];
    }
    out[o] = '\0';
}

/* The caller's options over the defaults, checked: encoding and length. */
static int load_options(ristra_pseudonymise_options *o, const ristra_pseudonymise_options *opts,
                        const char *fn)
{
    int rc = ristra__struct_load(o, opts, &DEFAULTS, &ristra__info_pseudonymise_options, fn);
    if (rc)
        return rc;
    if (o->encoding != RISTRA_PSEUDONYM_BASE64URL && o->encoding != RISTRA_PSEUDONYM_HEX)
        return ristra__error(RISTRA_EINVAL,
                             "%s: opts->encoding is %d (expected RISTRA_PSEUDONYM_BASE64URL or "
                             "RISTRA_PSEUDONYM_HEX)", fn, o->encoding);
    int max = o->encoding == RISTRA_PSEUDONYM_HEX ? 2 * RISTRA__SHA256_BYTES : BASE64URL_CHARS;
    if (o->length == 0)
        o->length = DEFAULT_LENGTH;
    if (o->length < RISTRA_PSEUDONYM_MIN_LENGTH || o->length > max)
        return ristra__error(RISTRA_EINVAL, "%s: opts->length is %d (expected %d to %d for this "
                             "encoding, or 0 for %d)", fn, o->length,
                             RISTRA_PSEUDONYM_MIN_LENGTH, max, DEFAULT_LENGTH);
    return RISTRA_OK;
}

/* The pseudonym of a parsed NHS number (its value) into out (length + 1). */
static int make_token(char *out, uint64_t nhs, const void *key, size_t key_len,
                      const ristra_pseudonymise_options *o)
{
    char digits[11];
    snprintf(digits, sizeof digits, "%010llu", (unsigned long long)nhs);
    uint8_t mac[RISTRA__SHA256_BYTES];
    char text[2 * RISTRA__SHA256_BYTES + 1];
    int rc = ristra__hmac_sha256(key, key_len, digits, 10, mac, NULL);
    if (!rc) {
        if (o->encoding == RISTRA_PSEUDONYM_HEX)
            ristra__hex_encode(mac, sizeof mac, text);
        else
            base64url(mac, sizeof mac, text);
        memcpy(out, text, (size_t)o->length);
        out[o->length] = '\0';
    }
    wipe(mac, sizeof mac), wipe(text, sizeof text), wipe(digits, sizeof digits);
    return rc;
}

int ristra_pseudonym(char *out, size_t out_size, const char *nhs_number, size_t len,
                     const void *key, size_t key_len, const ristra_pseudonymise_options *opts)
{
    static const char fn[] = "ristra_pseudonym";
    ristra_pseudonymise_options o;
    int rc = load_options(&o, opts, fn);
    if (rc)
        return rc;
    if (!out || !key)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, !out ? "out" : "key");
    if (key_len < RISTRA_PSEUDONYM_MIN_KEY_BYTES)
        return ristra__error(RISTRA_EINVAL, "%s: the key has %zu bytes (at least %d needed)", fn,
                             key_len, RISTRA_PSEUDONYM_MIN_KEY_BYTES);
    if (out_size < (size_t)o.length + 1)
        return ristra__error(RISTRA_EINVAL, "%s: out_size %zu is less than length + 1 (%d)", fn,
                             out_size, o.length + 1);
    uint64_t nhs;
    if (!ristra__nhs_number_parse(nhs_number, len, &nhs))
        return ristra__error(RISTRA_EINVAL, "%s: the NHS number is not valid", fn);
    return make_token(out, nhs, key, key_len, &o);
}

/* ------------------------------------------------------------ the key file */

/* Reads the key: every byte of the file, at least MIN_KEY_BYTES, at most
 * MAX_KEY_BYTES, from a regular file that only its owner can read. */
static int read_key(uint8_t *key, size_t *key_len, const char *path, const char *fn)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return ristra__error(RISTRA_EIO, "%s: cannot open the key file %s", fn, path);
    struct stat st;
    int rc = RISTRA_OK;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = ristra__error(RISTRA_EIO, "%s: the key file %s is not a regular file", fn, path);
    else if (st.st_mode & 077)
        rc = ristra__error(RISTRA_EINVAL,
                           "%s: the key file %s can be read by others (mode %03o): make it "
                           "0600 (chmod 600)", fn, path, (unsigned)(st.st_mode & 0777));
    ssize_t n = 0;
    if (!rc) {
        n = read(fd, key, RISTRA_PSEUDONYM_MAX_KEY_BYTES + 1);
        if (n < 0)
            rc = ristra__error(RISTRA_EIO, "%s: cannot read the key file %s", fn, path);
        else if (n < RISTRA_PSEUDONYM_MIN_KEY_BYTES || n > RISTRA_PSEUDONYM_MAX_KEY_BYTES)
            rc = ristra__error(RISTRA_EINVAL,
                               "%s: the key file %s holds %s bytes (expected %d to %d, e.g. "
                               "head -c 32 /dev/urandom)", fn, path,
                               n > RISTRA_PSEUDONYM_MAX_KEY_BYTES ? "too many" : "too few",
                               RISTRA_PSEUDONYM_MIN_KEY_BYTES, RISTRA_PSEUDONYM_MAX_KEY_BYTES);
    }
    close(fd);
    *key_len = rc ? 0 : (size_t)n;
    return rc;
}

/* ------------------------------------------------------------ records */

typedef struct record_reader {
    ristra__stream *in;
    char *buf;
    size_t len, pos, cap;
    int eof;
    int64_t line;            /* the line the next record starts on */
} record_reader;

/* Finds the end of the record starting at buf[pos]: the index just past its
 * line end (LF, or CRLF), or past the last byte at the end of the data.
 * Returns 0 and sets *end, or 1 when more bytes are needed. */
static int record_end(const record_reader *r, size_t *end, int64_t *lines)
{
    int quoted = 0;
    *lines = 0;
    for (size_t i = r->pos; i < r->len; i++) {
        char c = r->buf[i];
        if (c == '"')
            quoted = !quoted;
        else if (c == '\n') {
            ++*lines;
            if (!quoted) {
                *end = i + 1;
                return 0;
            }
        }
    }
    if (r->eof && r->pos < r->len) {
        *end = r->len;
        return 0;
    }
    return 1;
}

/* The next record, [*start, *end) of r->buf, valid until the next call;
 * *end == *start at the end of the data. */
static int next_record(record_reader *r, const char **start, size_t *size, const char *fn)
{
    for (;;) {
        size_t end;
        int64_t lines;
        if (!record_end(r, &end, &lines)) {
            *start = r->buf + r->pos;
            *size = end - r->pos;
            r->pos = end;
            r->line += lines;
            return RISTRA_OK;
        }
        if (r->eof) {
            *start = r->buf + r->pos;
            *size = 0;
            return RISTRA_OK;
        }
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
        if (r->cap - r->len < CHUNK) {
            if (r->cap >= MAX_RECORD)
                return ristra__error(RISTRA_EFORMAT, "%s: %s: the record starting on line %lld "
                                     "is longer than %d MiB", fn, ristra__stream_name(r->in),
                                     (long long)r->line, MAX_RECORD >> 20);
            char *b = realloc(r->buf, r->cap * 2);
            if (!b)
                return ristra__oom();
            r->buf = b;
            r->cap *= 2;
        }
        int64_t got = ristra__stream_read(r->in, r->buf + r->len, r->cap - r->len);
        if (got < 0)
            return (int)got;
        r->len += (size_t)got;
        r->eof = got == 0;
    }
}

/* The bounds of field `index` of a record (quotes included), or -1 when the
 * record has fewer fields. Also the number of fields, in *n_fields. */
static int find_field(const char *rec, size_t size, int32_t index, size_t *from, size_t *to,
                      int32_t *n_fields)
{
    int quoted = 0, found = 0;
    int32_t field = 0;
    size_t begin = 0;
    while (size > 0 && (rec[size - 1] == '\n' || rec[size - 1] == '\r'))
        size--;
    for (size_t i = 0; i <= size; i++) {
        if (i < size && rec[i] == '"')
            quoted = !quoted;
        if (i == size || (!quoted && rec[i] == ',')) {
            if (field == index)
                *from = begin, *to = i, found = 1;
            field++;
            begin = i + 1;
        }
    }
    *n_fields = field;
    return found ? 0 : -1;
}

/* The text of a field without its quotes (a doubled quote inside is left
 * doubled: an NHS number has none), into [*text, *n). */
static void unquote(const char *f, size_t n, const char **text, size_t *len)
{
    if (n >= 2 && f[0] == '"' && f[n - 1] == '"')
        f++, n -= 2;
    *text = f, *len = n;
}

/* ------------------------------------------------------------ the file */

typedef struct job {
    record_reader in;
    ristra__output *out;
    const uint8_t *key;
    size_t key_len;
    const ristra_pseudonymise_options *o;
    int32_t id_col;
    ristra_pseudonymise_totals totals;
} job;

static int write_replacing(job *j, const char *rec, size_t size, size_t from, size_t to,
                           const char *text)
{
    int rc = ristra__output_write(j->out, rec, from);
    if (!rc)
        rc = ristra__output_write(j->out, text, strlen(text));
    if (!rc)
        rc = ristra__output_write(j->out, rec + to, size - to);
    return rc;
}

static int header(job *j, const char *fn)
{
    const char *rec;
    size_t size, from, to;
    int rc = next_record(&j->in, &rec, &size, fn);
    if (rc)
        return rc;
    if (size == 0)
        return ristra__error(RISTRA_EFORMAT, "%s: %s is empty", fn, ristra__stream_name(j->in.in));
    size_t skip = size >= 3 && !memcmp(rec, "\xEF\xBB\xBF", 3) ? 3 : 0;
    int32_t n = 0;
    for (int32_t c = 0; find_field(rec + skip, size - skip, c, &from, &to, &n) == 0; c++) {
        const char *name;
        size_t len;
        unquote(rec + skip + from, to - from, &name, &len);
        if (len == strlen(j->o->id_column) && !memcmp(name, j->o->id_column, len)) {
            j->id_col = c;
            return write_replacing(j, rec, size, skip + from, skip + to,
                                   j->o->pseudonym_column);
        }
    }
    return ristra__error(RISTRA_ENOTFOUND, "%s: %s has no column \"%s\"", fn,
                         ristra__stream_name(j->in.in), j->o->id_column);
}

/* Every data record: the identifier field replaced by its pseudonym, or
 * emptied when it is not a valid NHS number (the scorer then rejects the
 * row, by line, as it would have rejected the number). */
static int body(job *j, const char *fn)
{
    for (;;) {
        const char *rec;
        size_t size, from = 0, to = 0;
        int rc = next_record(&j->in, &rec, &size, fn);
        if (rc || size == 0)
            return rc;
        int32_t n;
        char token[2 * RISTRA__SHA256_BYTES + 1] = "";
        uint64_t nhs;
        const char *text;
        size_t len;
        j->totals.n_rows++;
        if (find_field(rec, size, j->id_col, &from, &to, &n) != 0) {
            j->totals.n_invalid++;
            rc = ristra__output_write(j->out, rec, size);  /* the scorer counts the fields */
        } else {
            unquote(rec + from, to - from, &text, &len);
            if (ristra__nhs_number_parse(text, len, &nhs)) {
                rc = make_token(token, nhs, j->key, j->key_len, j->o);
                j->totals.n_pseudonymised++;
            } else {
                j->totals.n_invalid++;
            }
            if (!rc)
                rc = write_replacing(j, rec, size, from, to, token);
        }
        if (rc)
            return rc;
    }
}

int ristra_pseudonymise_file(ristra_pseudonymise_totals *out, const char *input,
                             const char *output, const char *key_path,
                             const ristra_pseudonymise_options *opts)
{
    static const char fn[] = "ristra_pseudonymise_file";
    ristra_pseudonymise_options o;
    int rc = load_options(&o, opts, fn);
    if (rc)
        return rc;
    if (out && (rc = ristra__struct_check_out(out, &ristra__info_pseudonymise_totals, fn)))
        return rc;
    if (!input || !output || !key_path)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn,
                             !input ? "input" : !output ? "output" : "key_path");
    if (!strcmp(input, output))
        return ristra__error(RISTRA_EINVAL, "%s: input and output are the same file %s", fn,
                             input);
    if (o.gzip_output < -1 || o.gzip_output > 1)
        return ristra__error(RISTRA_EINVAL, "%s: opts->gzip_output is %d (expected -1, 0 or 1)",
                             fn, o.gzip_output);
    if (!o.id_column)
        o.id_column = "nhs_number";
    if (!o.pseudonym_column)
        o.pseudonym_column = "pseudonym";
    uint8_t key[RISTRA_PSEUDONYM_MAX_KEY_BYTES + 1];
    job j;
    memset(&j, 0, sizeof j);
    j.key = key;
    j.o = &o;
    j.id_col = -1;
    ristra_pseudonymise_totals t = RISTRA_PSEUDONYMISE_TOTALS_INIT;
    j.totals = t;
    j.in.line = 1;
    rc = read_key(key, &j.key_len, key_path, fn);
    if (!rc)
        rc = ristra__stream_open_file(&j.in.in, input);
    if (!rc && !(j.in.buf = malloc(CHUNK * 2)))
        rc = ristra__oom();
    j.in.cap = CHUNK * 2;
    int gz = o.gzip_output < 0 ? ristra__path_is_gz(output) : o.gzip_output;
    if (!rc)
        rc = ristra__output_open(&j.out, output, gz ? GZIP_LEVEL : 0);
    if (!rc)
        rc = header(&j, fn);
    if (!rc)
        rc = body(&j, fn);
    wipe(key, sizeof key);
    if (!rc) {
        rc = ristra__output_commit(j.out);
        j.out = NULL;
    }
    ristra__output_abort(j.out);
    ristra__stream_close(j.in.in);
    free(j.in.buf);
    if (!rc && out)
        rc = ristra__struct_store(out, &j.totals, &ristra__info_pseudonymise_totals, fn);
    return rc;
}
