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
#include "csv_internal.h"

static const ristra_pseudonymise_options DEFAULTS = RISTRA_PSEUDONYMISE_OPTIONS_INIT;

enum {
    DEFAULT_LENGTH = 32,
    BASE64URL_CHARS = 43,         /* 32 bytes, unpadded */
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

/* ------------------------------------------------------------ the file */

/* Records and fields are the reader's (csv.c, RFC 4180): one CSV rule for
 * every file ristra reads. */
typedef struct job {
    ristra__csv csv;
    ristra__output *out;
    const uint8_t *key;
    size_t key_len;
    const ristra_pseudonymise_options *o;
    int32_t id_col;
    ristra_pseudonymise_totals totals;
} job;

/* Field c of the record text[0..len): its raw bounds [*from, *to) (quotes
 * included) and its text [*f, *f + *flen) as the reader splits it.
 * Returns 0, with an empty range at the end, when the record has fewer
 * fields. */
static int field_bounds(const char *text, size_t len, int32_t c, size_t *from, size_t *to,
                        const char **f, size_t *flen)
{
    const char *p = text, *end = text + len;
    for (int32_t k = 0;; k++) {
        const char *next = ristra__csv_next_field(p, end, f, flen);
        if (k == c) {
            *from = (size_t)(p - text);
            *to = next ? (size_t)(next - 1 - text) : len;
            return 1;
        }
        if (!next)
            break;
        p = next;
    }
    *from = *to = len;
    *f = text + len;
    *flen = 0;
    return 0;
}

/* Writes rec[0..size) with rec[from..to) replaced by text. */
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

/* Finds the identifier column and writes the header with its name
 * replaced; *next is where the first data record starts. */
static int header(job *j, size_t *next, const char *fn)
{
    char **names = NULL;
    int32_t n = 0;
    int rc = ristra__csv_read_header(&j->csv, &names, &n, next);
    for (int32_t c = 0; !rc && c < n && j->id_col < 0; c++)
        if (!strcmp(names[c], j->o->id_column))
            j->id_col = c;
    for (int32_t c = 0; c < n; c++)
        free(names[c]);
    free(names);
    if (rc)
        return rc;
    if (j->id_col < 0)
        return ristra__error(RISTRA_ENOTFOUND, "%s: %s has no column \"%s\"", fn, j->csv.name,
                             j->o->id_column);
    const char *buf = j->csv.buf;
    size_t skip = j->csv.len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3) ? 3 : 0;
    const char *line_end = memchr(buf + skip, '\n', *next - skip);
    size_t len = (line_end ? (size_t)(line_end - buf) : *next) - skip;
    if (len > 0 && buf[skip + len - 1] == '\r')
        len--;
    size_t quotes = 0;
    for (size_t i = skip; i < skip + len; i++)
        quotes += buf[i] == '"';
    if (quotes % 2) /* a line end inside a quoted name: the header is not one line */
        return ristra__error(RISTRA_EFORMAT, "%s: %s: line 1: a column name holds a line "
                             "break", fn, j->csv.name);
    size_t from, to, flen;
    const char *f;
    field_bounds(buf + skip, len, j->id_col, &from, &to, &f, &flen);
    return write_replacing(j, buf, *next, skip + from, skip + to, j->o->pseudonym_column);
}

/* Every data record: the identifier field replaced by its pseudonym, or
 * emptied when it is not a valid NHS number (the scorer then rejects the
 * row, by line, as it would have rejected the number). */
static int body(job *j, size_t pos)
{
    for (;;) {
        ristra__csv_record rec;
        int rc = ristra__csv_next_record(&j->csv, pos, &rec);
        if (rc <= 0)
            return rc; /* the end (0) or an error */
        rc = RISTRA_OK;
        const char *text = j->csv.buf + rec.start;
        size_t from, to, flen;
        const char *f;
        field_bounds(text, rec.len, j->id_col, &from, &to, &f, &flen);
        char token[2 * RISTRA__SHA256_BYTES + 1] = "";
        uint64_t nhs;
        j->totals.n_rows++;
        if (ristra__nhs_number_parse(f, flen, &nhs)) {
            rc = make_token(token, nhs, j->key, j->key_len, j->o);
            j->totals.n_pseudonymised++;
        } else {
            j->totals.n_invalid++;   /* a row with too few fields is written as it is */
        }
        if (!rc)
            rc = write_replacing(j, text, rec.next - rec.start, from, to, token);
        if (rc)
            return rc;
        pos = rec.next;
        if (pos >= CHUNK * 16) { /* keep the buffer to about a record */
            ristra__csv_discard(&j->csv, pos);
            pos = 0;
        }
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
    ristra__stream *in = NULL;
    rc = read_key(key, &j.key_len, key_path, fn);
    if (!rc)
        rc = ristra__stream_open_file(&in, input);
    int csv_open = 0;
    if (!rc) {
        rc = ristra__csv_open(&j.csv, in); /* takes the stream over */
        csv_open = 1;
    }
    int gz = o.gzip_output < 0 ? ristra__path_is_gz(output) : o.gzip_output;
    if (!rc)
        rc = ristra__output_open(&j.out, output, gz ? GZIP_LEVEL : 0);
    size_t next = 0;
    if (!rc)
        rc = header(&j, &next, fn);
    if (!rc)
        rc = body(&j, next);
    wipe(key, sizeof key);
    if (!rc) {
        rc = ristra__output_commit(j.out);
        j.out = NULL;
    }
    ristra__output_abort(j.out);
    if (csv_open)
        ristra__csv_close(&j.csv);
    if (!rc && out)
        rc = ristra__struct_store(out, &j.totals, &ristra__info_pseudonymise_totals, fn);
    return rc;
}
